/**
 * The evaluation window of the unhealthy-hosts alarm, as a pure function of the health-check
 * and alarm settings, so that a release whose tasks start within their grace period cannot
 * trip a rollback alarm, while a release whose tasks never become healthy still does.
 *
 * What AWS documents (Elastic Load Balancing user guide, "Health checks for Application Load
 * Balancer target groups", and the API reference of TargetHealth):
 * - A newly registered target is `initial` (reason `Elb.RegistrationInProgress`, then
 *   `Elb.InitialHealthChecking`: "still sending the target the minimum number of health checks
 *   required to determine its health status"). One passing check makes it `healthy`.
 * - After `UnhealthyThresholdCount` consecutive failed checks the target is `unhealthy`; once
 *   unhealthy it needs `HealthyThresholdCount` consecutive passing checks to be healthy again.
 *   Checks run every `HealthCheckIntervalSeconds`, each lasting up to `HealthCheckTimeoutSeconds`.
 * - `UnHealthyHostCount` is "the number of targets that are considered unhealthy"; the docs do
 *   not say whether `initial` targets count. We assume they do not (they are not yet judged)
 *   and, on the safe side for a false rollback, that the first check may run at registration.
 * - The ECS health-check grace period only makes ECS ignore ELB health for that long after the
 *   task starts; the load balancer itself knows nothing of it.
 * - CloudWatch refuses alarms whose evaluation spans more than one day when the period is
 *   under an hour (PutMetricAlarm: Period × EvaluationPeriods ≤ 86,400 s).
 *
 * The timeline of one task that is ready (answers its health check) within its grace period G,
 * in seconds after registration (registration follows the task's start, so this is the latest):
 * - the U-th consecutive failure can happen at (U − 1) × I, when the first check runs at
 *   registration; if G ≤ (U − 1) × I the U-th check already passes and the task never counts;
 * - the first check at or after G runs before G + I, the H-th passing one before G + H × I, and
 *   it answers within T: the task is healthy again before G + H × I + T.
 * So it may count as unhealthy for L = G + H × I + T − (U − 1) × I seconds. Under the alarm's
 * statistic (Maximum per period P) a span of L seconds makes every period it touches breach;
 * in the worst alignment that is ceil(L / P) + 1 periods. A rolling or blue/green deployment
 * starts all new tasks at once (maximum 200 %), so one deployment makes one such span.
 */

/** Period × evaluation periods may not exceed this for periods under an hour (CloudWatch). */
export const MAX_EVALUATION_SECONDS = 86_400;

export interface HealthCheckTiming {
    gracePeriodSeconds: number;
    intervalSeconds: number;
    timeoutSeconds: number;
    healthyThreshold: number;
    unhealthyThreshold: number;
}

export interface AlarmTiming {
    periodSeconds: number;
    evaluationPeriods: number;
    datapointsToAlarm: number;
}

export interface AlarmWindow {
    evaluationPeriods: number;
    datapointsToAlarm: number;
}

export interface UnhealthyHostsWindow extends AlarmWindow {
    /** Breaching datapoints a task that starts within its grace period can cause, at most. */
    startupDatapoints: number;
}

/**
 * When a task that is ready within its grace period may count as unhealthy, in seconds after
 * its registration; undefined when it never does (ready before the U-th check).
 */
export function startupUnhealthySpan(hc: HealthCheckTiming): { from: number; until: number } | undefined {
    const from = (hc.unhealthyThreshold - 1) * hc.intervalSeconds;
    if (hc.gracePeriodSeconds <= from) return undefined;
    return { from, until: hc.gracePeriodSeconds + hc.healthyThreshold * hc.intervalSeconds + hc.timeoutSeconds };
}

/** The most periods of `periodSeconds` a span of `seconds` can touch, whatever its alignment. */
export function periodsTouched(seconds: number, periodSeconds: number): number {
    return seconds > 0 ? Math.ceil(seconds / periodSeconds) + 1 : 0;
}

/**
 * The unhealthy-hosts alarm's window: more breaching datapoints than a starting task can cause,
 * never fewer than configured, and evaluation periods to hold them. Throws when CloudWatch
 * could not hold the window, which the config schema's limits keep out of reach: the longest
 * window they allow is 36 periods of 300 s (10,800 s; grace 7,200 s, interval 300 s, timeout
 * 120 s, healthy threshold 10, unhealthy threshold 2).
 */
export function unhealthyHostsWindow(hc: HealthCheckTiming, alarm: AlarmTiming): UnhealthyHostsWindow {
    const span = startupUnhealthySpan(hc);
    const startupDatapoints = span ? periodsTouched(span.until - span.from, alarm.periodSeconds) : 0;
    const datapointsToAlarm = Math.max(alarm.datapointsToAlarm, startupDatapoints + 1);
    const evaluationPeriods = Math.max(alarm.evaluationPeriods, datapointsToAlarm);
    if (evaluationPeriods * alarm.periodSeconds > MAX_EVALUATION_SECONDS)
        throw new RangeError(
            `unhealthy-hosts alarm: ${evaluationPeriods} periods of ${alarm.periodSeconds}s exceed CloudWatch's ${MAX_EVALUATION_SECONDS}s evaluation limit`,
        );
    return { evaluationPeriods, datapointsToAlarm, startupDatapoints };
}
