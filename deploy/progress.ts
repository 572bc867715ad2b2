/**
 * Pure text for following a CodeDeploy ECS deployment: the one-line state, the failure
 * details, and the commands an operator needs (console link, stop, continue).
 */
import type { DeploymentInfo, DeploymentOverview, ECSTarget, ECSTaskSet, LifecycleEvent } from "@aws-sdk/client-codedeploy";

/** What one poll saw. `target` is missing until CodeDeploy has created it (or if reading it failed). */
export interface DeploymentSnapshot {
    deployment: DeploymentInfo;
    target?: ECSTarget;
}

export const TERMINAL_STATUSES = ["Succeeded", "Failed", "Stopped"] as const;
export type TerminalStatus = (typeof TERMINAL_STATUSES)[number];

export function isTerminal(status: string | undefined): status is TerminalStatus {
    return (TERMINAL_STATUSES as readonly (string | undefined)[]).includes(status);
}

/** e.g. `InProgress | traffic blue 90% (2/2) -> green 10% (2/2) | step 6/8 AllowTraffic InProgress | targets InProgress 1` */
export function describeProgress(snapshot: DeploymentSnapshot): string {
    const parts = [snapshot.deployment.status ?? "Unknown"];
    const traffic = describeTaskSets(snapshot.target?.taskSetsInfo);
    if (traffic) parts.push(traffic);
    const step = describeCurrentStep(snapshot.target?.lifecycleEvents);
    if (step) parts.push(step);
    const overview = describeOverview(snapshot.deployment.deploymentOverview);
    if (overview) parts.push(overview);
    return parts.join(" | ");
}

/** Traffic weight and running/desired tasks per task set, blue (original) first. */
export function describeTaskSets(taskSets: ECSTaskSet[] | undefined): string | undefined {
    if (!taskSets || taskSets.length === 0) return undefined;
    const ordered = [...taskSets].sort((a, b) => labelRank(a) - labelRank(b));
    const described = ordered.map((set) => {
        const label = (set.taskSetLabel ?? set.identifer ?? "task set").toLowerCase();
        const weight = set.trafficWeight !== undefined ? `${formatWeight(set.trafficWeight)}%` : "?%";
        return `${label} ${weight} (${set.runningCount ?? 0}/${set.desiredCount ?? 0})`;
    });
    return `traffic ${described.join(" -> ")}`;
}

/** The lifecycle event under way (or the last one that moved), with its position among all events. */
export function describeCurrentStep(events: LifecycleEvent[] | undefined): string | undefined {
    if (!events || events.length === 0) return undefined;
    let index = events.findIndex((e) => e.status === "InProgress" || e.status === "Failed");
    if (index < 0) {
        const moved = events.map((e) => e.status !== "Pending" && e.status !== undefined);
        index = moved.lastIndexOf(true);
    }
    if (index < 0) return `step 0/${events.length}`;
    const event = events[index];
    return `step ${index + 1}/${events.length} ${event.lifecycleEventName ?? "?"} ${event.status ?? "Unknown"}`;
}

export function describeOverview(overview: DeploymentOverview | undefined): string | undefined {
    if (!overview) return undefined;
    const keys = ["Pending", "InProgress", "Ready", "Succeeded", "Failed", "Skipped"] as const;
    const counts = keys.filter((key) => (overview[key] ?? 0) > 0).map((key) => `${key} ${overview[key]}`);
    return counts.length > 0 ? `targets ${counts.join(", ")}` : undefined;
}

/** Lines explaining why a deployment failed: its error and the failed lifecycle events' diagnostics. */
export function describeFailure(snapshot: DeploymentSnapshot): string[] {
    const lines: string[] = [];
    const error = snapshot.deployment.errorInformation;
    if (error && (error.code || error.message)) {
        lines.push(`  error: ${[error.code, error.message].filter(Boolean).join(": ")}`);
    }
    for (const event of snapshot.target?.lifecycleEvents ?? []) {
        if (event.status !== "Failed") continue;
        const diagnostics = event.diagnostics;
        const detail = [diagnostics?.errorCode, diagnostics?.message].filter(Boolean).join(": ");
        lines.push(`  lifecycle event ${event.lifecycleEventName ?? "?"} failed${detail ? `: ${detail}` : ""}`);
        if (diagnostics?.logTail) {
            lines.push(...diagnostics.logTail.trimEnd().split("\n").map((line) => `    | ${line}`));
        }
    }
    for (const message of snapshot.deployment.deploymentStatusMessages ?? []) {
        lines.push(`  status: ${message}`);
    }
    return lines;
}

export function consoleUrl(region: string, deploymentId: string): string {
    // China regions live in their own partition, with their own console domain.
    const domain = region.startsWith("cn-") ? "console.amazonaws.cn" : "console.aws.amazon.com";
    return `https://${region}.${domain}/codesuite/codedeploy/deployments/${deploymentId}?region=${region}`;
}

export function stopCommand(region: string, deploymentId: string): string {
    return `aws deploy stop-deployment --deployment-id ${deploymentId} --auto-rollback-enabled --region ${region}`;
}

export function waitCommand(region: string, deploymentId: string): string {
    return `aws deploy wait deployment-successful --deployment-id ${deploymentId} --region ${region}`;
}

export function continueCommand(region: string, deploymentId: string, waitType: "READY_WAIT" | "TERMINATION_WAIT"): string {
    return `aws deploy continue-deployment --deployment-id ${deploymentId} --deployment-wait-type ${waitType} --region ${region}`;
}

function labelRank(set: ECSTaskSet): number {
    return set.taskSetLabel === "Blue" ? 0 : set.taskSetLabel === "Green" ? 1 : 2;
}

function formatWeight(weight: number): string {
    return Number.isInteger(weight) ? String(weight) : weight.toFixed(1);
}
