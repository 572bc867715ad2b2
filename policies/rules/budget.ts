/**
 * `rollback-detection-budget` (stack, advisory): for every ECS service, the worst-case time from
 * the start of a release until a failing version is detected — whether its tasks never start, fail
 * their health checks, or pass them and trip a rollback alarm — computed with the timing model
 * (lib/timing.ts) from the resources the stack declares (lib/detection.ts), must not exceed the
 * configured budget (`budgetSeconds`, default 900). A detection that never happens (no circuit
 * breaker, no health check, no rollback alarm) exceeds any budget.
 *
 * Findings give the three detection times, the settings that dominate and what to change. A value
 * unknown during preview leaves the service undecided (a note, when `reportUndecided` is on); a
 * target group, alarm, task definition or deployment group the stack does not declare cannot be
 * read, which is a finding (the pack does not trust what it cannot see): declare it in the stack,
 * or exempt the service once its detection time is checked elsewhere.
 */
import { StackResource } from "../lib/graph";
import { assessService, DetectionIndex, withDefaultsForUnseenTargetGroups, type Cause, type Detection, type ServiceAssessment } from "../lib/detection";
import { displayName } from "../lib/ecs";
import { commonConfigProperties, configNumber, Finding, undecided, violation } from "../lib/rule";
import { UNKNOWN } from "../lib/safe";
import { ASSUMPTIONS, AWS_DEFAULTS, alarmDetection, circuitBreakerThreshold, formatSeconds } from "../lib/timing";
import { StackContext, stackPolicy } from "../lib/wiring";

export const BUDGET_POLICY = "rollback-detection-budget";
export const DEFAULT_BUDGET_SECONDS = 900;

const A = ASSUMPTIONS;

function fmt(s: number): string {
    return s === Infinity ? "never" : formatSeconds(s);
}

function budgetText(budget: number): string {
    return `${formatSeconds(budget)} (${budget} s)`;
}

const MODE_TEXT = {
    rolling: "rolling",
    worker: "rolling, no load balancer",
    bluegreen: "ECS native blue/green",
    codedeploy: "CodeDeploy blue/green",
} as const;

function who(a: ServiceAssessment): string {
    const parts: string[] = [MODE_TEXT[a.mode]];
    if (typeof a.desiredCount === "number") parts.push(`${a.desiredCount} task${a.desiredCount === 1 ? "" : "s"}`);
    if (a.mode !== "codedeploy" && a.circuitBreaker !== UNKNOWN) parts.push(a.circuitBreaker ? "circuit breaker with rollback" : "no circuit breaker with rollback");
    return `ECS service '${displayName(a.service)}' (${parts.join(", ")})`;
}

function waves(inputs: Cause["inputs"]): { tasks: number; threshold: number; waves: number } {
    const tasks = Math.max(1, inputs.desiredCount);
    const threshold = circuitBreakerThreshold(tasks);
    return { tasks, threshold, waves: Math.ceil(threshold / tasks) };
}

function plural(n: number, word: string): string {
    return `${n} ${word}${n === 1 ? "" : "s"}`;
}

function healthSource(c: Cause): string {
    const h = c.health;
    if (h?.kind === "targetGroup") return `target group '${displayName(h.resource)}'${h.blockLeftOut ? " (no healthCheck block: AWS's defaults)" : ""}`;
    if (h?.kind === "container") return `container ${h.container} of task definition '${h.resource.name}'`;
    return "";
}

/** When a new task is first healthy, in words. */
function firstHealthyText(c: Cause): { seconds: number; text: string } {
    const i = c.inputs;
    if (i.healthCheck) {
        const s = A.taskStartSeconds + i.healthCheck.intervalSeconds + i.healthCheck.timeoutSeconds;
        return { seconds: s, text: `start ${A.taskStartSeconds} s + interval ${i.healthCheck.intervalSeconds} s + timeout ${i.healthCheck.timeoutSeconds} s = ${s} s` };
    }
    if (i.containerHealthCheck) {
        const h = i.containerHealthCheck;
        const s = A.taskStartSeconds + Math.min(h.startPeriodSeconds, h.intervalSeconds) + h.timeoutSeconds;
        return { seconds: s, text: `start ${A.taskStartSeconds} s + ${Math.min(h.startPeriodSeconds, h.intervalSeconds)} s + timeout ${h.timeoutSeconds} s = ${s} s` };
    }
    return { seconds: A.taskStartSeconds, text: `start ${A.taskStartSeconds} s` };
}

interface Part {
    text: string;
    /** What dominates and what to change, for a detection over the budget. */
    dominant: string[];
    fixes: string[];
}

const CODEDEPLOY_HOUR = `CodeDeploy waits up to ${formatSeconds(A.codeDeployReadyLimitSeconds)} for a replacement task set that never ` +
    "becomes healthy before it fails the deployment; production stays on the original task set meanwhile";
const CODEDEPLOY_FIX = "no setting of the stack shortens CodeDeploy's hour: release through ECS instead (deploymentController ECS with " +
    "`deploymentConfiguration.strategy: \"BLUE_GREEN\"` and the circuit breaker on), or list the service in this policy's " +
    "`exemptResources` if an hour before a broken release is reported is acceptable";

function notKnown(d: Detection): string {
    if (d.unseen.length > 0) return `cannot be read (${d.unseen.join("; ")} ${d.unseen.length === 1 ? "is" : "are"} not declared in this stack)`;
    return `not known yet (${d.unknown.join("; ") || "a value is unknown"})`;
}

function neverStartsPart(a: ServiceAssessment, d: Detection): Part {
    if (d.seconds === undefined) return { text: notKnown(d), dominant: [], fixes: [] };
    if (d.seconds === Infinity) {
        return { text: `never (${d.never})`, dominant: ["no circuit breaker"], fixes: ["set `deploymentCircuitBreaker: { enable: true, rollback: true }`"] };
    }
    if (a.mode === "codedeploy") return { text: `${fmt(d.seconds)} (${CODEDEPLOY_HOUR})`, dominant: ["CodeDeploy's one-hour limit"], fixes: [CODEDEPLOY_FIX] };
    const w = waves(d.cause!.inputs);
    const text = `${fmt(d.seconds)} (${plural(w.waves, "wave")} of ${plural(w.tasks, "task")} until the circuit breaker's threshold of ` +
        `${w.threshold} failed tasks, ${A.failedStartSeconds} s each)`;
    return {
        text,
        dominant: [`${plural(w.waves, "wave")} of ${A.failedStartSeconds} s`],
        fixes: w.waves > 1 ? ["run at least 3 tasks (`desiredCount`): the circuit breaker then trips in one wave"] : [],
    };
}

function failsHealthChecksPart(a: ServiceAssessment, d: Detection): Part {
    if (d.seconds === undefined) return { text: notKnown(d), dominant: [], fixes: [] };
    if (d.seconds === Infinity) {
        const noBreaker = a.circuitBreaker === false;
        return {
            text: `never (${d.never})`,
            dominant: [noBreaker ? "no circuit breaker" : "no health check"],
            fixes: [noBreaker ? "set `deploymentCircuitBreaker: { enable: true, rollback: true }`"
                : "give an essential container a health check (`healthCheck: { command: [\"CMD-SHELL\", \"<check> || exit 1\"] }`) or put the service behind a target group"],
        };
    }
    if (a.mode === "codedeploy") return { text: `${fmt(d.seconds)} (the same hour)`, dominant: [], fixes: [] };
    const c = d.cause!;
    const i = c.inputs;
    const w = waves(i);
    const contributions: { seconds: number; what: string; fix: string }[] = [];
    let perWave: string;
    if (i.healthCheck) {
        const h = i.healthCheck;
        const checks = A.taskStartSeconds + (h.unhealthyThreshold - 1) * h.intervalSeconds + h.timeoutSeconds;
        const wait = i.gracePeriodSeconds > checks
            ? `grace period ${i.gracePeriodSeconds} s (longer than start ${A.taskStartSeconds} s + (unhealthy threshold ${h.unhealthyThreshold} − 1) × interval ${h.intervalSeconds} s + timeout ${h.timeoutSeconds} s = ${checks} s)`
            : `start ${A.taskStartSeconds} s + (unhealthy threshold ${h.unhealthyThreshold} − 1) × interval ${h.intervalSeconds} s + timeout ${h.timeoutSeconds} s = ${checks} s`;
        perWave = `${wait} + deregistration delay ${i.deregistrationDelaySeconds} s`;
        const tg = c.health?.kind === "targetGroup" ? ` of target group '${displayName(c.health.resource)}'` : "";
        contributions.push({ seconds: i.deregistrationDelaySeconds, what: `deregistration delay ${i.deregistrationDelaySeconds} s`, fix: `lower \`deregistrationDelay\`${tg} (e.g. 30 s: in-flight requests to a failing task matter little)` });
        if (i.gracePeriodSeconds > checks) {
            contributions.push({ seconds: i.gracePeriodSeconds, what: `grace period ${i.gracePeriodSeconds} s`, fix: "lower `healthCheckGracePeriodSeconds` to just above the application's start-up time" });
        } else {
            contributions.push({ seconds: (h.unhealthyThreshold - 1) * h.intervalSeconds, what: `interval ${h.intervalSeconds} s × (unhealthy threshold ${h.unhealthyThreshold} − 1)`, fix: `lower \`healthCheck.interval\` or \`healthCheck.unhealthyThreshold\`${tg}` });
            contributions.push({ seconds: h.timeoutSeconds, what: `timeout ${h.timeoutSeconds} s`, fix: "lower `healthCheck.timeout`" });
        }
    } else {
        const h = i.containerHealthCheck!;
        const checks = A.taskStartSeconds + h.startPeriodSeconds + h.retries * h.intervalSeconds + h.timeoutSeconds;
        const wait = i.gracePeriodSeconds > checks
            ? `grace period ${i.gracePeriodSeconds} s (longer than the ${checks} s its container health check needs)`
            : `start ${A.taskStartSeconds} s + start period ${h.startPeriodSeconds} s + retries ${h.retries} × interval ${h.intervalSeconds} s + timeout ${h.timeoutSeconds} s = ${checks} s`;
        perWave = `${wait} + stop timeout ${A.stopTimeoutSeconds} s`;
        const where = c.health?.kind === "container" ? ` of ${healthSource(c)}` : "";
        if (i.gracePeriodSeconds > checks) {
            contributions.push({ seconds: i.gracePeriodSeconds, what: `grace period ${i.gracePeriodSeconds} s`, fix: "lower `healthCheckGracePeriodSeconds`" });
        } else {
            contributions.push({ seconds: h.retries * h.intervalSeconds, what: `retries ${h.retries} × interval ${h.intervalSeconds} s`, fix: `lower \`healthCheck.interval\` or \`retries\`${where}` });
            contributions.push({ seconds: h.startPeriodSeconds, what: `start period ${h.startPeriodSeconds} s`, fix: `lower \`healthCheck.startPeriod\`${where} to just above the start-up time` });
        }
    }
    const text = `${fmt(d.seconds)} (${plural(w.waves, "wave")} × (${perWave})${c.health ? `, ${healthSource(c)}` : ""})`;
    const top = contributions.filter((x) => x.seconds > 0).sort((x, y) => y.seconds - x.seconds).slice(0, 2);
    const dominant = top.map((x) => `${x.what} per wave`);
    const fixes = top.map((x) => x.fix);
    if (w.waves > 1) {
        dominant.push(`${w.waves} waves (${plural(w.tasks, "task")}, threshold ${w.threshold})`);
        fixes.push("run at least 3 tasks (`desiredCount`) so that the circuit breaker trips in one wave");
    }
    return { text, dominant, fixes };
}

function tripsAlarmPart(a: ServiceAssessment, d: Detection): Part {
    if (d.seconds === undefined) return { text: notKnown(d), dominant: [], fixes: [] };
    if (d.seconds === Infinity) {
        const fix = a.mode === "codedeploy"
            ? "set the deployment group's `alarmConfiguration: { enabled: true, alarms: [<5xx, latency alarms>] }` and `DEPLOYMENT_STOP_ON_ALARM` in its `autoRollbackConfiguration`"
            : "set `alarms: { alarmNames: [<5xx, latency alarms>], enable: true, rollback: true }` on the service";
        return { text: `never (${d.never})`, dominant: ["no rollback alarm"], fixes: [fix] };
    }
    const c = d.cause!;
    const alarm = c.alarm!;
    const s = alarm.settings;
    const first = firstHealthyText(c);
    const detection = alarmDetection(s);
    const switchText = a.mode === "bluegreen" ? `, production switches ${A.trafficSwitchSeconds} s later` : "";
    const text = `${fmt(d.seconds)} (healthy after ${first.text}${c.health && c.health.kind !== "noHealthCheck" ? ` on ${healthSource(c)}` : ""}${switchText}, ` +
        `then alarm '${displayName(alarm.resource)}', the fastest, fires after period ${s.periodSeconds} s × (datapoints to alarm ${s.datapointsToAlarm} + 1) + ` +
        `${A.metricDelaySeconds} s metric delay = ${detection} s)`;
    const dominant = [`alarm period ${s.periodSeconds} s × (datapoints to alarm ${s.datapointsToAlarm} + 1)`];
    const fixes = [`shorten the \`period\` or lower \`datapointsToAlarm\` of alarm '${displayName(alarm.resource)}' (or add a faster one to the rollback alarms)`];
    if (first.seconds - A.taskStartSeconds > detection / 2) {
        dominant.push(`first health check after ${first.seconds} s`);
        fixes.push("lower the health-check interval");
    }
    return { text, dominant, fixes };
}

/** The model's notes about the way back that the numbers alone do not say (when the inputs they need are known). */
function notes(a: ServiceAssessment): string[] {
    const c = a.tripsAlarm.cause;
    if (!c) return [];
    const known = (a.mode === "bluegreen" && a.bakeTimeMinutes !== undefined) || (a.mode === "codedeploy" && a.codeDeploy !== undefined);
    return known ? c.timing.notes.filter((n) => n.startsWith("the alarm")) : [];
}

function detectionsText(ns: Part, fh: Part, ta: Part): string {
    return `Time to detect a version whose tasks never start: ${ns.text}; whose tasks start but fail their health checks: ${fh.text}; ` +
        `that passes them but trips a rollback alarm: ${ta.text}.`;
}

function exceedsFinding(a: ServiceAssessment, budget: number): Finding {
    const ns = neverStartsPart(a, a.neverStarts);
    const fh = failsHealthChecksPart(a, a.failsHealthChecks);
    const ta = tripsAlarmPart(a, a.tripsAlarm);
    const over = ([[a.neverStarts, ns, "never starts"], [a.failsHealthChecks, fh, "fails its health checks"], [a.tripsAlarm, ta, "trips an alarm"]] as const)
        .filter(([d]) => d.verdict === "exceeds");
    const worst = Math.max(...over.map(([d]) => d.seconds ?? 0));
    const head = worst === Infinity
        ? `${who(a)} never detects some failing versions (the budget is ${budgetText(budget)}).`
        : `${who(a)} can take ${fmt(worst)} to detect a failing version, over the budget of ${budgetText(budget)}.`;
    const dominant = over.map(([, p, name]) => `${name}: ${p.dominant.join(", ")}`).filter((x) => !x.endsWith(": "));
    const fixes = [...new Set(over.flatMap(([, p]) => p.fixes))];
    const ns2 = notes(a);
    return violation([
        head,
        detectionsText(ns, fh, ta),
        dominant.length > 0 ? `What dominates (${dominant.join("; ")}).` : "",
        fixes.length > 0 ? `To get within the budget: ${fixes.join("; ")}.` : "",
        ns2.length > 0 ? `Also: ${ns2.join("; ")}.` : "",
    ].filter((x) => x !== "").join(" "), a.service.urn);
}

function unseenFinding(a: ServiceAssessment, budget: number): Finding {
    const unseen = [...new Set([a.neverStarts, a.failsHealthChecks, a.tripsAlarm].flatMap((d) => (d.verdict === "unseen" ? d.unseen : [])))];
    const assumed = withDefaultsForUnseenTargetGroups(a);
    const d = AWS_DEFAULTS.healthCheck;
    const assumedText = assumed === undefined ? "" : ` With AWS's defaults for the target group it cannot see (health-check interval ${d.intervalSeconds} s, timeout ` +
        `${d.timeoutSeconds} s, unhealthy threshold ${d.unhealthyThreshold}, deregistration delay ${AWS_DEFAULTS.deregistrationDelaySeconds} s) the worst ` +
        `detection would be ${fmt(assumed)}, ${assumed > budget ? "over" : "within"} the budget, but nothing says it uses them.`;
    return violation(`${who(a)}: its time to detect a failing version cannot be checked against the budget of ${budgetText(budget)}: ` +
        `${unseen.join("; ")} ${unseen.length === 1 ? "is" : "are"} not declared in this stack, so the policy cannot read ${unseen.length === 1 ? "it" : "them"}.` +
        `${assumedText} ${detectionsText(neverStartsPart(a, a.neverStarts), failsHealthChecksPart(a, a.failsHealthChecks), tripsAlarmPart(a, a.tripsAlarm))} ` +
        "Declare what it depends on in this stack (or point the service at resources it declares), or list the service in this policy's " +
        "`exemptResources` once its detection time is checked elsewhere.", a.service.urn);
}

function undecidedFinding(a: ServiceAssessment, budget: number): Finding {
    const why = [...new Set([a.neverStarts, a.failsHealthChecks, a.tripsAlarm].flatMap((d) => (d.verdict === "unknown" ? d.unknown : [])))];
    return undecided(`${who(a)}: whether it detects a failing version within the budget of ${budgetText(budget)} is not known yet: ${why.join("; ") || "a value is unknown"}.`, a.service.urn);
}

export function checkRollbackDetectionBudget(_resources: readonly StackResource[], ctx: StackContext): Finding[] {
    const services = ctx.index.ofKind("ecsService");
    if (services.length === 0) return [];
    const budget = configNumber(ctx.config, "budgetSeconds", DEFAULT_BUDGET_SECONDS);
    const env = new DetectionIndex(ctx.index);
    const out: Finding[] = [];
    for (const svc of services) {
        if (ctx.isExempt(svc)) continue;
        const r = assessService(svc, env, budget);
        if (r.kind === "notConcerned") continue;
        if (r.kind === "modeUnknown") {
            out.push(undecided(`ECS service '${displayName(svc)}': ${r.why}, so its time to detect a failing version cannot be computed yet.`, svc.urn));
            continue;
        }
        const a = r.assessment;
        if (a.verdict === "exceeds") out.push(exceedsFinding(a, budget));
        else if (a.verdict === "unseen") out.push(unseenFinding(a, budget));
        else if (a.verdict === "unknown") out.push(undecidedFinding(a, budget));
    }
    return out;
}

export const rollbackDetectionBudget = stackPolicy({
    name: BUDGET_POLICY,
    description: "Every ECS service should detect a failing version within the budget (`budgetSeconds`, default 900 s = 15 min), " +
        "worst case, computed from what the stack declares: its circuit breaker and desired count, its target groups' health " +
        "checks and deregistration delay (or, without a load balancer, its task definition's container health check), its grace " +
        "period, and its fastest rollback alarm (the service's `alarms`, or for CODE_DEPLOY the deployment group's). A detection " +
        "that never happens (no circuit breaker, health check or rollback alarm) exceeds any budget; CodeDeploy gives a " +
        "replacement task set that never becomes healthy an hour. The finding gives the three detection times, what dominates " +
        "them and what to change (e.g. a lower deregistration delay or health-check interval, more tasks, a shorter alarm period).",
    enforcementLevel: "advisory",
    severity: "medium",
    tags: ["ecs", "rollback", "health-check", "alarms"],
    configSchema: {
        properties: {
            ...commonConfigProperties(false),
            budgetSeconds: {
                type: "integer",
                minimum: 1,
                default: DEFAULT_BUDGET_SECONDS,
                description: "The longest acceptable worst-case time, in seconds from the start of a release, until a failing version " +
                    "is detected (and its rollback starts).",
            },
        },
    },
    checkStack: checkRollbackDetectionBudget,
});
