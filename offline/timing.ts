/**
 * The rollback timing of each configured service (policies/lib/timing.ts), from the stack's
 * validated config, next to what AWS's defaults would give the same service.
 */
import { isWeb, type ServiceConfig, type StackConfig } from "../config";
import { trafficShiftMinutes } from "../components/codedeploy";
import { formatSeconds, rolloutTiming, withAwsDefaults, type Timing, type TimingInputs } from "../policies/lib/timing";

export interface ServiceTiming {
    ours: Timing;
    awsDefaults: Timing;
}

export function timingInputs(svc: ServiceConfig): TimingInputs {
    if (!isWeb(svc)) {
        const q = svc.queueAlarms;
        return {
            mode: "worker",
            desiredCount: svc.desiredCount,
            circuitBreaker: true,
            containerHealthCheck: svc.containerHealthCheck,
            gracePeriodSeconds: 0,
            deregistrationDelaySeconds: 0,
            alarm: { periodSeconds: q.periodSeconds, evaluationPeriods: q.evaluationPeriods, datapointsToAlarm: q.datapointsToAlarm },
        };
    }
    const d = svc.deployment;
    return {
        mode: d.mode,
        desiredCount: svc.desiredCount,
        circuitBreaker: d.mode !== "codedeploy",
        healthCheck: svc.healthCheck,
        gracePeriodSeconds: svc.healthCheck.gracePeriodSeconds,
        deregistrationDelaySeconds: svc.deregistrationDelaySeconds,
        alarm: { periodSeconds: svc.alarms.periodSeconds, evaluationPeriods: svc.alarms.evaluationPeriods, datapointsToAlarm: svc.alarms.datapointsToAlarm },
        bakeTimeMinutes: d.mode === "bluegreen" ? d.bakeTimeMinutes : undefined,
        codeDeploy: d.mode === "codedeploy" ? { trafficShiftMinutes: trafficShiftMinutes(d.config), terminationWaitMinutes: d.terminationWaitMinutes } : undefined,
    };
}

export function serviceTimings(cfg: StackConfig): Record<string, ServiceTiming> {
    const out: Record<string, ServiceTiming> = {};
    for (const svc of cfg.services) {
        const inputs = timingInputs(svc);
        out[svc.name] = { ours: rolloutTiming(inputs), awsDefaults: rolloutTiming(withAwsDefaults(inputs)) };
    }
    return out;
}

/** Two lines for the plan: detection times and what follows, ours then AWS's defaults. */
export function renderTiming(t: ServiceTiming): string[] {
    const f = formatSeconds;
    const three = (x: Timing) => `${f(x.neverStarts)} / ${f(x.failsHealthChecks)} / ${f(x.tripsAlarm)}`;
    return [
        `    time to detect a bad version (never starts / fails health checks / trips an alarm): ${three(t.ours)} (AWS defaults: ${three(t.awsDefaults)})`,
        `    then back on the old version in: ${f(t.ours.recovery.neverStarts)} / ${f(t.ours.recovery.failsHealthChecks)} / ${f(t.ours.recovery.tripsAlarm)}; a good release takes ${f(t.ours.goodRelease)} (AWS defaults: ${f(t.awsDefaults.goodRelease)})`,
        ...t.ours.notes.map((n) => `    note: ${n}`),
    ];
}
