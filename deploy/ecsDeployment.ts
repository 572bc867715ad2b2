/**
 * Follows the newest deployment of an ECS-controller service (rolling or native blue/green) to
 * its end and says how it ended: completed on the revision the stack declares, rolled back (by
 * the circuit breaker or a deployment alarm), failed, replaced by another deployment, or still
 * running when the timeout came.
 *
 * Why: ECS ends a failed deployment by rolling it back, after which the service is stable again,
 * on the old revision. `pulumi up` (and every tool that only waits for stability) then reports
 * success (aws-actions/amazon-ecs-deploy-task-definition#191, #494;
 * hashicorp/terraform-provider-aws#19519). The signals that tell the two apart:
 *   - the service deployment (ECS's ListServiceDeployments / DescribeServiceDeployments API):
 *     status ROLLBACK_* with `deploymentCircuitBreaker.status` or `alarms.status` TRIGGERED
 *     (and `alarms.triggeredAlarmNames`) saying what fired: the precise signal, available for
 *     deployments created since October 2024 and to a role allowed to read it;
 *   - DescribeServices' `deployments[]`: a deployment whose `rolloutState` is FAILED (its
 *     `rolloutStateReason` says why), a PRIMARY deployment that runs another revision than the
 *     stack declares, or the deployment being followed gone from the list.
 * Both are read on every poll; the first is used when it can be read.
 *
 * Like deploy/follow.ts it never changes anything: on timeout or Ctrl-C it stops *watching*.
 * Used by `npm run verify`; written to be reused by anything else that watches an ECS rollout.
 */
import {
    DescribeServiceDeploymentsCommand,
    DescribeServicesCommand,
    ECSClient,
    ListServiceDeploymentsCommand,
    type Deployment,
    type Service,
    type ServiceDeployment,
    type ServiceEvent,
} from "@aws-sdk/client-ecs";
import { runPollHook, type Clock, type Reporter } from "./console";
import { DeployError, errorText } from "./errors";
import type { TimeoutDecision } from "./timeout";

// ---------------------------------------------------------------------------------------------
// Timeout

/**
 * Minutes for one batch of replacement tasks once ECS has started it: Fargate placement, image
 * pull and container start (1-3 min for a typical image), the ALB's healthy threshold × interval
 * (3 × 15 s with this stack's defaults, 5 × 30 s = 2.5 min with AWS's), and the old tasks'
 * deregistration delay (30 s here, 300 s AWS's default) before the deployment counts as done.
 * The ALB's health-check settings are not in the stack outputs nor in DescribeServices, so this
 * is a fixed allowance that covers AWS's defaults with room to spare.
 */
export const TASK_START_AND_HEALTH_MINUTES = 10;

/**
 * With deployment alarms on, a rolling deployment stays IN_PROGRESS for a bake time after the new
 * tasks are up, which ECS computes from the alarms' configuration and does not expose. This
 * stack's alarms evaluate at most a handful of 1-minute periods (components/alarmWindows.ts);
 * 10 minutes covers them.
 */
export const ALARM_BAKE_MINUTES = 10;

export interface EcsTimingSettings {
    healthCheckGracePeriodSeconds?: number;
    desiredCount?: number;
    deploymentConfiguration?: Service["deploymentConfiguration"];
}

/**
 * How many batches a rolling deployment replaces the tasks in. ECS may run maximumPercent of the
 * desired count and must keep minimumHealthyPercent healthy, so each batch replaces at most
 * (maximum − minimum)% of the tasks: 100/200 (this stack, and ECS's defaults) is one batch, 50/100
 * or 100/150 two. Never more batches than tasks; with no headroom ECS replaces one task at a time.
 */
export function rollingBatches(desiredCount: number | undefined, minimumHealthyPercent = 100, maximumPercent = 200): number {
    const tasks = Math.max(1, desiredCount ?? 1);
    const headroom = maximumPercent - minimumHealthyPercent;
    if (headroom <= 0) return tasks;
    return Math.min(tasks, Math.ceil(100 / headroom));
}

/**
 * How long a deployment of this service may take before the watch gives up, from what
 * DescribeServices says about the service:
 *
 *   rolling:    batches × (⌈grace period⌉ + TASK_START_AND_HEALTH_MINUTES) + ALARM_BAKE_MINUTES (when deployment alarms are on)
 *   blue/green: ⌈grace period⌉ + TASK_START_AND_HEALTH_MINUTES + bakeTimeInMinutes
 *   canary:     … + canaryBakeTimeInMinutes + bakeTimeInMinutes
 *   linear:     … + ⌈100 / stepPercent⌉ × stepBakeTimeInMinutes + bakeTimeInMinutes
 *
 * The grace period counts because ECS ignores failing health checks that long, so a task is not
 * judged (nor replaced) before it ends. With this stack's defaults (grace 60 s, 100/200, alarms)
 * a rolling service gets 1 × (1 + 10) + 10 = 21 min and a blue/green one with a 10-minute bake
 * 1 + 10 + 10 = 21 min. `explicit` (--timeout-minutes) wins, with a warning when it is shorter.
 */
export function ecsDeploymentTimeout(settings: EcsTimingSettings, explicit?: number): TimeoutDecision {
    const config = settings.deploymentConfiguration ?? {};
    const graceMinutes = Math.ceil(Math.max(0, settings.healthCheckGracePeriodSeconds ?? 0) / 60);
    const terms: string[] = [];
    let expected: number;
    const strategy = config.strategy ?? "ROLLING";
    if (strategy === "ROLLING") {
        const batches = rollingBatches(settings.desiredCount, config.minimumHealthyPercent, config.maximumPercent);
        expected = batches * (graceMinutes + TASK_START_AND_HEALTH_MINUTES);
        const perBatch = `${graceMinutes} min health-check grace period + ${TASK_START_AND_HEALTH_MINUTES} min for task start and health checks`;
        terms.push(batches === 1 ? perBatch : `${batches} batches × (${perBatch})`);
        if (config.alarms?.enable) {
            expected += ALARM_BAKE_MINUTES;
            terms.push(`${ALARM_BAKE_MINUTES} min deployment-alarm bake time`);
        }
    } else {
        expected = graceMinutes + TASK_START_AND_HEALTH_MINUTES;
        terms.push(`${graceMinutes} min health-check grace period + ${TASK_START_AND_HEALTH_MINUTES} min for task start and health checks`);
        if (strategy === "CANARY" && config.canaryConfiguration?.canaryBakeTimeInMinutes) {
            expected += config.canaryConfiguration.canaryBakeTimeInMinutes;
            terms.push(`${config.canaryConfiguration.canaryBakeTimeInMinutes} min canary bake time`);
        }
        const linear = config.linearConfiguration;
        if (strategy === "LINEAR" && linear?.stepBakeTimeInMinutes && linear.stepPercent) {
            const steps = Math.ceil(100 / linear.stepPercent);
            expected += steps * linear.stepBakeTimeInMinutes;
            terms.push(`${steps} steps × ${linear.stepBakeTimeInMinutes} min step bake time`);
        }
        const bake = Number(config.bakeTimeInMinutes ?? 0);
        expected += bake;
        terms.push(`${bake} min bake time`);
    }
    const breakdown = terms.join(" + ");
    if (explicit !== undefined) {
        const decision: TimeoutDecision = { minutes: explicit, expectedMinutes: expected, explanation: `Timeout: ${explicit} min (--timeout-minutes).` };
        if (explicit < expected) {
            decision.warning =
                `Warning: --timeout-minutes ${explicit} is less than the ${expected} min this deployment can take (${breakdown}): ` +
                "the command may stop watching before the deployment ends (the deployment itself goes on).";
        }
        return decision;
    }
    return { minutes: expected, expectedMinutes: expected, explanation: `Timeout: ${expected} min = ${breakdown} (--timeout-minutes overrides).` };
}

// ---------------------------------------------------------------------------------------------
// Pure reading of one poll

/** What one poll saw. `serviceDeployment` is missing when the API cannot be read (old deployment, no permission). */
export interface EcsSnapshot {
    service: Service;
    serviceDeployment?: ServiceDeployment;
}

/** `arn:aws:ecs:…:task-definition/web:7` → `web:7` (anything else unchanged). */
export function shortTaskDefinition(arn: string | undefined): string {
    if (!arn) return "(no task definition)";
    const slash = arn.lastIndexOf("/");
    return slash >= 0 && arn.includes(":task-definition/") ? arn.slice(slash + 1) : arn;
}

/** The deployment ECS works towards: status PRIMARY, else the newest by createdAt. */
export function primaryDeployment(service: Service): Deployment | undefined {
    const deployments = service.deployments ?? [];
    const primary = deployments.find((d) => d.status === "PRIMARY");
    if (primary) return primary;
    return [...deployments].sort((a, b) => (b.createdAt?.getTime() ?? 0) - (a.createdAt?.getTime() ?? 0))[0];
}

/** e.g. `web:8 IN_PROGRESS | running 1/2, pending 1 | failed tasks 0 | 2 deployments | service deployment IN_PROGRESS BAKE_TIME` */
export function describeEcsProgress(snapshot: EcsSnapshot): string {
    const primary = primaryDeployment(snapshot.service);
    if (!primary) return "no deployment";
    const count = snapshot.service.deployments?.length ?? 0;
    const parts = [
        `${shortTaskDefinition(primary.taskDefinition)} ${primary.rolloutState ?? primary.status ?? "UNKNOWN"}`,
        `running ${primary.runningCount ?? 0}/${primary.desiredCount ?? 0}, pending ${primary.pendingCount ?? 0}`,
        `failed tasks ${primary.failedTasks ?? 0}`,
        `${count} deployment${count === 1 ? "" : "s"}`,
    ];
    const sd = snapshot.serviceDeployment;
    if (sd?.status) parts.push(`service deployment ${sd.status}${sd.lifecycleStage ? ` ${sd.lifecycleStage}` : ""}`);
    return parts.join(" | ");
}

/** `10:00:03Z (service prod-web) has started 2 tasks: …` */
export function formatServiceEvent(event: ServiceEvent): string {
    const time = event.createdAt ? `${event.createdAt.toISOString().slice(11, 19)}Z ` : "";
    return `${time}${event.message ?? ""}`;
}

/**
 * Events not printed yet, oldest first, at most `limit` (the newest of them). DescribeServices
 * returns the newest events first; `printed` remembers what was shown and is updated.
 */
export function unseenEvents(events: ServiceEvent[] | undefined, printed: Set<string>, limit: number): { shown: ServiceEvent[]; omitted: number } {
    const fresh = (events ?? []).filter((e) => !printed.has(eventKey(e)));
    for (const event of fresh) printed.add(eventKey(event));
    const chronological = fresh.sort((a, b) => (a.createdAt?.getTime() ?? 0) - (b.createdAt?.getTime() ?? 0));
    const shown = chronological.slice(-limit);
    return { shown, omitted: chronological.length - shown.length };
}

/** The newest `limit` events, oldest first. */
export function lastEvents(events: ServiceEvent[] | undefined, limit: number): ServiceEvent[] {
    return [...(events ?? [])].sort((a, b) => (a.createdAt?.getTime() ?? 0) - (b.createdAt?.getTime() ?? 0)).slice(-limit);
}

function eventKey(event: ServiceEvent): string {
    return event.id ?? `${event.createdAt?.toISOString()} ${event.message}`;
}

export type EcsVerdict =
    | { state: "inProgress" }
    | { state: "completed"; summary: string; notes: string[] }
    | {
          state: "rolledBack" | "failed" | "vanished";
          /** One line: what happened and what the service runs now. */
          summary: string;
          /** Why: reasons and triggers, one per line. */
          details: string[];
          /** Deployment alarms that fired, when known. */
          triggeredAlarms: string[];
      };

export interface AssessInput {
    snapshot: EcsSnapshot;
    /** Id of the deployment being followed (the PRIMARY one at the first poll). */
    followedId: string;
    /** The followed deployment as last seen: its reason is still known once it is gone. */
    followedLastSeen?: Deployment;
    /** The revision the stack declares (output taskDefinitionArn); undefined on older stacks. */
    declaredTaskDefinitionArn?: string;
}

const ROLLBACK_STATUSES = ["ROLLBACK_REQUESTED", "ROLLBACK_IN_PROGRESS", "ROLLBACK_SUCCESSFUL", "ROLLBACK_FAILED"];

/**
 * The verdict on one poll, first match wins:
 *   1. the service deployment is rolling back or rolled back (what triggered it is named), or stopped;
 *   2. a deployment's rolloutState is FAILED (rolled back when ECS started a rollback deployment
 *      or the service rolls back on failure; failed when nothing will undo it);
 *   3. the PRIMARY deployment runs another revision than the stack declares (a rollback, or a
 *      deployment made outside Pulumi);
 *   4. the followed deployment is gone from the list (replaced);
 *   5. completed: PRIMARY COMPLETED, the only deployment left, and the service deployment (if known) SUCCESSFUL;
 *   otherwise still in progress.
 */
export function assessEcsDeployment(input: AssessInput): EcsVerdict {
    const { service, serviceDeployment: sd } = input.snapshot;
    const deployments = service.deployments ?? [];
    const primary = primaryDeployment(service);
    const declared = input.declaredTaskDefinitionArn;
    const runs = primary ? `ECS runs ${shortTaskDefinition(primary.taskDefinition)} (${primary.rolloutState ?? primary.status ?? "?"})` : "ECS runs no deployment";
    const declares = declared ? `; the stack declares ${shortTaskDefinition(declared)}` : "";
    const failedDeployment =
        deployments.find((d) => d.id === input.followedId && d.rolloutState === "FAILED") ?? deployments.find((d) => d.rolloutState === "FAILED");
    // The failed rollout's own words: still in the list, or as last seen before it drained away.
    const failureReason =
        failedDeployment?.rolloutStateReason ??
        (input.followedLastSeen?.rolloutState === "FAILED" ? input.followedLastSeen.rolloutStateReason : undefined);
    const configuredAlarms = service.deploymentConfiguration?.alarms?.alarmNames ?? [];

    if (sd?.status && ROLLBACK_STATUSES.includes(sd.status)) {
        const trigger = serviceDeploymentTrigger(sd);
        const alarms = sd.alarms?.triggeredAlarmNames?.length ? sd.alarms.triggeredAlarmNames : alarmsNamedIn(failureReason, configuredAlarms);
        const details = [
            `  triggered by: ${trigger ?? "not reported"}`,
            ...reasonLines(sd.statusReason, sd.rollback?.reason, failureReason),
        ];
        if (sd.status === "ROLLBACK_FAILED") {
            return { state: "failed", summary: `deployment failed and its rollback FAILED too: the service may run neither revision; ${runs}${declares}`, details, triggeredAlarms: alarms };
        }
        const phase = sd.status === "ROLLBACK_SUCCESSFUL" ? "rolled back" : "rolling back";
        return { state: "rolledBack", summary: `${phase}${trigger ? ` by the ${trigger}` : ""}; ${runs}${declares}`, details, triggeredAlarms: alarms };
    }
    if (sd?.status === "STOPPED" || sd?.status === "STOP_REQUESTED") {
        return { state: "failed", summary: `the service deployment was ${sd.status === "STOPPED" ? "stopped" : "asked to stop"}; ${runs}${declares}`, details: reasonLines(sd.statusReason, failureReason), triggeredAlarms: [] };
    }
    if (failedDeployment && primary) {
        const alarms = alarmsNamedIn(failureReason, configuredAlarms);
        const trigger = alarms.length > 0 ? `deployment alarm ${alarms.join(", ")}` : /circuit breaker/i.test(failureReason ?? "") ? "circuit breaker" : undefined;
        const failed = `deployment ${failedDeployment.id} (${shortTaskDefinition(failedDeployment.taskDefinition)}) FAILED${trigger ? ` (${trigger})` : ""}`;
        const details = reasonLines(failureReason);
        if (primary.id !== failedDeployment.id) {
            return { state: "rolledBack", summary: `${failed}; rolling back: ${runs}${declares}`, details, triggeredAlarms: alarms };
        }
        const config = service.deploymentConfiguration;
        if (config?.deploymentCircuitBreaker?.rollback || config?.alarms?.rollback) {
            return { state: "rolledBack", summary: `${failed}; ECS rolls back to the last completed deployment${declares}`, details, triggeredAlarms: alarms };
        }
        return { state: "failed", summary: `${failed} and the service has no rollback configured: it stays on the failed deployment${declares}`, details, triggeredAlarms: alarms };
    }
    if (!primary) {
        return { state: "failed", summary: "the service has no deployment", details: [], triggeredAlarms: [] };
    }
    if (declared && primary.taskDefinition !== declared) {
        const alarms = alarmsNamedIn(failureReason, configuredAlarms);
        return {
            state: "rolledBack",
            summary: `${runs}, not the stack's ${shortTaskDefinition(declared)}: a rollback (circuit breaker or deployment alarm) or a deployment outside Pulumi replaced it`,
            details: reasonLines(failureReason),
            triggeredAlarms: alarms,
        };
    }
    if (!deployments.some((d) => d.id === input.followedId)) {
        return {
            state: "vanished",
            summary: `deployment ${input.followedId} is gone: replaced by ${primary.id} (${shortTaskDefinition(primary.taskDefinition)}, ${primary.rolloutState ?? primary.status ?? "?"})`,
            details: reasonLines(input.followedLastSeen?.rolloutStateReason),
            triggeredAlarms: alarmsNamedIn(failureReason, configuredAlarms),
        };
    }
    const settled =
        primary.rolloutState === "COMPLETED" ||
        (primary.rolloutState === undefined && primary.runningCount === primary.desiredCount && (primary.pendingCount ?? 0) === 0);
    if (settled && deployments.length === 1 && (sd?.status === undefined || sd.status === "SUCCESSFUL")) {
        const notes: string[] = [];
        if (!declared && !sd) {
            notes.push(
                "Note: the stack outputs lack taskDefinitionArn and the service deployment could not be read, so a completed " +
                    "rollback cannot be told apart from a completed release: check that the revision above is the one you released.",
            );
        }
        const revision = declared ? `${shortTaskDefinition(primary.taskDefinition)} (the stack's revision)` : shortTaskDefinition(primary.taskDefinition);
        return { state: "completed", summary: `runs ${revision}, ${primary.runningCount ?? 0}/${primary.desiredCount ?? 0} tasks`, notes };
    }
    return { state: "inProgress" };
}

/** What fired, from the service deployment: `circuit breaker (3 failed tasks, threshold 3)`, `deployment alarm web-5xx`. */
export function serviceDeploymentTrigger(sd: ServiceDeployment): string | undefined {
    const triggers: string[] = [];
    if (sd.deploymentCircuitBreaker?.status === "TRIGGERED") {
        const { failureCount, threshold } = sd.deploymentCircuitBreaker;
        const counts = [failureCount !== undefined ? `${failureCount} failed tasks` : "", threshold !== undefined ? `threshold ${threshold}` : ""].filter(Boolean);
        triggers.push(`circuit breaker${counts.length ? ` (${counts.join(", ")})` : ""}`);
    }
    if (sd.alarms?.status === "TRIGGERED") {
        const names = sd.alarms.triggeredAlarmNames ?? [];
        triggers.push(names.length ? `deployment alarm ${names.join(", ")}` : "deployment alarms");
    }
    return triggers.length ? triggers.join(" and ") : undefined;
}

/** The configured deployment alarms a rolloutStateReason names (the legacy API's only hint of which one fired). */
export function alarmsNamedIn(reason: string | undefined, alarmNames: string[]): string[] {
    if (!reason) return [];
    return alarmNames.filter((name) => reason.includes(name));
}

function reasonLines(...reasons: (string | undefined)[]): string[] {
    const unique = [...new Set(reasons.filter((r): r is string => !!r && r.trim() !== ""))];
    return unique.map((r) => `  reason: ${r}`);
}

// ---------------------------------------------------------------------------------------------
// Following

export interface EcsServiceRef {
    clusterName: string;
    serviceName: string;
    /** The revision the stack declares; undefined for stacks whose outputs predate it. */
    declaredTaskDefinitionArn?: string;
}

export interface EcsFollowOptions {
    pollMs: number;
    /** --timeout-minutes; undefined: derived from the service's settings (ecsDeploymentTimeout). */
    timeoutMinutes?: number;
    signal?: AbortSignal;
    /** Service events printed per poll (the newest of those not printed yet); default 5. */
    eventLines?: number;
    /**
     * Called after each poll, before the verdict; the follow waits for it. Used by the rollback
     * drill (deploy/drill) to force an alarm once the new revision runs. An error it throws ends
     * the follow with that error.
     */
    onPoll?: (snapshot: EcsSnapshot) => Promise<void> | void;
    /**
     * The caller chose timeoutMinutes itself and has said why (the drill's watch): the follow
     * prints no line of its own, which would credit --timeout-minutes.
     */
    timeoutAnnounced?: boolean;
}

export interface EcsFollowDeps {
    ecs: ECSClient;
    reporter: Reporter;
    clock: Clock;
}

export type EcsFollowOutcome = "completed" | "rolledBack" | "failed" | "vanished" | "timedOut" | "interrupted";

export interface EcsFollowResult {
    outcome: EcsFollowOutcome;
    /** One line for a summary. */
    summary: string;
    /** Why it did not complete (reasons, triggers), one per line; notes for a completed one. */
    details: string[];
    triggeredAlarms: string[];
    /** The deployment followed (PRIMARY at the first poll). */
    deploymentId?: string;
    /** The service deployment read alongside, when it could be. */
    serviceDeploymentArn?: string;
    /** The timeout used, in minutes (known after the first poll). */
    timeoutMinutes?: number;
    /** The newest service events, oldest first. */
    lastEvents: ServiceEvent[];
    /** The last poll; undefined only when interrupted before the first one. */
    snapshot?: EcsSnapshot;
}

const DEFAULT_EVENT_LINES = 5;

export async function followEcsDeployment(target: EcsServiceRef, options: EcsFollowOptions, deps: EcsFollowDeps): Promise<EcsFollowResult> {
    const { clock, reporter } = deps;
    const eventLines = options.eventLines ?? DEFAULT_EVENT_LINES;
    const started = clock.now();
    const poller = new EcsPoller(deps.ecs, target, reporter, options.signal);
    const printed = new Set<string>();
    let deadline = Number.POSITIVE_INFINITY;
    let followed: Deployment | undefined;
    let snapshot: EcsSnapshot | undefined;
    const result = (outcome: EcsFollowOutcome, summary: string, details: string[] = [], triggeredAlarms: string[] = []): EcsFollowResult => {
        reporter.progressDone();
        return {
            outcome,
            summary,
            details,
            triggeredAlarms,
            deploymentId: followed?.id,
            serviceDeploymentArn: snapshot?.serviceDeployment?.serviceDeploymentArn,
            timeoutMinutes: Number.isFinite(deadline) ? (deadline - started) / 60_000 : undefined,
            lastEvents: lastEvents(snapshot?.service.events, eventLines),
            snapshot,
        };
    };
    const interrupted = (): EcsFollowResult =>
        result("interrupted", snapshot ? `stopped watching while ${describeEcsProgress(snapshot)}` : "stopped watching before the first status check");

    for (;;) {
        if (options.signal?.aborted) return interrupted();
        try {
            snapshot = await poller.poll();
        } catch (e) {
            if (options.signal?.aborted) return interrupted();
            reporter.progressDone();
            throw e;
        }
        if (!followed) {
            followed = primaryDeployment(snapshot.service);
            if (!followed?.id) throw new DeployError(`ECS service ${target.serviceName} in cluster ${target.clusterName} has no deployment.`);
            const decision = ecsDeploymentTimeout(snapshot.service, options.timeoutMinutes);
            deadline = started + decision.minutes * 60_000;
            reporter.info(describeFollowed(followed, target.declaredTaskDefinitionArn));
            if (!options.timeoutAnnounced) reporter.info(decision.explanation);
            if (decision.warning) reporter.error(decision.warning);
        }
        printEvents(reporter, snapshot.service.events, printed, eventLines);
        reporter.progress(describeEcsProgress(snapshot), clock.now() - started);
        await runPollHook(reporter, options.onPoll, snapshot);
        // Kept as last seen: once ECS drops a failed deployment from the list, its reason is only here.
        followed = snapshot.service.deployments?.find((d) => d.id === followed!.id) ?? followed;
        const verdict = assessEcsDeployment({
            snapshot,
            followedId: followed.id!,
            followedLastSeen: followed,
            declaredTaskDefinitionArn: target.declaredTaskDefinitionArn,
        });
        if (verdict.state === "completed") return result("completed", verdict.summary, verdict.notes);
        if (verdict.state !== "inProgress") return result(verdict.state, verdict.summary, verdict.details, verdict.triggeredAlarms);
        const remaining = deadline - clock.now();
        if (remaining <= 0) {
            const minutes = (deadline - started) / 60_000;
            return result("timedOut", `still in progress after ${minutes} min: ${describeEcsProgress(snapshot)}`, reasonLines(followed.rolloutStateReason));
        }
        await clock.sleep(Math.min(options.pollMs, remaining), options.signal);
    }
}

function describeFollowed(deployment: Deployment, declared: string | undefined): string {
    const created = deployment.createdAt ? `, created ${deployment.createdAt.toISOString().slice(0, 16).replace("T", " ")} UTC` : "";
    const what = `Following deployment ${deployment.id} (${shortTaskDefinition(deployment.taskDefinition)}, ${deployment.rolloutState ?? deployment.status ?? "?"}${created})`;
    return declared
        ? `${what}; the stack declares ${shortTaskDefinition(declared)}.`
        : `${what}; the stack outputs do not say which revision the stack declares (no taskDefinitionArn: run \`pulumi up\` to export it).`;
}

function printEvents(reporter: Reporter, events: ServiceEvent[] | undefined, printed: Set<string>, limit: number): void {
    const first = printed.size === 0;
    const { shown, omitted } = unseenEvents(events, printed, limit);
    if (omitted > 0 && !first) reporter.info(`  (${omitted} earlier event${omitted === 1 ? "" : "s"} not shown)`);
    for (const event of shown) reporter.info(`  event ${formatServiceEvent(event)}`);
}

/** Reads the service and, best effort, its current service deployment. */
class EcsPoller {
    /** False once the service-deployments API failed (old deployment, no permission): DescribeServices alone then. */
    private serviceDeployments = true;
    private serviceDeploymentArn: string | undefined;
    private resolved = false;

    constructor(
        private readonly ecs: ECSClient,
        private readonly target: EcsServiceRef,
        private readonly reporter: Reporter,
        private readonly signal: AbortSignal | undefined,
    ) {}

    async poll(): Promise<EcsSnapshot> {
        const service = await this.describeService();
        return { service, serviceDeployment: await this.serviceDeployment(service) };
    }

    private describeService(): Promise<Service> {
        return describeEcsService(this.ecs, this.target.clusterName, this.target.serviceName, { signal: this.signal });
    }

    /**
     * The service deployment current at the first poll, described again on every poll (a rollback
     * stays in the same service deployment, with status ROLLBACK_*). Any failure turns it off.
     */
    private async serviceDeployment(service: Service): Promise<ServiceDeployment | undefined> {
        if (!this.serviceDeployments) return undefined;
        try {
            if (!this.resolved) {
                this.resolved = true;
                this.serviceDeploymentArn = service.currentServiceDeployment ?? (await this.newestServiceDeploymentArn());
            }
            if (!this.serviceDeploymentArn) return undefined;
            const response = await this.ecs.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [this.serviceDeploymentArn] }), {
                abortSignal: this.signal,
            });
            const found = response?.serviceDeployments?.[0];
            if (!found) this.disable(`DescribeServiceDeployments returned nothing for ${this.serviceDeploymentArn}${response?.failures?.[0]?.reason ? ` (${response.failures[0].reason})` : ""}`);
            return found;
        } catch (e) {
            if (this.signal?.aborted) throw e;
            this.disable(errorText(e));
            return undefined;
        }
    }

    private async newestServiceDeploymentArn(): Promise<string | undefined> {
        const { clusterName, serviceName } = this.target;
        const response = await this.ecs.send(new ListServiceDeploymentsCommand({ cluster: clusterName, service: serviceName }), { abortSignal: this.signal });
        const newest = [...(response?.serviceDeployments ?? [])].sort((a, b) => (b.createdAt?.getTime() ?? 0) - (a.createdAt?.getTime() ?? 0))[0];
        return newest?.serviceDeploymentArn;
    }

    private disable(why: string): void {
        this.serviceDeployments = false;
        this.reporter.info(
            `  (service deployments cannot be read: ${why}; judging from DescribeServices alone, which cannot name the alarm that fired ` +
                "nor see a rollback that has already completed on the same revision)",
        );
    }
}

/** The ECS console page of the service's deployments. */
export function ecsServiceConsoleUrl(region: string, clusterName: string, serviceName: string): string {
    const domain = region.startsWith("cn-") ? "console.amazonaws.cn" : "console.aws.amazon.com";
    return `https://${region}.${domain}/ecs/v2/clusters/${clusterName}/services/${serviceName}/deployments?region=${region}`;
}

/**
 * The ACTIVE service, or a DeployError. A service that is not there at all is `notFound`'s error:
 * the drill makes it a usage error (the outputs name another account or region), exit 2.
 */
export async function describeEcsService(
    ecs: ECSClient,
    clusterName: string,
    serviceName: string,
    options: { signal?: AbortSignal; notFound?: (message: string) => DeployError } = {},
): Promise<Service> {
    const response = await ecs.send(new DescribeServicesCommand({ cluster: clusterName, services: [serviceName] }), options.signal ? { abortSignal: options.signal } : undefined);
    const service = response?.services?.[0];
    if (!service) {
        const reason = response?.failures?.[0]?.reason;
        const message = `ECS service ${serviceName} not found in cluster ${clusterName}${reason ? ` (${reason})` : ""}: do the stack outputs belong to this account and region?`;
        throw (options.notFound ?? ((m) => new DeployError(m)))(message);
    }
    if (service.status && service.status !== "ACTIVE") {
        throw new DeployError(`ECS service ${serviceName} in cluster ${clusterName} is ${service.status}, not ACTIVE.`);
    }
    return service;
}
