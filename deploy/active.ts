/**
 * CodeDeploy runs one deployment per deployment group at a time and refuses a second one
 * (DeploymentLimitExceededException). A deployment stays active through its termination wait
 * (30 minutes in prod), so a release soon after the last one collides: find the active
 * deployment before registering anything, and say which one it is and what to do.
 */
import {
    CodeDeployClient,
    DeploymentStatus,
    GetDeploymentCommand,
    ListDeploymentsCommand,
    type DeploymentInfo,
} from "@aws-sdk/client-codedeploy";
import type { Clock } from "./console";
import { consoleUrl, continueCommand, stopCommand } from "./progress";

/** Every non-final status of the SDK's DeploymentStatus: Baking too (a zonal bake still holds the group). */
export const ACTIVE_STATUSES: DeploymentStatus[] = [
    DeploymentStatus.CREATED,
    DeploymentStatus.QUEUED,
    DeploymentStatus.IN_PROGRESS,
    DeploymentStatus.READY,
    DeploymentStatus.BAKING,
];

export interface DeploymentGroupRef {
    applicationName: string;
    deploymentGroupName: string;
}

/** Ids of the group's active deployments (normally zero or one). */
export async function listActiveDeployments(codeDeploy: CodeDeployClient, group: DeploymentGroupRef, signal?: AbortSignal): Promise<string[]> {
    const ids: string[] = [];
    let nextToken: string | undefined;
    do {
        const page = await codeDeploy.send(
            new ListDeploymentsCommand({
                applicationName: group.applicationName,
                deploymentGroupName: group.deploymentGroupName,
                includeOnlyStatuses: ACTIVE_STATUSES,
                nextToken,
            }),
            { abortSignal: signal },
        );
        ids.push(...(page?.deployments ?? []));
        nextToken = page?.nextToken;
    } while (nextToken);
    return ids;
}

/** Best effort: the details only improve the message, the id alone is enough to act on. */
export async function describeDeployment(codeDeploy: CodeDeployClient, deploymentId: string): Promise<DeploymentInfo | undefined> {
    try {
        const { deploymentInfo } = await codeDeploy.send(new GetDeploymentCommand({ deploymentId }));
        return deploymentInfo;
    } catch {
        return undefined;
    }
}

/** Polls CodeDeploy gets, after a failure, to attach the rollback it started. */
export const ROLLBACK_INFO_POLLS = 3;

/**
 * rollbackInfo can appear a little after the failed status: when the group rolls back
 * automatically, poll a few more times for the rollback deployment's id, rather than wrongly
 * report "no rollback". `onWait` is told once, before the first extra poll. Stops early when
 * `signal` is aborted; the caller says what that means.
 */
export async function awaitRollbackInfo(
    codeDeploy: CodeDeployClient,
    failed: DeploymentInfo,
    options: { clock: Pick<Clock, "sleep">; pollMs: number; signal?: AbortSignal; onWait?: () => void },
): Promise<DeploymentInfo["rollbackInfo"]> {
    let deployment = failed;
    if (deployment.rollbackInfo?.rollbackDeploymentId || !deployment.autoRollbackConfiguration?.enabled) return deployment.rollbackInfo;
    options.onWait?.();
    for (let i = 0; i < ROLLBACK_INFO_POLLS && !deployment.rollbackInfo?.rollbackDeploymentId && !options.signal?.aborted; i++) {
        await options.clock.sleep(options.pollMs, options.signal);
        deployment = (await describeDeployment(codeDeploy, failed.deploymentId!)) ?? deployment;
    }
    return deployment.rollbackInfo;
}

export function isDeploymentLimitExceeded(e: unknown): boolean {
    return e instanceof Error && e.name === "DeploymentLimitExceededException";
}

/** The active deployment's id from CodeDeploy's refusal ("...already has an active Deployment 'd-...'"). */
export function activeIdFromMessage(message: string): string | undefined {
    return /'(d-[A-Za-z0-9]+)'/.exec(message)?.[1];
}

/** `d-ABC (InProgress, in its termination wait, "Deploy api:1.4 ..."), created 2025-01-01 10:00 UTC` */
export function describeActive(deploymentId: string, info: DeploymentInfo | undefined): string {
    if (!info) return deploymentId;
    const facts = [info.status ?? "status unknown"];
    if (info.instanceTerminationWaitTimeStarted) facts.push("in its termination wait");
    if (info.description) facts.push(JSON.stringify(info.description));
    const created = info.createTime ? `, created ${info.createTime.toISOString().slice(0, 16).replace("T", " ")} UTC` : "";
    return `${deploymentId} (${facts.join(", ")})${created}`;
}

/**
 * The lines that explain a collision: which deployment holds the group, whether anything was
 * registered, and the commands for each way out (wait, end a wait, follow, stop).
 */
export function activeDeploymentMessage(opts: {
    region: string;
    group: DeploymentGroupRef;
    deploymentId: string;
    info?: DeploymentInfo;
    /** What this command had done when it stopped, e.g. "Nothing was registered or deployed." */
    done: string;
}): string {
    const { region, group, deploymentId, info } = opts;
    const lines = [
        `Deployment group ${group.applicationName}/${group.deploymentGroupName} already has an active deployment, ` +
            `${describeActive(deploymentId, info)}: CodeDeploy runs one deployment per group at a time. ${opts.done}`,
        `  follow it: ${consoleUrl(region, deploymentId)}`,
        "  to release once it has ended: run this command again, or add --wait-for-active to wait for it and then release",
    ];
    if (info?.status === DeploymentStatus.READY) {
        lines.push(`  it waits for a manual go to reroute traffic: ${continueCommand(region, deploymentId, "READY_WAIT")}`);
    }
    if (info?.instanceTerminationWaitTimeStarted) {
        lines.push(
            "  it has shifted production traffic and keeps the original tasks for a possible rollback; " +
                `to end that wait now (no rollback afterwards): ${continueCommand(region, deploymentId, "TERMINATION_WAIT")}`,
        );
    }
    lines.push(`  to stop it instead (CodeDeploy rolls it back): ${stopCommand(region, deploymentId)}`);
    return lines.join("\n");
}
