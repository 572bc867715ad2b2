/**
 * How long a bad version lives: a pure model of the time from the start of a release until the
 * version is detected as bad, and from then until the old version serves all traffic again, per
 * deployment mode, from the settings that decide it. Used by the plan (per service, next to what
 * AWS's defaults would give) and by the `rollback-detection-budget` policy. All times in seconds.
 *
 * AWS's rules it follows:
 * - Circuit breaker (ECS developer guide, "deployment circuit breaker"): the deployment fails after
 *   `ceil(0.5 × desired count)` failed tasks, at least 3 and at most 200. With maximum 200 % ECS
 *   starts `desired` new tasks at once, so a failing version needs ceil(threshold / desired) waves.
 *   Stage 1 counts tasks that never reach RUNNING; stage 2 tasks that run but fail health checks.
 * - ALB health checks (ELB user guide): a new target is `initial` and healthy after one passing
 *   check; unhealthy after `unhealthyThreshold` consecutive failures, checks every `interval`, each
 *   answered within `timeout`. ECS ignores failing ELB checks for the grace period after a task
 *   starts, then replaces the task; it deregisters it first, which takes the deregistration delay.
 * - Container health checks (ECS task definition): failures in the start period do not count;
 *   `retries` consecutive failures make the container unhealthy.
 * - CloudWatch alarms: M of N periods must breach; a breach that starts mid-period shows in the
 *   next full period, and metrics arrive about a minute late.
 * - ECS native blue/green shifts production at once and keeps blue during the bake time: a
 *   rollback then is a traffic switch. CodeDeploy shifts linearly or by canary and keeps the
 *   original task set until the termination wait ends: a rollback is a reroute. CodeDeploy gives a
 *   replacement task set that never becomes healthy up to an hour before the deployment fails.
 *
 * What it assumes (ASSUMPTIONS, stated in the plan and README): how long a task takes to start,
 * how long a task with a bad image takes to fail, the alarm's metric delay, and how long a
 * traffic switch takes.
 */

export const ASSUMPTIONS = {
    /** From launch to RUNNING with a good image (pull, start). */
    taskStartSeconds: 60,
    /** From launch to STOPPED for a task that cannot start (image not found, exits at once). */
    failedStartSeconds: 60,
    /** CloudWatch metrics from the load balancer or SQS arrive about this late. */
    metricDelaySeconds: 60,
    /** A listener or rule re-pointed back to the old target group. */
    trafficSwitchSeconds: 10,
    /** CodeDeploy's limit for a replacement task set to become ready before the deployment fails. */
    codeDeployReadyLimitSeconds: 3600,
    /** The time ECS gives a container to stop after SIGTERM (stopTimeout default). */
    stopTimeoutSeconds: 30,
} as const;

/** AWS's defaults for the settings that decide detection, for the comparison in the plan. */
export const AWS_DEFAULTS = {
    healthCheck: { intervalSeconds: 30, timeoutSeconds: 5, healthyThreshold: 5, unhealthyThreshold: 2 },
    gracePeriodSeconds: 0,
    deregistrationDelaySeconds: 300,
    containerHealthCheck: { intervalSeconds: 30, timeoutSeconds: 5, retries: 3, startPeriodSeconds: 0 },
} as const;

/**
 * What @pulumi/aws (the Terraform provider under it) gives a target group whose `healthCheck` block
 * leaves a field out: interval 30 and BOTH thresholds 3 (the provider's schema defaults, sent to AWS),
 * not the API's 5 and 2 of {@link AWS_DEFAULTS}, which apply only when the whole block is left out.
 * The timeout is left to AWS: 5 s for the HTTP/HTTPS target groups of an ALB (NLB target groups get
 * 6-10 s). The deregistration delay defaults to 300 s either way. Used by the budget policy.
 */
export const PROVIDER_DEFAULTS = {
    healthCheck: { intervalSeconds: 30, timeoutSeconds: 5, healthyThreshold: 3, unhealthyThreshold: 3 },
    deregistrationDelaySeconds: 300,
} as const;

/**
 * Minutes from the first to the last traffic shift of a predefined CodeDeploy config for ECS
 * (`CodeDeployDefault.ECSLinear10PercentEvery1Minutes` → 9, `…ECSCanary10Percent5Minutes` → 5,
 * `…ECSAllAtOnce` → 0); undefined for any other name (a custom config: see
 * {@link trafficRoutingShiftMinutes}). The same arithmetic as the program's
 * components/codedeploy.ts, copied: the pack is self-contained.
 */
export function deploymentConfigShiftMinutes(name: string): number | undefined {
    const m = /^CodeDeployDefault\.ECS(.*)$/.exec(name.trim());
    if (!m) return undefined;
    const linear = /^Linear(\d+)PercentEvery(\d+)Minutes?$/.exec(m[1]);
    if (linear) return trafficRoutingShiftMinutes("TimeBasedLinear", Number(linear[1]), Number(linear[2]));
    const canary = /^Canary(\d+)Percent(\d+)Minutes?$/.exec(m[1]);
    if (canary) return trafficRoutingShiftMinutes("TimeBasedCanary", Number(canary[1]), Number(canary[2]));
    return m[1] === "AllAtOnce" ? 0 : undefined;
}

/** The same for a custom config's `trafficRoutingConfig` (type, percentage, interval in minutes). */
export function trafficRoutingShiftMinutes(type: string, percentage: number, intervalMinutes: number): number {
    const t = type.trim().toUpperCase();
    if (t === "TIMEBASEDCANARY") return intervalMinutes;
    if (t === "TIMEBASEDLINEAR" && percentage > 0) return (Math.ceil(100 / percentage) - 1) * intervalMinutes;
    return 0;
}

export type TimingMode = "rolling" | "bluegreen" | "codedeploy" | "worker";

export interface TimingInputs {
    mode: TimingMode;
    desiredCount: number;
    /** Whether the ECS circuit breaker (with rollback) is on (ECS controller). */
    circuitBreaker: boolean;
    /** The ALB target group's health check (web services). */
    healthCheck?: { intervalSeconds: number; timeoutSeconds: number; healthyThreshold: number; unhealthyThreshold: number };
    /** The container health check (workers, or any service that has one). */
    containerHealthCheck?: { intervalSeconds: number; timeoutSeconds: number; retries: number; startPeriodSeconds: number };
    gracePeriodSeconds: number;
    deregistrationDelaySeconds: number;
    /** The fastest rollback alarm (5xx, latency, or a worker's USE alarm): undefined without one. */
    alarm?: { periodSeconds: number; evaluationPeriods: number; datapointsToAlarm: number };
    bakeTimeMinutes?: number;
    codeDeploy?: { trafficShiftMinutes: number; terminationWaitMinutes: number };
}

export interface Timing {
    /** Circuit-breaker threshold at the desired count (ECS controller with the breaker on). */
    circuitBreakerThreshold?: number;
    /** From the release's start until a version whose tasks never start is detected. */
    neverStarts?: number;
    /** … whose tasks start but fail their health check. */
    failsHealthChecks?: number;
    /** … that passes health checks but trips a rollback alarm once it serves traffic. */
    tripsAlarm?: number;
    /** From detection until the old version serves all traffic again, per failure. */
    recovery: { neverStarts?: number; failsHealthChecks?: number; tripsAlarm?: number };
    /** A good release, start to finish (old tasks gone, or the rollback window closed). */
    goodRelease: number;
    /** The worst of the three detection times (what the budget policy compares). */
    worstDetection?: number;
    /** What the numbers mean for the way back, in words. */
    notes: string[];
}

/**
 * The deployment circuit breaker's failure threshold: half the desired count, rounded up,
 * clamped to 3..200 ("The deployment circuit breaker has a minimum threshold of 3 and a maximum
 * threshold of 200", ECS developer guide, deployment-circuit-breaker; the minimum was 10 until
 * January 2024). Desired 1 → 3, 25 → 13, 800 → 200. With auto scaling the desired count moves,
 * so the threshold does too.
 */
export function circuitBreakerThreshold(desiredCount: number): number {
    return Math.min(200, Math.max(3, Math.ceil(0.5 * desiredCount)));
}

/** When an alarm that starts breaching at t = 0 goes into ALARM, in the worst alignment. */
export function alarmDetection(alarm: NonNullable<TimingInputs["alarm"]>): number {
    return alarm.periodSeconds * (alarm.datapointsToAlarm + 1) + ASSUMPTIONS.metricDelaySeconds;
}

export function rolloutTiming(t: TimingInputs): Timing {
    const A = ASSUMPTIONS;
    const notes: string[] = [];
    const n = Math.max(1, t.desiredCount);
    const threshold = t.circuitBreaker ? circuitBreakerThreshold(n) : undefined;
    const waves = threshold ? Math.ceil(threshold / n) : undefined;

    // A good task serves traffic after one passing check (web) or once its container is healthy (worker).
    const hc = t.healthCheck;
    const chc = t.containerHealthCheck;
    const firstHealthy = hc
        ? A.taskStartSeconds + hc.intervalSeconds + hc.timeoutSeconds
        : chc
          ? A.taskStartSeconds + Math.min(chc.startPeriodSeconds, chc.intervalSeconds) + chc.timeoutSeconds
          : A.taskStartSeconds;
    // A task that runs but fails its checks is replaced (and counted) after:
    const failWave = hc
        ? Math.max(t.gracePeriodSeconds, A.taskStartSeconds + (hc.unhealthyThreshold - 1) * hc.intervalSeconds + hc.timeoutSeconds) + t.deregistrationDelaySeconds
        : chc
          ? Math.max(t.gracePeriodSeconds, A.taskStartSeconds + chc.startPeriodSeconds + chc.retries * chc.intervalSeconds + chc.timeoutSeconds) + A.stopTimeoutSeconds
          : undefined;
    const alarmAfterTraffic = t.alarm ? alarmDetection(t.alarm) : undefined;

    if (t.mode === "codedeploy") {
        const shift = (t.codeDeploy?.trafficShiftMinutes ?? 0) * 60;
        const wait = (t.codeDeploy?.terminationWaitMinutes ?? 0) * 60;
        const tripsAlarm = alarmAfterTraffic === undefined ? undefined : firstHealthy + alarmAfterTraffic;
        if (tripsAlarm !== undefined && tripsAlarm > firstHealthy + shift + wait)
            notes.push("the alarm can fire after the termination wait: a bad version found then is not rolled back");
        notes.push("tasks that never start or fail their checks: CodeDeploy waits up to an hour for the replacement task set; production stays on the original");
        const timing: Draft = {
            neverStarts: A.codeDeployReadyLimitSeconds,
            failsHealthChecks: A.codeDeployReadyLimitSeconds,
            tripsAlarm,
            recovery: { neverStarts: 0, failsHealthChecks: 0, tripsAlarm: tripsAlarm === undefined ? undefined : A.trafficSwitchSeconds },
            goodRelease: firstHealthy + shift + wait,
        };
        return withWorst(timing, notes);
    }

    const neverStarts = waves === undefined ? undefined : waves * A.failedStartSeconds;
    const failsHealthChecks = waves === undefined || failWave === undefined ? undefined : waves * failWave;
    if (!t.circuitBreaker) notes.push("no circuit breaker: tasks that never start or fail their checks are retried for hours, never rolled back");

    if (t.mode === "bluegreen") {
        const bake = (t.bakeTimeMinutes ?? 0) * 60;
        const switchAt = firstHealthy + A.trafficSwitchSeconds;
        const tripsAlarm = alarmAfterTraffic === undefined ? undefined : switchAt + alarmAfterTraffic;
        if (alarmAfterTraffic !== undefined && alarmAfterTraffic > bake)
            notes.push(`the alarm needs ${alarmAfterTraffic}s of production traffic, the bake time is ${bake}s: a bad version can outlive it and stay`);
        const timing: Draft = {
            circuitBreakerThreshold: threshold,
            neverStarts,
            failsHealthChecks,
            tripsAlarm,
            // Blue keeps serving until the switch, and during the bake time a rollback is a switch back.
            recovery: { neverStarts: 0, failsHealthChecks: 0, tripsAlarm: tripsAlarm === undefined ? undefined : A.trafficSwitchSeconds },
            goodRelease: switchAt + bake + t.deregistrationDelaySeconds,
        };
        return withWorst(timing, notes);
    }

    // rolling (and workers, which roll): old tasks stay until new ones are healthy (minimum 100 %).
    const tripsAlarm = alarmAfterTraffic === undefined ? undefined : firstHealthy + alarmAfterTraffic;
    const drain = t.mode === "worker" ? A.stopTimeoutSeconds : t.deregistrationDelaySeconds;
    const timing: Draft = {
        circuitBreakerThreshold: threshold,
        neverStarts,
        failsHealthChecks,
        tripsAlarm,
        // By the time an alarm fires, old tasks may be gone: the rollback starts them again.
        recovery: { neverStarts: 0, failsHealthChecks: 0, tripsAlarm: tripsAlarm === undefined ? undefined : firstHealthy },
        goodRelease: firstHealthy + drain,
    };
    if (failsHealthChecks === undefined && t.circuitBreaker) notes.push("no health check at all: a version that runs but misbehaves is only caught by an alarm");
    return withWorst(timing, notes);
}

type Draft = Omit<Timing, "notes" | "worstDetection">;

function withWorst(t: Draft, notes: string[]): Timing {
    const known = [t.neverStarts, t.failsHealthChecks, t.tripsAlarm].filter((x): x is number => x !== undefined);
    return { ...t, worstDetection: known.length ? Math.max(...known) : undefined, notes };
}

/** The same service with AWS's defaults for health checks, grace period and deregistration delay. */
export function withAwsDefaults(t: TimingInputs): TimingInputs {
    return {
        ...t,
        healthCheck: t.healthCheck ? { ...AWS_DEFAULTS.healthCheck } : undefined,
        containerHealthCheck: t.containerHealthCheck ? { ...AWS_DEFAULTS.containerHealthCheck } : undefined,
        gracePeriodSeconds: AWS_DEFAULTS.gracePeriodSeconds,
        deregistrationDelaySeconds: AWS_DEFAULTS.deregistrationDelaySeconds,
    };
}

/** `1m35s`, `12m`, `45s`. */
export function formatSeconds(s: number | undefined): string {
    if (s === undefined) return "never";
    // Rounded before splitting: the drill passes measured, fractional seconds (119.7 is 2m, not 1m60s).
    const whole = Math.round(s);
    const m = Math.floor(whole / 60);
    const r = whole % 60;
    return m === 0 ? `${r}s` : r === 0 ? `${m}m` : `${m}m${String(r).padStart(2, "0")}s`;
}
