/**
 * Verifies a CODE_DEPLOY service: the deployment group's latest deployment, followed to its end
 * when it is still active (deploy/follow.ts, with deploy/timeout.ts's timeout).
 *
 *   latest Succeeded                       -> completed
 *   latest Failed / Stopped, rolled back   -> rolledBack (names the rollback deployment and how it ended)
 *   latest Failed / Stopped, no rollback   -> failed
 *   latest is itself CodeDeploy's rollback -> rolledBack (names the release it undid)
 *   no deployment at all                   -> none: nothing has been released with `npm run deploy`
 *                                             yet; the service runs the task set `pulumi up` created,
 *                                             which no CodeDeploy rollback can have touched. Exit 0,
 *                                             with a note.
 *
 * ListDeployments returns the group's deployments newest first: the first id is the latest.
 */
import {
    CodeDeployClient,
    DeploymentCreator,
    GetDeploymentCommand,
    ListDeploymentsCommand,
    type DeploymentInfo,
} from "@aws-sdk/client-codedeploy";
import { ACTIVE_STATUSES, awaitRollbackInfo, describeActive, describeDeployment } from "../active";
import type { Clock, Reporter } from "../console";
import { followDeployment, type FollowResult } from "../follow";
import { consoleUrl, describeFailure, isTerminal, stopCommand, type DeploymentSnapshot } from "../progress";
import { decideTimeout } from "../timeout";
import type { ServiceCheck } from "./outcome";
import type { VerifyTarget } from "./targets";

export interface CodeDeployCheckOptions {
    region: string;
    pollSeconds: number;
    /** --timeout-minutes; undefined: traffic shift + termination wait + 20 (deploy/timeout.ts). */
    timeoutMinutes?: number;
    signal?: AbortSignal;
}

export interface CodeDeployCheckDeps {
    codeDeploy: CodeDeployClient;
    reporter: Reporter;
    clock: Clock;
}

export async function verifyCodeDeployService(target: VerifyTarget, options: CodeDeployCheckOptions, deps: CodeDeployCheckDeps): Promise<ServiceCheck> {
    const { reporter } = deps;
    const group = target.codeDeploy!;
    const groupName = `${group.applicationName}/${group.deploymentGroupName}`;
    const latestId = await latestDeploymentId(deps.codeDeploy, group, options.signal);
    if (!latestId) {
        return {
            outcome: "none",
            summary: `no CodeDeploy deployment in ${groupName} yet: nothing released with \`npm run deploy\`, the service runs what \`pulumi up\` created`,
            details: [],
        };
    }
    const info = await getDeployment(deps.codeDeploy, latestId, options.signal);
    reporter.info(`Latest deployment of ${groupName}: ${describeActive(latestId, info)}. Console: ${consoleUrl(options.region, latestId)}`);

    const triggeringId = info.rollbackInfo?.rollbackTriggeringDeploymentId;
    if (info.creator === DeploymentCreator.CodeDeployRollback || triggeringId) {
        return await rollbackIsLatest(latestId, info, triggeringId, options, deps);
    }

    let snapshot: DeploymentSnapshot = { deployment: info };
    if (!isTerminal(info.status)) {
        if (!ACTIVE_STATUSES.includes(info.status!)) {
            return { outcome: "error", summary: `deployment ${latestId} has status ${info.status ?? "(none)"}, which this command does not know`, details: [] };
        }
        const decision = decideTimeout(options.timeoutMinutes, group);
        reporter.info(`Deployment ${latestId} is ${info.status}: following it. ${decision.explanation}`);
        if (decision.warning) reporter.error(decision.warning);
        const followed: FollowResult = await followDeployment(
            latestId,
            { region: options.region, pollMs: options.pollSeconds * 1000, timeoutMs: decision.minutes * 60_000, signal: options.signal },
            deps,
        );
        snapshot = followed.snapshot ?? snapshot;
        if (followed.outcome === "Interrupted") {
            return {
                outcome: "interrupted",
                summary: `stopped watching deployment ${latestId} (${snapshot.deployment.status ?? "active"}); it continues in CodeDeploy`,
                details: [`  follow it: ${consoleUrl(options.region, latestId)}`, `  to stop it and roll back: ${stopCommand(options.region, latestId)}`],
            };
        }
        if (followed.outcome === "TimedOut") {
            return {
                outcome: "timedOut",
                summary: `deployment ${latestId} still ${snapshot.deployment.status ?? "active"} after ${decision.minutes} min; it was not stopped`,
                details: [`  follow it: ${consoleUrl(options.region, latestId)}`],
            };
        }
    }
    return await terminalOutcome(latestId, snapshot, options, deps);
}

async function terminalOutcome(id: string, snapshot: DeploymentSnapshot, options: CodeDeployCheckOptions, deps: CodeDeployCheckDeps): Promise<ServiceCheck> {
    const deployment = snapshot.deployment;
    if (deployment.status === "Succeeded") {
        return { outcome: "completed", summary: `deployment ${id} succeeded${deployment.description ? ` (${JSON.stringify(deployment.description)})` : ""}`, details: [] };
    }
    const ended = deployment.status === "Stopped" ? "was stopped" : "failed";
    const details = describeFailure(snapshot);
    const rollbackInfo = await awaitRollbackInfo(deps.codeDeploy, deployment, { clock: deps.clock, pollMs: options.pollSeconds * 1000, signal: options.signal });
    const rollbackId = rollbackInfo?.rollbackDeploymentId;
    if (rollbackInfo?.rollbackMessage) details.push(`  rollback: ${rollbackInfo.rollbackMessage}`);
    if (!rollbackId) {
        details.push(`  no rollback was reported by CodeDeploy: check which task set serves production: ${consoleUrl(options.region, id)}`);
        return { outcome: "failed", summary: `deployment ${id} ${ended}, and no rollback was reported`, details };
    }
    const rollback = await describeDeployment(deps.codeDeploy, rollbackId);
    details.push(`  rollback deployment: ${consoleUrl(options.region, rollbackId)}`);
    return {
        outcome: rollback?.status === "Failed" || rollback?.status === "Stopped" ? "failed" : "rolledBack",
        summary: `deployment ${id} ${ended}; CodeDeploy rolled it back with ${rollbackId} (${rollbackPhase(rollback)})`,
        details,
    };
}

/** The latest deployment is CodeDeploy's own rollback: the release before it was undone. */
async function rollbackIsLatest(
    id: string,
    info: DeploymentInfo,
    triggeringId: string | undefined,
    options: CodeDeployCheckOptions,
    deps: CodeDeployCheckDeps,
): Promise<ServiceCheck> {
    const release = triggeringId ? await describeDeployment(deps.codeDeploy, triggeringId) : undefined;
    const details = release ? describeFailure({ deployment: release }) : [];
    if (info.rollbackInfo?.rollbackMessage) details.push(`  rollback: ${info.rollbackInfo.rollbackMessage}`);
    details.push(`  rollback deployment: ${consoleUrl(options.region, id)}`);
    const releaseText = triggeringId ? `release ${triggeringId} ${release?.status === "Stopped" ? "was stopped" : "failed"}` : "the last release failed";
    return {
        outcome: info.status === "Failed" || info.status === "Stopped" ? "failed" : "rolledBack",
        summary: `${releaseText}; CodeDeploy rolled it back with ${id} (${rollbackPhase(info)})`,
        details,
    };
}

function rollbackPhase(rollback: DeploymentInfo | undefined): string {
    const status = rollback?.status;
    switch (status) {
        case "Succeeded":
            return "rollback succeeded: production runs the previous revision";
        case "Failed":
        case "Stopped":
            return `rollback ${status.toLowerCase()}: production may run either version, check now`;
        case undefined:
            return "rollback status unknown";
        default:
            return `rollback ${status}`;
    }
}

async function latestDeploymentId(
    codeDeploy: CodeDeployClient,
    group: { applicationName: string; deploymentGroupName: string },
    signal: AbortSignal | undefined,
): Promise<string | undefined> {
    const page = await codeDeploy.send(
        new ListDeploymentsCommand({ applicationName: group.applicationName, deploymentGroupName: group.deploymentGroupName }),
        { abortSignal: signal },
    );
    return page?.deployments?.[0];
}

async function getDeployment(codeDeploy: CodeDeployClient, deploymentId: string, signal: AbortSignal | undefined): Promise<DeploymentInfo> {
    const response = await codeDeploy.send(new GetDeploymentCommand({ deploymentId }), { abortSignal: signal });
    if (!response?.deploymentInfo) throw new Error(`GetDeployment returned nothing for ${deploymentId}.`);
    return response.deploymentInfo;
}
