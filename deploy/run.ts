/**
 * The deploy flow for a CODE_DEPLOY-controlled ECS service:
 * no other deployment active in the group (or wait for it) -> the stack's task definition with
 * the new image, registered -> CodeDeploy deployment with the rendered AppSpec -> follow it (and
 * its rollback, if any) -> an exit code.
 */
import { CodeDeployClient, CreateDeploymentCommand, type DeploymentInfo } from "@aws-sdk/client-codedeploy";
import type { ApplicationAutoScalingClient } from "@aws-sdk/client-application-auto-scaling";
import { ECSClient, type TaskDefinition } from "@aws-sdk/client-ecs";
import {
    activeDeploymentMessage,
    activeIdFromMessage,
    awaitRollbackInfo,
    describeActive,
    describeDeployment,
    isDeploymentLimitExceeded,
    listActiveDeployments,
} from "./active";
import { renderAppSpec } from "./appspec";
import type { Clock, Reporter } from "./console";
import { DeployError, EXIT_FAILURE, EXIT_INTERRUPTED, EXIT_SUCCESS, UsageError, errorText } from "./errors";
import { followDeployment, type FollowOptions, type FollowOutcome, type FollowResult } from "./follow";
import { selectCodeDeployService, type CodeDeployServiceOutput, type StackOutputs } from "./outputs";
import { resumeCommand, resumeScaling, suspendScaling } from "./scalingPause";
import { consoleUrl, describeFailure, stopCommand, waitCommand } from "./progress";
import {
    configurationChanges,
    containerImage,
    currentTaskDefinitionArn,
    describeTaskDefinition,
    registerWithImage,
    type DescribedTaskDefinition,
} from "./taskDefinition";
import { decideTimeout } from "./timeout";

export interface DeployRequest {
    stack: string;
    outputs: StackOutputs;
    /** Key of the service in the `services` stack output. */
    service: string;
    image: string;
    region: string;
    pollSeconds: number;
    /** --timeout-minutes; when undefined, derived from the stack's deployment settings (see timeout.ts). */
    timeoutMinutes?: number;
    /** Wait for a deployment already active in the group instead of stopping. */
    waitForActive?: boolean;
    description?: string;
}

/** The request once the timeout is decided. */
type ResolvedRequest = DeployRequest & { timeoutMinutes: number };

export interface DeployDeps {
    ecs: ECSClient;
    codeDeploy: CodeDeployClient;
    /** Suspends the service's auto scaling for the release (services whose outputs carry `scaling`). */
    autoScaling?: ApplicationAutoScalingClient;
    reporter: Reporter;
    clock: Clock;
    /** Aborted on Ctrl-C: the command stops watching and explains how to stop the deployment. */
    signal?: AbortSignal;
}

export interface DeployResult {
    exitCode: number;
    /** The revision registered for this release. */
    taskDefinitionArn?: string;
    /** The revision it was copied from: the stack's, or the running one when the stack does not export it. */
    sourceTaskDefinitionArn?: string;
    /** The revision production ran before (what a rollback returns to). */
    previousTaskDefinitionArn?: string;
    /** The minutes the command follows a deployment before it stops watching. */
    timeoutMinutes?: number;
    deploymentId?: string;
    outcome?: FollowOutcome;
    rollback?: { deploymentId: string; outcome: FollowOutcome };
}

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
    const resolved = resolveTimeout(request, service, reporter);
    result.timeoutMinutes = resolved.timeoutMinutes;

    // Before anything is registered: a collision found later would leave a revision behind.
    const cleared = await clearActiveDeployments(resolved, deps, service);
    if (cleared === "interrupted" || signal?.aborted) return interruptedBeforeDeployment(reporter, result);

    const runningArn = await awsStep("describe the ECS service", () =>
        currentTaskDefinitionArn(deps.ecs, service.clusterName, service.serviceName),
    );
    result.previousTaskDefinitionArn = runningArn;
    reporter.info(`Service ${request.service}: ECS service ${service.serviceName} in cluster ${service.clusterName} runs ${runningArn}`);
    if (signal?.aborted) return interruptedBeforeDeployment(reporter, result);

    const sourceArn = releaseSource(request, service, runningArn, reporter);
    result.sourceTaskDefinitionArn = sourceArn;
    const { source, running } = await awsStep("read the task definitions", () => describeRelease(deps.ecs, sourceArn, runningArn));
    if (sourceArn !== runningArn) reportConfigurationChanges(reporter, service, running, source.taskDefinition, sourceArn);
    if (signal?.aborted) return interruptedBeforeDeployment(reporter, result);

    const registeredArn = await awsStep("register the new task definition", () =>
        registerWithImage(deps.ecs, source, service.containerName, request.image),
    );
    result.taskDefinitionArn = registeredArn;
    reporter.info(
        `Registered ${registeredArn} from ${sourceArn}: container ${service.containerName} ` +
            `${containerImage(running, service.containerName) ?? "(no image)"} -> ${request.image}`,
    );
    if (signal?.aborted) return interruptedBeforeDeployment(reporter, result);

    const scaled = service.scaling && deps.autoScaling ? deps.autoScaling : undefined;
    if (scaled) {
        await awsStep("suspend the service's auto scaling", () => suspendScaling(scaled, service));
        reporter.info(`Suspended auto scaling of ${service.serviceName} for the release (CodeDeploy does not pause it; a scaling event would fail the deployment).`);
    }
    let ended = false;
    try {
        // Deliberately not abortable: once sent, a Ctrl-C must not lose the deployment id.
        const deploymentId = await awsStep("create the CodeDeploy deployment", async () => {
            try {
                return await createDeployment(deps.codeDeploy, service, registeredArn, deploymentDescription(request));
            } catch (e) {
                if (!isDeploymentLimitExceeded(e)) throw e;
                throw await collisionError(resolved, deps, service, e as Error, registeredArn);
            }
        });
        result.deploymentId = deploymentId;
        reporter.info(
            `Created deployment ${deploymentId} (${service.codeDeploy.applicationName} / ${service.codeDeploy.deploymentGroupName}). ` +
                `Console: ${consoleUrl(request.region, deploymentId)}`,
        );

        const followed = await followDeployment(deploymentId, followOptions(resolved, signal), deps);
        result.outcome = followed.outcome;
        const reported = await reportOutcome(resolved, deps, result, followed, runningArn);
        // Ended unless the command stopped watching a deployment (or its rollback) that goes on.
        const goesOn = (o: FollowOutcome | undefined) => o === "Interrupted" || o === "TimedOut";
        ended = !goesOn(followed.outcome) && !goesOn(result.rollback?.outcome);
        return reported;
    } catch (e) {
        // Nothing was created when it failed before the deployment id: resume then, not otherwise.
        ended = result.deploymentId === undefined;
        throw e;
    } finally {
        if (scaled) await settleScaling(scaled, service, ended, request.region, reporter);
    }
}

/** Resumes scaling once the deployment has ended; otherwise says how to, since it is still running. */
async function settleScaling(client: ApplicationAutoScalingClient, service: CodeDeployServiceOutput, ended: boolean, region: string, reporter: Reporter): Promise<void> {
    if (!ended) {
        reporter.error(`Auto scaling of ${service.serviceName} stays suspended while the deployment runs. When it has ended: ${resumeCommand(region, service)} (or run pulumi up).`);
        return;
    }
    try {
        await resumeScaling(client, service);
        reporter.info(`Resumed auto scaling of ${service.serviceName}.`);
    } catch (e) {
        reporter.error(`Could not resume auto scaling of ${service.serviceName} (${(e as Error).message}). Resume it: ${resumeCommand(region, service)} (or run pulumi up).`);
    }
}

function resolveTimeout(request: DeployRequest, service: CodeDeployServiceOutput, reporter: Reporter): ResolvedRequest {
    const decision = decideTimeout(request.timeoutMinutes, service.codeDeploy);
    reporter.info(decision.explanation);
    if (decision.warning) reporter.error(decision.warning);
    return { ...request, timeoutMinutes: decision.minutes };
}

/**
 * Returns once no deployment is active in the group. Without --wait-for-active an active one
 * ends the command; with it, each active deployment (a rollback may follow a failure) is
 * followed to its end, whatever its outcome, within one timeout for the whole wait.
 */
async function clearActiveDeployments(
    request: ResolvedRequest,
    deps: DeployDeps,
    service: CodeDeployServiceOutput,
): Promise<"clear" | "interrupted"> {
    const { reporter, clock, signal } = deps;
    const group = service.codeDeploy;
    const deadline = clock.now() + request.timeoutMinutes * 60_000;
    // The list can still show a deployment that GetDeployment reports ended: never follow one twice.
    const ended = new Set<string>();
    for (;;) {
        if (signal?.aborted) return "interrupted";
        const active = await awsStep("list the deployment group's active deployments", () =>
            listActiveDeployments(deps.codeDeploy, group, signal),
        ).catch((e: unknown) => {
            if (signal?.aborted) return undefined;
            throw e;
        });
        if (active === undefined) return "interrupted";
        if (active.length === 0) return "clear";
        const id = active.find((candidate) => !ended.has(candidate));
        if (id === undefined) {
            if (clock.now() >= deadline) throw waitTimeoutError(request, active[0], undefined);
            await clock.sleep(request.pollSeconds * 1000, signal);
            continue;
        }
        const info = await describeDeployment(deps.codeDeploy, id);
        if (!request.waitForActive) {
            throw new DeployError(
                activeDeploymentMessage({ region: request.region, group, deploymentId: id, info, done: "Nothing was registered or deployed." }),
            );
        }
        const remaining = deadline - clock.now();
        if (remaining <= 0) throw waitTimeoutError(request, id, info);
        reporter.info(
            `Waiting for deployment ${describeActive(id, info)} to end (--wait-for-active): CodeDeploy runs one deployment ` +
                `per group at a time. Nothing is registered until it ends. Console: ${consoleUrl(request.region, id)}`,
        );
        const followed = await followDeployment(id, { ...followOptions(request, signal), timeoutMs: remaining }, deps);
        if (followed.outcome === "Interrupted") {
            reporter.error(`Stopped waiting for deployment ${id}; it continues in CodeDeploy.`);
            return "interrupted";
        }
        if (followed.outcome === "TimedOut") throw waitTimeoutError(request, id, followed.snapshot?.deployment);
        ended.add(id);
        // Whatever its outcome, the group is free for this release; the operator still learns how it ended.
        const error = followed.snapshot?.deployment.errorInformation;
        const detail = error?.code || error?.message ? ` (${[error.code, error.message].filter(Boolean).join(": ")})` : "";
        reporter.info(`Deployment ${id} ended: ${followed.outcome}${detail}. Going on with the release of ${request.image}.`);
        // A failed deployment's rollback may be created a little later: let it appear before
        // listing again, rather than collide with it.
        if (followed.outcome !== "Succeeded" && followed.snapshot) await rollbackInfoOf(request, deps, followed.snapshot.deployment);
    }
}

function waitTimeoutError(request: ResolvedRequest, deploymentId: string, info: DeploymentInfo | undefined): DeployError {
    return new DeployError(
        `Deployment ${deploymentId} was still ${info?.status ?? "active"} after waiting ${request.timeoutMinutes} min ` +
            "(--wait-for-active): nothing was registered or deployed. " +
            `Follow it: ${consoleUrl(request.region, deploymentId)} and release again once it has ended.`,
    );
}

/** The refusal of CreateDeployment because another deployment started after the check (a race). */
async function collisionError(
    request: ResolvedRequest,
    deps: DeployDeps,
    service: CodeDeployServiceOutput,
    refusal: Error,
    registeredArn: string,
): Promise<DeployError> {
    const active = await listActiveDeployments(deps.codeDeploy, service.codeDeploy).catch(() => [] as string[]);
    const id = active[0] ?? activeIdFromMessage(refusal.message);
    const done = `Nothing was deployed (the registered ${registeredArn} is unused and harmless).`;
    if (!id) {
        return new DeployError(`CodeDeploy refused the deployment: ${refusal.message}. ${done} Release again once the active deployment has ended.`);
    }
    const info = await describeDeployment(deps.codeDeploy, id);
    return new DeployError(activeDeploymentMessage({ region: request.region, group: service.codeDeploy, deploymentId: id, info, done }));
}

/**
 * The revision the release copies: the stack's, so that config changes applied by `pulumi up`
 * (which ECS never runs for a CODE_DEPLOY service) go out with it; the running one only for a
 * stack that does not export it yet.
 */
function releaseSource(request: DeployRequest, service: CodeDeployServiceOutput, runningArn: string, reporter: Reporter): string {
    if (service.taskDefinitionArn) return service.taskDefinitionArn;
    reporter.error(
        `Warning: the outputs of stack ${request.stack} have no services.${request.service}.taskDefinitionArn (they predate it), ` +
            `so this release copies the running ${runningArn} and changes only the image: configuration changes in the stack ` +
            `(environment, secrets, cpu, memory...) will NOT be included until \`pulumi up\` is run on stack ${request.stack}.`,
    );
    return runningArn;
}

/** Reads the source revision, and the running one too when it differs (for the comparison). */
async function describeRelease(
    ecs: ECSClient,
    sourceArn: string,
    runningArn: string,
): Promise<{ source: DescribedTaskDefinition; running: TaskDefinition }> {
    const source = await describeTaskDefinition(ecs, sourceArn);
    const running = sourceArn === runningArn ? source : await describeTaskDefinition(ecs, runningArn);
    return { source, running: running.taskDefinition };
}

function reportConfigurationChanges(
    reporter: Reporter,
    service: CodeDeployServiceOutput,
    running: TaskDefinition,
    declared: TaskDefinition,
    declaredArn: string,
): void {
    const changes = configurationChanges(running, declared, service.containerName);
    if (changes.length === 0) {
        reporter.info(`The release starts from the stack's ${declaredArn}: no configuration change besides the image.`);
        return;
    }
    reporter.info(`The release starts from the stack's ${declaredArn} and, besides the image, changes:`);
    for (const line of changes) reporter.info(`  ${line}`);
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
    request: ResolvedRequest,
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
    request: ResolvedRequest,
    deps: DeployDeps,
    result: DeployResult,
    failed: DeploymentInfo,
    previousTaskDefinitionArn: string,
): Promise<DeployResult> {
    const { reporter } = deps;
    result.exitCode = EXIT_FAILURE;
    const info = await rollbackInfoOf(request, deps, failed);
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

function rollbackInfoOf(request: DeployRequest, deps: DeployDeps, failed: DeploymentInfo): Promise<DeploymentInfo["rollbackInfo"]> {
    return awaitRollbackInfo(deps.codeDeploy, failed, {
        clock: deps.clock,
        pollMs: request.pollSeconds * 1000,
        signal: deps.signal,
        onWait: () => deps.reporter.info("Automatic rollback is enabled: waiting for CodeDeploy to report the rollback."),
    });
}

function reportRollbackOutcome(
    reporter: Reporter,
    request: ResolvedRequest,
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

function reportTimeout(reporter: Reporter, request: ResolvedRequest, deploymentId: string, status: string | undefined): void {
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
        throw new DeployError(`Could not ${step}: ${errorText(e)}`);
    }
}

function followOptions(request: ResolvedRequest, signal: AbortSignal | undefined): FollowOptions {
    return {
        region: request.region,
        pollMs: request.pollSeconds * 1000,
        timeoutMs: request.timeoutMinutes * 60_000,
        signal,
    };
}

function validateTiming(request: DeployRequest): void {
    if (!(request.pollSeconds > 0) || (request.timeoutMinutes !== undefined && !(request.timeoutMinutes > 0))) {
        throw new UsageError(`pollSeconds and timeoutMinutes must be positive (got ${request.pollSeconds}, ${request.timeoutMinutes}).`);
    }
}
