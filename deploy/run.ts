/**
 * The deploy flow for a CODE_DEPLOY-controlled ECS service:
 * current task definition -> new revision with the new image -> CodeDeploy deployment with the
 * rendered AppSpec -> follow it (and its rollback, if any) -> an exit code.
 */
import { CodeDeployClient, CreateDeploymentCommand, GetDeploymentCommand, type DeploymentInfo } from "@aws-sdk/client-codedeploy";
import { ECSClient } from "@aws-sdk/client-ecs";
import { renderAppSpec } from "./appspec";
import type { Clock, Reporter } from "./console";
import { DeployError, EXIT_FAILURE, EXIT_INTERRUPTED, EXIT_SUCCESS, UsageError } from "./errors";
import { followDeployment, type FollowOptions, type FollowOutcome, type FollowResult } from "./follow";
import { selectCodeDeployService, type CodeDeployServiceOutput, type StackOutputs } from "./outputs";
import { consoleUrl, describeFailure, stopCommand, waitCommand } from "./progress";
import { currentTaskDefinitionArn, registerWithImage } from "./taskDefinition";

export interface DeployRequest {
    stack: string;
    outputs: StackOutputs;
    /** Key of the service in the `services` stack output. */
    service: string;
    image: string;
    region: string;
    pollSeconds: number;
    timeoutMinutes: number;
    description?: string;
}

export interface DeployDeps {
    ecs: ECSClient;
    codeDeploy: CodeDeployClient;
    reporter: Reporter;
    clock: Clock;
    /** Aborted on Ctrl-C: the command stops watching and explains how to stop the deployment. */
    signal?: AbortSignal;
}

export interface DeployResult {
    exitCode: number;
    taskDefinitionArn?: string;
    deploymentId?: string;
    outcome?: FollowOutcome;
    rollback?: { deploymentId: string; outcome: FollowOutcome };
}

/** Times CodeDeploy gets, after a failure, to attach the rollback it started (it may lag the status). */
const ROLLBACK_INFO_POLLS = 3;

export async function runDeploy(request: DeployRequest, deps: DeployDeps): Promise<DeployResult> {
    const result: DeployResult = { exitCode: EXIT_FAILURE };
    try {
        return await deployAndFollow(request, deps, result);
    } catch (e) {
        reportError(e, request, deps.reporter, result.deploymentId);
        result.exitCode = e instanceof DeployError ? e.exitCode : EXIT_FAILURE;
        return result;
    }
}

async function deployAndFollow(request: DeployRequest, deps: DeployDeps, result: DeployResult): Promise<DeployResult> {
    const { reporter, signal } = deps;
    // Refusals (unknown service, rolling/bluegreen mode) come before any AWS call.
    const service = selectCodeDeployService(request.outputs, request.service);
    validateTiming(request);

    const currentArn = await awsStep("describe the ECS service", () =>
        currentTaskDefinitionArn(deps.ecs, service.clusterName, service.serviceName),
    );
    reporter.info(`Service ${request.service}: ECS service ${service.serviceName} in cluster ${service.clusterName} runs ${currentArn}`);
    if (signal?.aborted) return interruptedBeforeDeployment(reporter, result);

    const registered = await awsStep("register the new task definition", () =>
        registerWithImage(deps.ecs, currentArn, service.containerName, request.image),
    );
    result.taskDefinitionArn = registered.taskDefinitionArn;
    reporter.info(
        `Registered ${registered.taskDefinitionArn}: container ${service.containerName} ` +
            `${registered.previousImage ?? "(no image)"} -> ${request.image}`,
    );
    if (signal?.aborted) return interruptedBeforeDeployment(reporter, result);

    // Deliberately not abortable: once sent, a Ctrl-C must not lose the deployment id.
    const deploymentId = await awsStep("create the CodeDeploy deployment", () =>
        createDeployment(deps.codeDeploy, service, registered.taskDefinitionArn, deploymentDescription(request)),
    );
    result.deploymentId = deploymentId;
    reporter.info(
        `Created deployment ${deploymentId} (${service.codeDeploy.applicationName} / ${service.codeDeploy.deploymentGroupName}). ` +
            `Console: ${consoleUrl(request.region, deploymentId)}`,
    );

    const followed = await followDeployment(deploymentId, followOptions(request, signal), deps);
    result.outcome = followed.outcome;
    return await reportOutcome(request, deps, result, followed, registered.previousTaskDefinitionArn);
}

/** The CreateDeployment call; the AppSpec goes inline, so no S3 bucket is involved. */
export async function createDeployment(
    codeDeploy: CodeDeployClient,
    service: CodeDeployServiceOutput,
    taskDefinitionArn: string,
    description: string,
): Promise<string> {
    const content = renderAppSpec(service.appSpecTemplate, taskDefinitionArn);
    const { deploymentId } = await codeDeploy.send(
        new CreateDeploymentCommand({
            applicationName: service.codeDeploy.applicationName,
            deploymentGroupName: service.codeDeploy.deploymentGroupName,
            revision: { revisionType: "AppSpecContent", appSpecContent: { content } },
            description,
        }),
    );
    if (!deploymentId) throw new DeployError("CreateDeployment returned no deployment id.");
    return deploymentId;
}

export function deploymentDescription(request: Pick<DeployRequest, "description" | "image" | "service" | "stack">): string {
    return request.description ?? `Deploy ${request.image} to ${request.service} (stack ${request.stack}) with scripts/deploy.ts`;
}

async function reportOutcome(
    request: DeployRequest,
    deps: DeployDeps,
    result: DeployResult,
    followed: FollowResult,
    previousTaskDefinitionArn: string,
): Promise<DeployResult> {
    const { reporter } = deps;
    const id = result.deploymentId!;
    switch (followed.outcome) {
        case "Succeeded":
            reporter.info(`Deployment ${id} succeeded: ${request.service} runs ${request.image} (${result.taskDefinitionArn}).`);
            result.exitCode = EXIT_SUCCESS;
            return result;
        case "Interrupted":
            reportInterrupted(reporter, request.region, id);
            result.exitCode = EXIT_INTERRUPTED;
            return result;
        case "TimedOut":
            reportTimeout(reporter, request, id, followed.snapshot?.deployment.status);
            result.exitCode = EXIT_FAILURE;
            return result;
        case "Failed":
        case "Stopped":
            reporter.error(`Deployment ${id} ${followed.outcome === "Failed" ? "failed" : "was stopped"}.`);
            for (const line of followed.snapshot ? describeFailure(followed.snapshot) : []) reporter.error(line);
            return await handleRollback(request, deps, result, followed.snapshot!.deployment, previousTaskDefinitionArn);
    }
}

/** Says whether CodeDeploy rolled back, and follows the rollback deployment to its end. */
async function handleRollback(
    request: DeployRequest,
    deps: DeployDeps,
    result: DeployResult,
    failed: DeploymentInfo,
    previousTaskDefinitionArn: string,
): Promise<DeployResult> {
    const { reporter } = deps;
    result.exitCode = EXIT_FAILURE;
    const info = await awaitRollbackInfo(request, deps, failed);
    const rollbackId = info?.rollbackDeploymentId;
    if (!rollbackId && deps.signal?.aborted) {
        reporter.error(`Interrupted before CodeDeploy reported a rollback. Check: ${consoleUrl(request.region, result.deploymentId!)}`);
        result.exitCode = EXIT_INTERRUPTED;
        return result;
    }
    if (!rollbackId) {
        reporter.error(
            info?.rollbackMessage
                ? `Rollback: ${info.rollbackMessage}`
                : "No rollback was reported by CodeDeploy (automatic rollback disabled or not triggered). " +
                      `Check which task set serves production: ${consoleUrl(request.region, result.deploymentId!)}`,
        );
        return result;
    }
    reporter.error(`Rollback: CodeDeploy started rollback deployment ${rollbackId}${info?.rollbackMessage ? ` (${info.rollbackMessage})` : ""}. Following it.`);
    const rollback = await followDeployment(rollbackId, followOptions(request, deps.signal), deps);
    result.rollback = { deploymentId: rollbackId, outcome: rollback.outcome };
    reportRollbackOutcome(reporter, request, rollbackId, rollback, previousTaskDefinitionArn);
    if (rollback.outcome === "Interrupted") result.exitCode = EXIT_INTERRUPTED;
    return result;
}

/**
 * rollbackInfo can appear a little after the failed status: poll a few more times when the
 * deployment group rolls back automatically, rather than wrongly report "no rollback".
 */
async function awaitRollbackInfo(request: DeployRequest, deps: DeployDeps, failed: DeploymentInfo): Promise<DeploymentInfo["rollbackInfo"]> {
    let deployment = failed;
    if (deployment.rollbackInfo || !deployment.autoRollbackConfiguration?.enabled) return deployment.rollbackInfo;
    deps.reporter.info("Automatic rollback is enabled: waiting for CodeDeploy to report the rollback.");
    for (let i = 0; i < ROLLBACK_INFO_POLLS && !deployment.rollbackInfo && !deps.signal?.aborted; i++) {
        await deps.clock.sleep(request.pollSeconds * 1000, deps.signal);
        const { deploymentInfo } = await deps.codeDeploy.send(new GetDeploymentCommand({ deploymentId: failed.deploymentId! }));
        deployment = deploymentInfo ?? deployment;
    }
    return deployment.rollbackInfo;
}

function reportRollbackOutcome(
    reporter: Reporter,
    request: DeployRequest,
    rollbackId: string,
    rollback: FollowResult,
    previousTaskDefinitionArn: string,
): void {
    switch (rollback.outcome) {
        case "Succeeded":
            reporter.error(`Rollback deployment ${rollbackId} succeeded: ${request.service} runs ${previousTaskDefinitionArn} again.`);
            return;
        case "Interrupted":
            reporter.error(`Stopped following rollback deployment ${rollbackId}; it continues. Console: ${consoleUrl(request.region, rollbackId)}`);
            return;
        case "TimedOut":
            reporter.error(
                `Rollback deployment ${rollbackId} still ${rollback.snapshot?.deployment.status ?? "running"} after ` +
                    `${request.timeoutMinutes} min; it continues. Follow it: ${consoleUrl(request.region, rollbackId)}`,
            );
            return;
        case "Failed":
        case "Stopped":
            reporter.error(
                `Rollback deployment ${rollbackId} ${rollback.outcome === "Failed" ? "failed" : "was stopped"}: ` +
                    `production may run either version. Check now: ${consoleUrl(request.region, rollbackId)}`,
            );
            for (const line of rollback.snapshot ? describeFailure(rollback.snapshot) : []) reporter.error(line);
            return;
    }
}

function reportInterrupted(reporter: Reporter, region: string, deploymentId: string): void {
    reporter.error(`Interrupted. Deployment ${deploymentId} continues in CodeDeploy; this command only stopped watching it.`);
    reporter.error(`  to stop it and roll back: ${stopCommand(region, deploymentId)}`);
    reporter.error(`  to follow it: ${consoleUrl(region, deploymentId)}`);
}

function reportTimeout(reporter: Reporter, request: DeployRequest, deploymentId: string, status: string | undefined): void {
    reporter.error(
        `Timed out after ${request.timeoutMinutes} min: deployment ${deploymentId} is still ${status ?? "running"}. ` +
            "It was NOT stopped and continues in CodeDeploy.",
    );
    reporter.error(`  follow it in the console: ${consoleUrl(request.region, deploymentId)}`);
    reporter.error(`  or wait for it: ${waitCommand(request.region, deploymentId)}`);
}

function interruptedBeforeDeployment(reporter: Reporter, result: DeployResult): DeployResult {
    reporter.error(
        "Interrupted before a deployment was created: nothing was deployed" +
            (result.taskDefinitionArn ? ` (the registered ${result.taskDefinitionArn} is unused and harmless).` : "."),
    );
    result.exitCode = EXIT_INTERRUPTED;
    return result;
}

function reportError(e: unknown, request: DeployRequest, reporter: Reporter, deploymentId: string | undefined): void {
    reporter.progressDone();
    reporter.error(`Error: ${e instanceof Error ? e.message : String(e)}`);
    if (deploymentId) {
        reporter.error(`Deployment ${deploymentId} was created and continues in CodeDeploy: ${consoleUrl(request.region, deploymentId)}`);
    }
}

/** Runs an AWS call, naming the step in the error so "AccessDenied" says *what* was denied. */
async function awsStep<T>(step: string, call: () => Promise<T>): Promise<T> {
    try {
        return await call();
    } catch (e) {
        if (e instanceof DeployError) throw e;
        const err = e as Error;
        throw new DeployError(`Could not ${step}: ${err.name && err.name !== "Error" ? `${err.name}: ` : ""}${err.message}`);
    }
}

function followOptions(request: DeployRequest, signal: AbortSignal | undefined): FollowOptions {
    return {
        region: request.region,
        pollMs: request.pollSeconds * 1000,
        timeoutMs: request.timeoutMinutes * 60_000,
        signal,
    };
}

function validateTiming(request: DeployRequest): void {
    if (!(request.pollSeconds > 0) || !(request.timeoutMinutes > 0)) {
        throw new UsageError(`pollSeconds and timeoutMinutes must be positive (got ${request.pollSeconds}, ${request.timeoutMinutes}).`);
    }
}
