/**
 * `npm run verify`: did the last release of each service stick, or did ECS or CodeDeploy roll it
 * back? `pulumi up` reports success when the circuit breaker or a deployment alarm rolled a
 * service back (the service is stable again, on the old revision), so a pipeline needs this
 * check after it.
 *
 * The services are checked one after the other, in the order asked (all of the stack's, sorted,
 * by default). Their deployments run in parallel in AWS anyway, so a service reached later is
 * judged from where it stands then (a finished rollback is still seen: the PRIMARY deployment
 * runs another revision, and the service deployment says ROLLBACK_SUCCESSFUL).
 *
 * Nothing is ever changed: on timeout or Ctrl-C the command stops watching.
 */
import type { CodeDeployClient } from "@aws-sdk/client-codedeploy";
import type { ECSClient } from "@aws-sdk/client-ecs";
import type { Clock, Reporter } from "../console";
import { ecsServiceConsoleUrl, followEcsDeployment, formatServiceEvent, type EcsFollowResult } from "../ecsDeployment";
import { DeployError, EXIT_FAILURE, errorText } from "../errors";
import type { StackOutputs } from "../outputs";
import { verifyCodeDeployService } from "./codeDeploy";
import { OUTCOME_LABELS, isSuccess, overallExitCode, type ServiceCheck, type ServiceVerification } from "./outcome";
import { selectVerifyTargets, type VerifyTarget } from "./targets";

export interface VerifyRequest {
    stack: string;
    outputs: StackOutputs;
    /** Keys of the services to verify; empty: every service of the stack. */
    services: string[];
    region: string;
    pollSeconds: number;
    /** --timeout-minutes; undefined: derived per service (ecsDeploymentTimeout, deploy/timeout.ts). */
    timeoutMinutes?: number;
    /** How the outputs were read, for messages (default `stack <stack>`). */
    where?: string;
}

export interface VerifyDeps {
    ecs: ECSClient;
    codeDeploy: CodeDeployClient;
    reporter: Reporter;
    clock: Clock;
    /** Aborted on Ctrl-C: the command stops watching and says what was still in progress. */
    signal?: AbortSignal;
}

export interface VerifyResult {
    exitCode: number;
    services: ServiceVerification[];
}

export async function runVerify(request: VerifyRequest, deps: VerifyDeps): Promise<VerifyResult> {
    const { reporter, signal } = deps;
    let targets: VerifyTarget[];
    try {
        targets = selectVerifyTargets(request.outputs, request.services, request.where ?? `stack ${request.stack}`);
    } catch (e) {
        if (!(e instanceof DeployError)) throw e;
        reporter.error(`Error: ${e.message}`);
        return { exitCode: e.exitCode, services: [] };
    }
    reporter.info(
        `Verifying ${targets.length} service${targets.length === 1 ? "" : "s"} of stack ${request.stack} in ${request.region}: ` +
            targets.map((t) => t.name).join(", "),
    );
    const results: ServiceVerification[] = [];
    for (const target of targets) {
        if (signal?.aborted) {
            results.push({ service: target.name, mode: target.mode, outcome: "notChecked", summary: "not checked (interrupted before)", details: [] });
            continue;
        }
        reporter.info("");
        reporter.info(`${target.name} (${target.mode}): ECS service ${target.serviceName} in cluster ${target.clusterName}`);
        const check = await checkService(target, request, deps);
        reportCheck(reporter, target, check);
        results.push({ service: target.name, mode: target.mode, ...check });
    }
    reportSummary(reporter, results);
    return { exitCode: overallExitCode(results.map((r) => r.outcome)), services: results };
}

async function checkService(target: VerifyTarget, request: VerifyRequest, deps: VerifyDeps): Promise<ServiceCheck> {
    try {
        if (target.mode === "codedeploy") {
            return await verifyCodeDeployService(
                target,
                { region: request.region, pollSeconds: request.pollSeconds, timeoutMinutes: request.timeoutMinutes, signal: deps.signal },
                deps,
            );
        }
        const followed = await followEcsDeployment(
            { clusterName: target.clusterName, serviceName: target.serviceName, declaredTaskDefinitionArn: target.taskDefinitionArn },
            { pollMs: request.pollSeconds * 1000, timeoutMinutes: request.timeoutMinutes, signal: deps.signal },
            deps,
        );
        return ecsCheck(target, request.region, followed);
    } catch (e) {
        deps.reporter.progressDone();
        if (deps.signal?.aborted) return { outcome: "interrupted", summary: "stopped watching (interrupted during an AWS call)", details: [] };
        return { outcome: "error", summary: `could not verify: ${errorText(e)}`, details: [] };
    }
}

function ecsCheck(target: VerifyTarget, region: string, followed: EcsFollowResult): ServiceCheck {
    const console = `  console: ${ecsServiceConsoleUrl(region, target.clusterName, target.serviceName)}`;
    if (followed.outcome === "completed") return { outcome: "completed", summary: followed.summary, details: followed.details };
    const details = [...followed.details];
    const alarms = followed.triggeredAlarms;
    if (alarms.length > 0 && !details.some((line) => line.startsWith("  triggered by:") && alarms.every((a) => line.includes(a)))) {
        details.push(`  alarm that fired: ${alarms.join(", ")}`);
    }
    if (followed.lastEvents.length > 0) {
        details.push("  last service events:");
        details.push(...followed.lastEvents.map((e) => `    ${formatServiceEvent(e)}`));
    }
    if (followed.outcome === "interrupted" || followed.outcome === "timedOut") {
        details.push(`  deployment ${followed.deploymentId ?? "(unknown)"} was not stopped and continues in ECS`);
    }
    details.push(console);
    return { outcome: followed.outcome, summary: followed.summary, details };
}

function reportCheck(reporter: Reporter, target: VerifyTarget, check: ServiceCheck): void {
    const line = `${target.name}: ${OUTCOME_LABELS[check.outcome]}: ${check.summary}`;
    if (isSuccess(check.outcome)) {
        reporter.info(line);
        for (const detail of check.details) reporter.info(detail);
    } else {
        reporter.error(line);
        for (const detail of check.details) reporter.error(detail);
    }
}

/** One aligned line per service, then the verdict; all on stdout so a log shows them together. */
function reportSummary(reporter: Reporter, results: ServiceVerification[]): void {
    reporter.info("");
    reporter.info("Summary:");
    const nameWidth = Math.max(...results.map((r) => r.service.length));
    const modeWidth = Math.max(...results.map((r) => r.mode.length));
    const labelWidth = Math.max(...results.map((r) => OUTCOME_LABELS[r.outcome].length));
    for (const r of results) {
        reporter.info(`  ${r.service.padEnd(nameWidth)}  ${r.mode.padEnd(modeWidth)}  ${OUTCOME_LABELS[r.outcome].padEnd(labelWidth)}  ${r.summary}`);
    }
    const code = overallExitCode(results.map((r) => r.outcome));
    const bad = results.filter((r) => !isSuccess(r.outcome)).length;
    if (code === EXIT_FAILURE) reporter.error(`${bad} of ${results.length} service${results.length === 1 ? "" : "s"} did not verify.`);
    else if (code !== 0) {
        const open = results.filter((r) => r.outcome === "interrupted" || r.outcome === "notChecked").map((r) => r.service);
        reporter.error(`Interrupted: ${open.join(", ")} still unverified; deployments were not stopped and continue in AWS.`);
    }
}
