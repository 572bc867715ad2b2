/**
 * What the plan predicts for a drill: which mechanism rolls the failure back, and how long
 * detection and recovery take (policies/lib/timing.ts rolloutTiming), with a stated tolerance.
 *
 * The plan builds the model's inputs from the stack config (offline/timing.ts); the drill has only
 * the stack outputs and what AWS describes. From ECS: desired count, health-check grace period,
 * circuit breaker, deployment alarms, bake time, and the task definition's container health check.
 * From CloudWatch (best effort): the forced alarm's period and datapoints. What neither says (the
 * target group's health check, its deregistration delay, an alarm that could not be read) is taken
 * from the project's defaults (config/schema.ts, the values a service gets when its config does not
 * set them), and each such assumption is printed.
 */
import type { HealthCheck, Service } from "@aws-sdk/client-ecs";
import { projectConfigSchema } from "../../config/schema";
import { formatSeconds, rolloutTiming, type Timing, type TimingInputs } from "../../policies/lib/timing";
import type { CodeDeployOutput } from "../outputs";
import type { DrillKind, DrillTarget } from "./target";

export type Mechanism = "circuit breaker" | "deployment alarm" | "CodeDeploy auto-rollback";

export interface AlarmSettings {
    periodSeconds: number;
    evaluationPeriods: number;
    datapointsToAlarm: number;
}

interface ProjectDefaults {
    healthCheck: NonNullable<TimingInputs["healthCheck"]>;
    deregistrationDelaySeconds: number;
    webAlarm: AlarmSettings;
    workerAlarm: AlarmSettings;
}

let defaults: ProjectDefaults | undefined;

/** The settings a web service and a worker get when their config leaves them out, read from the config schema itself. */
export function projectDefaults(): ProjectDefaults {
    if (defaults) return defaults;
    const parsed = projectConfigSchema.parse({
        services: [
            { name: "web", image: "example", healthCheck: { path: "/health" } },
            { name: "worker", kind: "worker", image: "example", containerHealthCheck: { command: ["CMD", "true"] } },
        ],
    });
    const [web, worker] = parsed.services as unknown as [
        { healthCheck: ProjectDefaults["healthCheck"]; deregistrationDelaySeconds: number; alarms: AlarmSettings },
        { queueAlarms: AlarmSettings },
    ];
    const alarm = (a: AlarmSettings): AlarmSettings => ({ periodSeconds: a.periodSeconds, evaluationPeriods: a.evaluationPeriods, datapointsToAlarm: a.datapointsToAlarm });
    defaults = {
        healthCheck: {
            intervalSeconds: web.healthCheck.intervalSeconds,
            timeoutSeconds: web.healthCheck.timeoutSeconds,
            healthyThreshold: web.healthCheck.healthyThreshold,
            unhealthyThreshold: web.healthCheck.unhealthyThreshold,
        },
        deregistrationDelaySeconds: web.deregistrationDelaySeconds,
        webAlarm: alarm(web.alarms),
        workerAlarm: alarm(worker.queueAlarms),
    };
    return defaults;
}

/** ECS's defaults for a container health check's unset fields (task definition reference). */
export const ECS_CONTAINER_HEALTH_CHECK_DEFAULTS = { intervalSeconds: 30, timeoutSeconds: 5, retries: 3, startPeriodSeconds: 0 } as const;

export interface DrillTimingFacts {
    target: DrillTarget;
    /** No load balancer (a worker). */
    worker: boolean;
    /** DescribeServices. */
    service: Service;
    /** The container health check of the service's container in the running revision. */
    containerHealthCheck?: HealthCheck;
    /** Whether the service has rollback alarms at all (ECS deployment alarms with rollback, or CodeDeploy alarms). */
    hasRollbackAlarms: boolean;
    /** The forced alarm's settings when CloudWatch could be read. */
    alarm?: AlarmSettings;
    alarmName?: string;
}

export interface ModelInputs {
    inputs: TimingInputs;
    /** What was assumed rather than read, one line each. */
    assumptions: string[];
}

export function drillTimingInputs(facts: DrillTimingFacts): ModelInputs {
    const d = projectDefaults();
    const { service, target, worker } = facts;
    const assumptions: string[] = [];
    const config = service.deploymentConfiguration ?? {};
    const mode: TimingInputs["mode"] = worker ? "worker" : target.mode;
    const breaker = config.deploymentCircuitBreaker;
    const inputs: TimingInputs = {
        mode,
        desiredCount: Math.max(1, service.desiredCount ?? 1),
        circuitBreaker: target.mode !== "codedeploy" && !!breaker?.enable && !!breaker?.rollback,
        gracePeriodSeconds: Math.max(0, service.healthCheckGracePeriodSeconds ?? 0),
        deregistrationDelaySeconds: 0,
    };
    if (!worker) {
        inputs.healthCheck = { ...d.healthCheck };
        inputs.deregistrationDelaySeconds = d.deregistrationDelaySeconds;
        const hc = d.healthCheck;
        assumptions.push(
            `target group health check not readable through ECS: assumed the project defaults (interval ${hc.intervalSeconds} s, timeout ${hc.timeoutSeconds} s, ` +
                `healthy ${hc.healthyThreshold}, unhealthy ${hc.unhealthyThreshold}) and a ${d.deregistrationDelaySeconds} s deregistration delay`,
        );
    }
    const chc = facts.containerHealthCheck;
    if (chc?.command?.length) {
        const e = ECS_CONTAINER_HEALTH_CHECK_DEFAULTS;
        inputs.containerHealthCheck = {
            intervalSeconds: chc.interval ?? e.intervalSeconds,
            timeoutSeconds: chc.timeout ?? e.timeoutSeconds,
            retries: chc.retries ?? e.retries,
            startPeriodSeconds: chc.startPeriod ?? e.startPeriodSeconds,
        };
        const unset = (["interval", "timeout", "retries", "startPeriod"] as const).filter((k) => chc[k] === undefined);
        if (unset.length > 0) assumptions.push(`container health check ${unset.join(", ")} unset: ECS's defaults (30 s, 5 s, 3, 0 s)`);
    } else if (worker) {
        assumptions.push("the worker's container has no health check: nothing detects a version that runs but is unhealthy");
    }
    if (facts.hasRollbackAlarms) {
        if (facts.alarm) {
            inputs.alarm = { ...facts.alarm };
        } else {
            inputs.alarm = { ...(worker ? d.workerAlarm : d.webAlarm) };
            const a = inputs.alarm;
            assumptions.push(
                `alarm ${facts.alarmName ?? "settings"} not read from CloudWatch: assumed the project defaults (${a.datapointsToAlarm} of ${a.evaluationPeriods} periods of ${a.periodSeconds} s)`,
            );
        }
    }
    if (target.mode === "bluegreen") inputs.bakeTimeMinutes = Number(config.bakeTimeInMinutes ?? 0);
    if (target.mode === "codedeploy") {
        const cd: Partial<CodeDeployOutput> = target.codeDeploy?.codeDeploy ?? {};
        const shift = typeof cd.trafficShiftMinutes === "number" ? cd.trafficShiftMinutes : undefined;
        const wait = typeof cd.terminationWaitMinutes === "number" ? cd.terminationWaitMinutes : undefined;
        if (shift === undefined || wait === undefined) assumptions.push("the outputs lack codeDeploy.trafficShiftMinutes / terminationWaitMinutes: assumed 0");
        inputs.codeDeploy = { trafficShiftMinutes: shift ?? 0, terminationWaitMinutes: wait ?? 0 };
    }
    return { inputs, assumptions };
}

export interface Tolerance {
    percent: number;
    minutes: number;
}

export const DEFAULT_TOLERANCE: Tolerance = { percent: 50, minutes: 2 };

export interface DrillBudget {
    /** The mechanism the plan predicts for this failure; undefined when nothing would roll it back. */
    mechanism?: Mechanism;
    /** Why there is no mechanism (when there is none). */
    noMechanism?: string;
    timing: Timing;
    /** Modelled seconds from the release until the failure is detected, and from then until the old version serves again. */
    detectSeconds?: number;
    recoverSeconds?: number;
    /** Allowed seconds (model × (1 + percent) + minutes) for detection, and for detection plus recovery. */
    detectAllowance?: number;
    totalAllowance?: number;
    tolerance: Tolerance;
}

export function allowance(modelSeconds: number, tolerance: Tolerance): number {
    return Math.ceil(modelSeconds * (1 + tolerance.percent / 100) + tolerance.minutes * 60);
}

export function drillBudget(kind: DrillKind, inputs: TimingInputs, tolerance: Tolerance = DEFAULT_TOLERANCE): DrillBudget {
    const timing = rolloutTiming(inputs);
    const budget: DrillBudget = { timing, tolerance };
    const codeDeploy = inputs.mode === "codedeploy";
    if (kind === "alarm") {
        if (!inputs.alarm) {
            budget.noMechanism = "the service has no rollback alarm";
            return budget;
        }
        budget.mechanism = codeDeploy ? "CodeDeploy auto-rollback" : "deployment alarm";
        budget.detectSeconds = timing.tripsAlarm;
        budget.recoverSeconds = timing.recovery.tripsAlarm;
    } else {
        if (!codeDeploy && !inputs.circuitBreaker) {
            budget.noMechanism = "the service has no deployment circuit breaker with rollback: ECS would retry the failing tasks for hours";
            return budget;
        }
        budget.mechanism = codeDeploy ? "CodeDeploy auto-rollback" : "circuit breaker";
        budget.detectSeconds = kind === "start" ? timing.neverStarts : timing.failsHealthChecks;
        budget.recoverSeconds = kind === "start" ? timing.recovery.neverStarts : timing.recovery.failsHealthChecks;
        if (budget.detectSeconds === undefined) {
            budget.mechanism = undefined;
            budget.noMechanism = "the service has no health check the circuit breaker could watch";
            return budget;
        }
    }
    if (budget.detectSeconds !== undefined) {
        budget.detectAllowance = allowance(budget.detectSeconds, tolerance);
        budget.totalAllowance = allowance(budget.detectSeconds + (budget.recoverSeconds ?? 0), tolerance);
    }
    return budget;
}

/** `3m (model 2m + 50% + 2m)`. */
export function describeAllowance(modelSeconds: number | undefined, allowed: number | undefined, tolerance: Tolerance): string {
    if (modelSeconds === undefined || allowed === undefined) return "never";
    return `${formatSeconds(allowed)} (model ${formatSeconds(modelSeconds)} + ${tolerance.percent}% + ${tolerance.minutes}m)`;
}
