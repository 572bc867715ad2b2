/**
 * How long a failing version lives, from what a stack DECLARES: for each ECS service, the inputs of
 * the timing model (lib/timing.ts) read from the service, its target groups, its rollback alarms,
 * the CodeDeploy deployment group that deploys it and its task definition; and, for each of the
 * model's three detection times, a verdict against a budget. Used by `rollback-detection-budget`.
 *
 * A detection time may depend on several things the stack holds more than one of: the target
 * groups of a service (a blue/green service registers new tasks with each in turn, so the slowest
 * decides), its essential containers with a health check (the slowest decides), its rollback
 * alarms (the FASTEST decides: any of them rolls back), several deployment groups (the slowest).
 * Each thing is a case with a four-valued verdict, combined by {@link worstOf} or {@link fastestOf}:
 *
 * - `fits`: known, within the budget;
 * - `exceeds`: known, over the budget, or never (no circuit breaker, no health check, no alarm);
 * - `unknown`: depends on a value unknown during preview (decided on `pulumi up`);
 * - `unseen`: depends on a resource this stack does not declare (a target group, alarm, task
 *   definition or deployment group made elsewhere): it never becomes known, so it cannot be
 *   checked, like the pack's other "must be in the stack" joins.
 *
 * A case found only by guessing (an unknown reference resolved through a dependency) can pass but
 * never fail: anything but `fits` is `unknown`.
 */
import { StackIndex, StackResource } from "./graph";
import { autoRollbackIncludes, controllerOf, DeploymentGroupMap, displayName, isNativeBlueGreen, loadBalancerEntries, mapDeploymentGroups, strategyOf } from "./ecs";
import { asBool, asNumber, asObject, asString, get, items, path, PARSE_ERROR, Tri, triAnd, Unknown, UNKNOWN, upperOrUndefined } from "./safe";
import { containerLabel, containersOf, hasHealthCheckCommand, isEssential, TaskDefinitionIndex } from "./taskDefinitions";
import {
    alarmDetection, AWS_DEFAULTS, deploymentConfigShiftMinutes, PROVIDER_DEFAULTS, rolloutTiming, trafficRoutingShiftMinutes, type Timing, type TimingInputs, type TimingMode,
} from "./timing";

export type Verdict = "fits" | "unknown" | "unseen" | "exceeds";

const RANK: Readonly<Record<Verdict, number>> = { fits: 0, unknown: 1, unseen: 2, exceeds: 3 };

/** The slowest of several cases: one over the budget is enough; nothing is `fits` unless all are. */
export function worstOf(vs: readonly Verdict[]): Verdict {
    let w: Verdict = "fits";
    for (const v of vs) if (RANK[v] > RANK[w]) w = v;
    return w;
}

/** The fastest of several alternatives (rollback alarms): one within the budget is enough; none at all never detects. */
export function fastestOf(vs: readonly Verdict[]): Verdict {
    if (vs.includes("fits")) return "fits";
    if (vs.includes("unknown")) return "unknown";
    if (vs.includes("unseen")) return "unseen";
    return "exceeds";
}

/** A guess can pass, never fail. */
function guessed(v: Verdict): Verdict {
    return v === "fits" ? "fits" : "unknown";
}

function classify(seconds: number | undefined, budget: number): Verdict {
    return seconds === undefined || seconds > budget ? "exceeds" : "fits";
}

// ---------------------------------------------------------------------------------------------
// Reading settings
// ---------------------------------------------------------------------------------------------

/** A number setting (decimal strings too); `fallback` when not set or not a number (the provider's default). */
function numberOr(v: unknown, fallback: number): number | Unknown {
    const n = asNumber(v);
    if (n === UNKNOWN) return UNKNOWN;
    return n === undefined ? fallback : n;
}

/** A positive number, or undefined (not set, not a number, zero or negative). */
function positive(v: unknown): number | Unknown | undefined {
    const n = asNumber(v);
    if (n === UNKNOWN) return UNKNOWN;
    return n !== undefined && n > 0 ? n : undefined;
}

/** `true` spelled as a boolean (or "true"); UNKNOWN; false otherwise. */
function isTrue(v: unknown): Tri {
    const b = asBool(v);
    return b === UNKNOWN ? UNKNOWN : b === true;
}

/** The target group name in `arn:…:targetgroup/<name>/<id>`. */
export function targetGroupNameFromArn(arn: string): string | undefined {
    const m = /:targetgroup\/([^/]+)\//.exec(arn);
    return m ? m[1] : undefined;
}

// ---------------------------------------------------------------------------------------------
// Cases
// ---------------------------------------------------------------------------------------------

export type HealthCheckSettings = NonNullable<TimingInputs["healthCheck"]>;
export type ContainerHealthCheckSettings = NonNullable<TimingInputs["containerHealthCheck"]>;
export type AlarmSettings = NonNullable<TimingInputs["alarm"]>;

/** What judges a new task's health: a target group, an essential container's health check, or nothing. */
export type HealthCase =
    | { kind: "targetGroup"; resource: StackResource; healthCheck: HealthCheckSettings; deregistrationDelaySeconds: number; blockLeftOut: boolean }
    | { kind: "container"; resource: StackResource; container: string; containerHealthCheck: ContainerHealthCheckSettings; guessed: boolean }
    | { kind: "noHealthCheck"; resource: StackResource; guessed: boolean }
    | { kind: "unknown"; why: string }
    | { kind: "unseen"; what: string; targetGroup?: string };

export type AlarmCandidate =
    | { kind: "alarm"; resource: StackResource; settings: AlarmSettings; guessed: boolean }
    | { kind: "unknown"; why: string }
    | { kind: "unseen"; name: string };

/** Where a service's rollback alarms are configured: its `alarms` (ECS) or a deployment group (CODE_DEPLOY). */
export type AlarmSource =
    | { kind: "source"; label: string; resource: StackResource; rollsBack: Tri; why: string; candidates: AlarmCandidate[] }
    | { kind: "unknown"; why: string }
    | { kind: "unseen"; what: string };

function targetGroupCase(tg: StackResource): HealthCase {
    const hc = get(tg.props, "healthCheck");
    const dereg = numberOr(get(tg.props, "deregistrationDelay"), PROVIDER_DEFAULTS.deregistrationDelaySeconds);
    const unknownCase = (what: string): HealthCase => ({ kind: "unknown", why: `the ${what} of target group '${displayName(tg)}' is unknown` });
    if (hc === UNKNOWN) return unknownCase("health check");
    if (dereg === UNKNOWN) return unknownCase("deregistration delay");
    if (asObject(hc) === undefined) {
        // No healthCheck block: the provider sends nothing and AWS's API defaults apply.
        return { kind: "targetGroup", resource: tg, healthCheck: { ...AWS_DEFAULTS.healthCheck }, deregistrationDelaySeconds: dereg, blockLeftOut: true };
    }
    const d = PROVIDER_DEFAULTS.healthCheck;
    const interval = numberOr(get(hc, "interval"), d.intervalSeconds);
    const timeout = numberOr(get(hc, "timeout"), d.timeoutSeconds);
    const unhealthy = numberOr(get(hc, "unhealthyThreshold"), d.unhealthyThreshold);
    // The healthy threshold decides nothing here (one passing check makes a new target healthy).
    const healthy = numberOr(get(hc, "healthyThreshold"), d.healthyThreshold);
    if (interval === UNKNOWN) return unknownCase("health-check interval");
    if (timeout === UNKNOWN) return unknownCase("health-check timeout");
    if (unhealthy === UNKNOWN) return unknownCase("unhealthy threshold");
    return {
        kind: "targetGroup", resource: tg, blockLeftOut: false, deregistrationDelaySeconds: dereg,
        healthCheck: { intervalSeconds: interval, timeoutSeconds: timeout, healthyThreshold: healthy === UNKNOWN ? d.healthyThreshold : healthy, unhealthyThreshold: unhealthy },
    };
}

function containerCases(td: StackResource, isGuess: boolean): HealthCase[] {
    const cs = containersOf(td.props);
    if (cs === UNKNOWN) return [{ kind: "unknown", why: `the containerDefinitions of task definition '${td.name}' are unknown` }];
    if (cs === PARSE_ERROR) return [{ kind: "unknown", why: `the containerDefinitions of task definition '${td.name}' are not valid JSON (AWS will refuse them)` }];
    const out: HealthCase[] = [];
    let unknownContainer = false;
    cs.forEach((c, i) => {
        const checked = triAnd([isEssential(c), hasHealthCheckCommand(c)]);
        if (checked === UNKNOWN) {
            unknownContainer = true;
            return;
        }
        if (!checked) return;
        const hc = get(c, "healthCheck");
        const d = AWS_DEFAULTS.containerHealthCheck;
        const interval = numberOr(get(hc, "interval"), d.intervalSeconds);
        const timeout = numberOr(get(hc, "timeout"), d.timeoutSeconds);
        const retries = numberOr(get(hc, "retries"), d.retries);
        const startPeriod = numberOr(get(hc, "startPeriod"), d.startPeriodSeconds);
        if (interval === UNKNOWN || timeout === UNKNOWN || retries === UNKNOWN || startPeriod === UNKNOWN) {
            unknownContainer = true;
            return;
        }
        out.push({
            kind: "container", resource: td, container: containerLabel(c, i), guessed: isGuess,
            containerHealthCheck: { intervalSeconds: interval, timeoutSeconds: timeout, retries, startPeriodSeconds: startPeriod },
        });
    });
    if (unknownContainer) out.push({ kind: "unknown", why: `the essential containers or health checks of task definition '${td.name}' are unknown` });
    if (out.length === 0) out.push({ kind: "noHealthCheck", resource: td, guessed: isGuess });
    return out;
}

function alarmSettings(a: StackResource): AlarmSettings | Unknown | undefined {
    let period = positive(get(a.props, "period"));
    let queryUnknown = false;
    if (period === undefined) {
        // Metric math: the longest period of its queries (a conservative reading).
        const qs = items(get(a.props, "metricQueries"));
        if (qs === UNKNOWN) queryUnknown = true;
        else {
            for (const q of qs) {
                for (const v of [path(q, "metric", "period"), get(q, "period")]) {
                    const p = positive(v);
                    if (p === UNKNOWN) queryUnknown = true;
                    else if (p !== undefined) period = Math.max(period ?? 0, p);
                }
            }
        }
    }
    const evaluation = positive(get(a.props, "evaluationPeriods"));
    const datapoints = positive(get(a.props, "datapointsToAlarm"));
    if (period === UNKNOWN || queryUnknown || evaluation === UNKNOWN || datapoints === UNKNOWN) return UNKNOWN;
    // No period or no evaluation periods: not an alarm AWS would create.
    if (period === undefined || evaluation === undefined) return undefined;
    return { periodSeconds: period, evaluationPeriods: evaluation, datapointsToAlarm: datapoints ?? evaluation };
}

// ---------------------------------------------------------------------------------------------
// Joins
// ---------------------------------------------------------------------------------------------

/** Indexes shared by every service of a stack. */
export class DetectionIndex {
    readonly taskDefinitions: TaskDefinitionIndex;
    readonly deploymentGroups: DeploymentGroupMap;
    private readonly alarmsByName: Map<string, StackResource[]>;
    /** Some alarm's name is not known (yet): a known name not found might be it. */
    private readonly alarmNameUnknown: boolean;
    /** Some target group has neither a known ARN or id nor a known name. */
    private readonly anonymousTargetGroup: StackResource | undefined;

    constructor(readonly index: StackIndex) {
        this.taskDefinitions = new TaskDefinitionIndex(index);
        this.deploymentGroups = mapDeploymentGroups(index);
        this.alarmsByName = index.by("metricAlarm", "name");
        this.alarmNameUnknown = index.ofKind("metricAlarm").some((a) => !isName(asString(get(a.props, "name"))));
        this.anonymousTargetGroup = index.ofKind("targetGroup").find((tg) =>
            !isName(asString(get(tg.props, "arn"))) && !isName(asString(get(tg.props, "id"))) && !isName(asString(get(tg.props, "name"))));
    }

    /** The cases of one known target group reference (an ARN). */
    targetGroupRef(ref: string): HealthCase[] {
        let tgs = this.index.byArnOrId("targetGroup", ref);
        if (tgs.length === 0) {
            // During preview a target group's props are its inputs: no ARN, but its name is in the ARN.
            const name = targetGroupNameFromArn(ref);
            if (name !== undefined) {
                tgs = (this.index.by("targetGroup", "name").get(name) ?? []).filter((tg) => {
                    const arn = asString(get(tg.props, "arn"));
                    return typeof arn !== "string" || arn === ref;
                });
            }
        }
        if (tgs.length > 0) return tgs.map(targetGroupCase);
        if (this.anonymousTargetGroup) {
            return [{ kind: "unknown", why: `target group ${ref} may be '${this.anonymousTargetGroup.name}', whose ARN and name are not known yet` }];
        }
        return [{ kind: "unseen", what: `target group ${ref}`, targetGroup: ref }];
    }

    /** The alarms a list of names names; `deps` (the alarms the list was built from) stand for its unknown names. */
    alarmCandidates(names: unknown, deps: readonly StackResource[], where: string): AlarmCandidate[] {
        const out: AlarmCandidate[] = [];
        const seen = new Set<string>();
        const add = (a: StackResource, isGuess: boolean) => {
            if (seen.has(a.urn)) return;
            seen.add(a.urn);
            const s = alarmSettings(a);
            if (s === UNKNOWN) out.push({ kind: "unknown", why: `the period, evaluation periods or datapoints of alarm '${displayName(a)}' are unknown` });
            else if (s !== undefined) out.push({ kind: "alarm", resource: a, settings: s, guessed: isGuess });
        };
        const fromDeps = (why: string) => {
            if (deps.length === 0) out.push({ kind: "unknown", why });
            else for (const a of deps) add(a, true);
        };
        const list = items(names);
        if (list === UNKNOWN) {
            fromDeps(`${where} are unknown`);
            return out;
        }
        let unknownName = false;
        for (const n of list) {
            if (n === UNKNOWN) {
                unknownName = true;
                continue;
            }
            if (typeof n !== "string" || n.trim() === "") continue;
            const found = this.alarmsByName.get(n) ?? [];
            if (found.length > 0) for (const a of found) add(a, false);
            else if (this.alarmNameUnknown) out.push({ kind: "unknown", why: `alarm '${n}' may be an alarm of this stack whose name is not known yet` });
            else out.push({ kind: "unseen", name: n });
        }
        if (unknownName) fromDeps(`some of ${where} are unknown`);
        return out;
    }
}

function isName(v: unknown): v is string {
    return typeof v === "string" && v.trim() !== "";
}

/** What judges the health of the service's new tasks: its target groups, or (no load balancer) its containers' health checks. */
function healthCases(svc: StackResource, env: DetectionIndex): HealthCase[] {
    const entries = loadBalancerEntries(svc.props);
    if (entries === UNKNOWN) return [{ kind: "unknown", why: "its loadBalancers are unknown" }];
    if (entries.length > 0) {
        const deps = env.index.propDeps(svc, "loadBalancers", "targetGroup");
        const out: HealthCase[] = [];
        let depsAdded = false;
        const unknownRef = (why: string) => {
            if (deps.length === 0) out.push({ kind: "unknown", why: `${why}, and it does not come from a target group of this stack` });
            else if (!depsAdded) {
                depsAdded = true;
                out.push(...deps.map(targetGroupCase));
            }
        };
        entries.forEach((e, i) => {
            if (e === UNKNOWN) return unknownRef(`load balancer entry #${i} is unknown`);
            const refs: [string, unknown][] = [["targetGroupArn", get(e, "targetGroupArn")]];
            const adv = get(e, "advancedConfiguration");
            const alt = adv === UNKNOWN ? UNKNOWN : get(adv, "alternateTargetGroupArn");
            // Native blue/green registers each release's tasks with the other group in turn.
            if (alt === UNKNOWN || isName(alt)) refs.push(["advancedConfiguration.alternateTargetGroupArn", alt]);
            for (const [key, ref] of refs) {
                if (ref === UNKNOWN) unknownRef(`the ${key} of load balancer entry #${i} is unknown`);
                else if (isName(ref)) out.push(...env.targetGroupRef(ref.trim()));
                else out.push({ kind: "unseen", what: `load balancer entry #${i}, which names no target group (\`targetGroupArn\`)` });
            }
        });
        return out;
    }
    const found = env.taskDefinitions.of(svc);
    switch (found.kind) {
        case "none": return [{ kind: "unseen", what: "a task definition (`taskDefinition` is not set) with a container health check" }];
        case "outside": return [{ kind: "unseen", what: `task definition '${found.ref}'` }];
        case "unknown": return [{ kind: "unknown", why: found.why }];
        case "inStack": return found.taskDefinitions.flatMap((td) => containerCases(td, found.guessed));
    }
}

/** Where the service's rollback alarms are, and which alarms they name. */
function alarmSources(svc: StackResource, mode: TimingMode, env: DetectionIndex): AlarmSource[] {
    if (mode !== "codedeploy") {
        const alarms = get(svc.props, "alarms");
        if (alarms === UNKNOWN) return [{ kind: "unknown", why: "its deployment alarms (`alarms`) are unknown" }];
        const named = `the alarm names of its \`alarms\``;
        if (asObject(alarms) === undefined) {
            return [{ kind: "source", label: "its deployment alarms", resource: svc, rollsBack: false, why: "it has no deployment alarms (`alarms`)", candidates: [] }];
        }
        const enable = isTrue(get(alarms, "enable"));
        const rollback = isTrue(get(alarms, "rollback"));
        const why = enable === false ? "its `alarms.enable` is not true" : rollback === false ?
            "its `alarms.rollback` is not true (an alarm then only marks the deployment failed)" : "its `alarms.enable`/`rollback` are unknown";
        return [{
            kind: "source", label: "its deployment alarms", resource: svc, rollsBack: triAnd([enable, rollback]), why,
            candidates: env.alarmCandidates(get(alarms, "alarmNames"), env.index.propDeps(svc, "alarms", "metricAlarm"), named),
        }];
    }
    const groups = env.deploymentGroups.groupsOf(svc.urn);
    if (groups.length === 0) {
        if (env.deploymentGroups.unresolved.length > 0) return [{ kind: "unknown", why: "which CodeDeploy deployment group deploys it is not known yet" }];
        return [{ kind: "unseen", what: "a CodeDeploy deployment group that deploys it (its rollback alarms are configured there)" }];
    }
    return groups.map((dg): AlarmSource => {
        const label = `deployment group '${displayName(dg, "deploymentGroupName")}'`;
        const ac = get(dg.props, "alarmConfiguration");
        if (ac === UNKNOWN) return { kind: "unknown", why: `the alarmConfiguration of ${label} is unknown` };
        if (asObject(ac) === undefined) return { kind: "source", label, resource: dg, rollsBack: false, why: `${label} has no alarmConfiguration`, candidates: [] };
        const enabled = isTrue(get(ac, "enabled"));
        const stop = autoRollbackIncludes(dg.props, "DEPLOYMENT_STOP_ON_ALARM");
        const why = enabled === false ? `the alarmConfiguration of ${label} is not enabled` : stop === false ?
            `${label} does not roll back when an alarm stops the deployment (no DEPLOYMENT_STOP_ON_ALARM in an enabled autoRollbackConfiguration)` :
            `the alarmConfiguration.enabled or autoRollbackConfiguration of ${label} is unknown`;
        return {
            kind: "source", label, resource: dg, rollsBack: triAnd([enabled, stop]), why,
            candidates: env.alarmCandidates(get(ac, "alarms"), env.index.propDeps(dg, "alarmConfiguration", "metricAlarm"), `the alarm names of ${label}`),
        };
    });
}

// ---------------------------------------------------------------------------------------------
// The assessment
// ---------------------------------------------------------------------------------------------

/** What decides the number shown for a detection. */
export interface Cause {
    inputs: TimingInputs;
    timing: Timing;
    health?: HealthCase;
    alarm?: Extract<AlarmCandidate, { kind: "alarm" }>;
}

export interface Detection {
    verdict: Verdict;
    /** The slowest value among the cases known exactly (Infinity: never); undefined when no case is. */
    seconds?: number;
    cause?: Cause;
    /** Why it is never, when `seconds` is Infinity. */
    never?: string;
    unknown: string[];
    unseen: string[];
}

class Tally {
    readonly verdicts: Verdict[] = [];
    seconds?: number;
    cause?: Cause;
    never?: string;
    readonly unknown = new Set<string>();
    readonly unseen = new Set<string>();

    add(v: Verdict, seconds?: number, cause?: Cause, never?: string) {
        this.verdicts.push(v);
        if (seconds !== undefined && (this.seconds === undefined || seconds > this.seconds)) {
            this.seconds = seconds;
            this.cause = cause;
            this.never = seconds === Infinity ? never : undefined;
        }
    }
    unknownCase(why: string) {
        this.verdicts.push("unknown");
        this.unknown.add(why);
    }
    unseenCase(what: string) {
        this.verdicts.push("unseen");
        this.unseen.add(what);
    }
    detection(combine: (vs: readonly Verdict[]) => Verdict): Detection {
        const d: Detection = { verdict: combine(this.verdicts), unknown: [...this.unknown], unseen: [...this.unseen] };
        if (this.seconds !== undefined) d.seconds = this.seconds;
        if (this.cause) d.cause = this.cause;
        if (this.never) d.never = this.never;
        return d;
    }
}

export interface ServiceAssessment {
    service: StackResource;
    mode: TimingMode;
    desiredCount: number | Unknown;
    circuitBreaker: boolean | Unknown;
    gracePeriodSeconds: number | Unknown;
    health: HealthCase[];
    alarms: AlarmSource[];
    neverStarts: Detection;
    failsHealthChecks: Detection;
    tripsAlarm: Detection;
    /** The service's verdict: the worst of its three detections. */
    verdict: Verdict;
    /** Known when everything it needs is: only feeds the model's notes. */
    bakeTimeMinutes?: number;
    codeDeploy?: TimingInputs["codeDeploy"];
}

export type Assessment =
    | { kind: "assessed"; assessment: ServiceAssessment }
    /** A controller the model does not know (EXTERNAL, …): `ecs-service-requires-rollback`'s business. */
    | { kind: "notConcerned" }
    | { kind: "modeUnknown"; why: string };

function modeOf(svc: StackResource): TimingMode | { unknown: string } | undefined {
    const controller = controllerOf(svc.props);
    if (controller === UNKNOWN) return { unknown: "its deployment controller is unknown" };
    if (controller === "CODE_DEPLOY") return "codedeploy";
    if (controller !== "ECS") return undefined;
    const strategy = strategyOf(svc.props);
    if (strategy === UNKNOWN) return { unknown: "its deploymentConfiguration.strategy is unknown" };
    if (isNativeBlueGreen(strategy)) return "bluegreen";
    const lbs = loadBalancerEntries(svc.props);
    return lbs !== UNKNOWN && lbs.length === 0 ? "worker" : "rolling";
}

/** Bake time and CodeDeploy shift/termination wait, when known (they only feed the model's notes). */
function noteInputs(svc: StackResource, mode: TimingMode, alarms: AlarmSource[], env: DetectionIndex): Pick<ServiceAssessment, "bakeTimeMinutes" | "codeDeploy"> {
    if (mode === "bluegreen") {
        const bake = numberOr(path(svc.props, "deploymentConfiguration", "bakeTimeInMinutes"), 0);
        return bake === UNKNOWN ? {} : { bakeTimeMinutes: bake };
    }
    if (mode !== "codedeploy") return {};
    const dgs = alarms.filter((a): a is Extract<AlarmSource, { kind: "source" }> => a.kind === "source").map((a) => a.resource);
    if (dgs.length !== 1) return {};
    const dg = dgs[0];
    const term = path(dg.props, "blueGreenDeploymentConfig", "terminateBlueInstancesOnDeploymentSuccess");
    const action = upperOrUndefined(get(term, "action"));
    const wait = numberOr(get(term, "terminationWaitTimeInMinutes"), 0);
    if (action === UNKNOWN || action === "KEEP_ALIVE" || wait === UNKNOWN) return {};
    let shift: number | undefined;
    const configs = env.index.propDeps(dg, "deploymentConfigName", "deploymentConfig");
    const name = asString(get(dg.props, "deploymentConfigName"));
    const custom = configs.length > 0 ? configs : typeof name === "string" ? env.index.by("deploymentConfig", "deploymentConfigName").get(name) ?? [] : [];
    if (custom.length === 1) {
        const routing = get(custom[0].props, "trafficRoutingConfig");
        const type = asString(get(routing, "type"));
        const spec = type === "TimeBasedLinear" ? get(routing, "timeBasedLinear") : get(routing, "timeBasedCanary");
        const pct = asNumber(get(spec, "percentage"));
        const interval = asNumber(get(spec, "interval"));
        if (type === "AllAtOnce") shift = 0;
        else if (typeof type === "string" && typeof pct === "number" && typeof interval === "number") shift = trafficRoutingShiftMinutes(type, pct, interval);
    } else if (typeof name === "string") {
        shift = deploymentConfigShiftMinutes(name);
    }
    return shift === undefined ? {} : { codeDeploy: { trafficShiftMinutes: shift, terminationWaitMinutes: wait } };
}

/** One service against a budget (seconds). */
export function assessService(svc: StackResource, env: DetectionIndex, budget: number): Assessment {
    const mode = modeOf(svc);
    if (mode === undefined) return { kind: "notConcerned" };
    if (typeof mode === "object") return { kind: "modeUnknown", why: mode.unknown };

    const codedeploy = mode === "codedeploy";
    const desiredCount = numberOr(get(svc.props, "desiredCount"), 0);
    const grace = numberOr(get(svc.props, "healthCheckGracePeriodSeconds"), AWS_DEFAULTS.gracePeriodSeconds);
    let breaker: boolean | Unknown = false;
    if (!codedeploy) {
        const cb = get(svc.props, "deploymentCircuitBreaker");
        breaker = cb === UNKNOWN ? UNKNOWN : asObject(cb) === undefined ? false : triAnd([isTrue(get(cb, "enable")), isTrue(get(cb, "rollback"))]);
    }
    const health = healthCases(svc, env);
    const alarms = alarmSources(svc, mode, env);
    const notes = noteInputs(svc, mode, alarms, env);

    // Unknown scalars are replaced by placeholders: a detection that depends on one is not used.
    const base: TimingInputs = {
        mode,
        desiredCount: desiredCount === UNKNOWN ? 1 : desiredCount,
        circuitBreaker: breaker === true,
        gracePeriodSeconds: grace === UNKNOWN ? 0 : grace,
        deregistrationDelaySeconds: 0,
        ...(notes.bakeTimeMinutes !== undefined ? { bakeTimeMinutes: notes.bakeTimeMinutes } : {}),
        ...(notes.codeDeploy ? { codeDeploy: notes.codeDeploy } : {}),
    };
    const inputsFor = (h: HealthCase | undefined, alarm?: AlarmSettings): TimingInputs => {
        const i: TimingInputs = { ...base };
        if (h?.kind === "targetGroup") {
            i.healthCheck = h.healthCheck;
            i.deregistrationDelaySeconds = h.deregistrationDelaySeconds;
        } else if (h?.kind === "container") {
            i.containerHealthCheck = h.containerHealthCheck;
        }
        if (alarm) i.alarm = alarm;
        return i;
    };
    /** The model for one case (no case: for what no health check or alarm decides). */
    const run = (h?: HealthCase, alarm?: Extract<AlarmCandidate, { kind: "alarm" }>): Cause => {
        const inputs = inputsFor(h, alarm?.settings);
        const c: Cause = { inputs, timing: rolloutTiming(inputs) };
        if (h) c.health = h;
        if (alarm) c.alarm = alarm;
        return c;
    };
    const isGuess = (h: HealthCase) => (h.kind === "container" || h.kind === "noHealthCheck") && h.guessed;
    const NO_BREAKER = "it has no deployment circuit breaker with rollback (`deploymentCircuitBreaker: { enable: true, rollback: true }`): " +
        "a version whose tasks never start or fail their health checks is retried for hours, never rolled back";

    // A version whose tasks never start.
    const ns = new Tally();
    if (codedeploy) {
        const c = run();
        ns.add(classify(c.timing.neverStarts, budget), c.timing.neverStarts, c);
    } else if (breaker === false) {
        ns.add("exceeds", Infinity, undefined, NO_BREAKER);
    } else if (breaker === UNKNOWN || desiredCount === UNKNOWN) {
        ns.unknownCase(breaker === UNKNOWN ? "its deploymentCircuitBreaker is unknown" : "its desiredCount is unknown");
    } else {
        const c = run();
        ns.add(classify(c.timing.neverStarts, budget), c.timing.neverStarts, c);
    }

    // … whose tasks start but fail their health checks.
    const fh = new Tally();
    if (codedeploy) {
        const c = run();
        fh.add(classify(c.timing.failsHealthChecks, budget), c.timing.failsHealthChecks, c);
    } else if (breaker === false) {
        fh.add("exceeds", Infinity, undefined, NO_BREAKER);
    } else if (breaker === UNKNOWN || desiredCount === UNKNOWN || grace === UNKNOWN) {
        fh.unknownCase(breaker === UNKNOWN ? "its deploymentCircuitBreaker is unknown" : desiredCount === UNKNOWN ? "its desiredCount is unknown" : "its healthCheckGracePeriodSeconds is unknown");
    } else {
        for (const h of health) {
            if (h.kind === "unknown") fh.unknownCase(h.why);
            else if (h.kind === "unseen") fh.unseenCase(h.what);
            else {
                const c = run(h);
                const v = classify(c.timing.failsHealthChecks, budget);
                fh.add(isGuess(h) ? guessed(v) : v, c.timing.failsHealthChecks ?? Infinity, c,
                    "no health check judges its tasks: no target group, and no essential container with a health check (`healthCheck.command`)");
            }
        }
    }

    // … that passes its health checks but trips a rollback alarm.
    const ta = new Tally();
    for (const s of alarms) {
        if (s.kind === "unknown") {
            ta.unknownCase(s.why);
            continue;
        }
        if (s.kind === "unseen") {
            ta.unseenCase(s.what);
            continue;
        }
        if (s.rollsBack === false || (s.rollsBack === true && s.candidates.length === 0)) {
            const why = s.rollsBack === false ? s.why : s.resource === svc ? "its `alarms.alarmNames` names no alarm" : `${s.label} names no alarm`;
            ta.add("exceeds", Infinity, undefined, `no rollback alarm: ${why}, so a version that passes its health checks but serves errors is never rolled back`);
            continue;
        }
        if (s.rollsBack === UNKNOWN) {
            ta.unknownCase(s.why);
            continue;
        }
        for (const h of health) {
            if (h.kind === "unknown") {
                ta.unknownCase(h.why);
                continue;
            }
            if (h.kind === "unseen") {
                ta.unseenCase(h.what);
                continue;
            }
            // The fastest of the alarms decides.
            const inner: Verdict[] = [];
            let best: { seconds: number; cause: Cause } | undefined;
            for (const a of s.candidates) {
                if (a.kind === "unknown") {
                    inner.push("unknown");
                    ta.unknown.add(a.why);
                } else if (a.kind === "unseen") {
                    inner.push("unseen");
                    ta.unseen.add(`alarm '${a.name}' (${s.label === "its deployment alarms" ? "named in its `alarms`" : `named by ${s.label}`})`);
                } else {
                    const c = run(h, a);
                    const t = c.timing.tripsAlarm ?? Infinity;
                    const v = classify(c.timing.tripsAlarm, budget);
                    inner.push(a.guessed ? guessed(v) : v);
                    if (!best || t < best.seconds) best = { seconds: t, cause: c };
                }
            }
            const v = fastestOf(inner);
            ta.verdicts.push(isGuess(h) ? guessed(v) : v);
            if (best && (ta.seconds === undefined || best.seconds > ta.seconds)) {
                ta.seconds = best.seconds;
                ta.cause = best.cause;
                ta.never = undefined;
            }
        }
    }

    const neverStarts = ns.detection(worstOf);
    const failsHealthChecks = fh.detection(worstOf);
    const tripsAlarm = ta.detection(worstOf);
    return {
        kind: "assessed",
        assessment: {
            service: svc, mode, desiredCount, circuitBreaker: codedeploy ? false : breaker, gracePeriodSeconds: grace, health, alarms,
            neverStarts, failsHealthChecks, tripsAlarm,
            verdict: worstOf([neverStarts.verdict, failsHealthChecks.verdict, tripsAlarm.verdict]),
            ...notes,
        },
    };
}

/** The worst detection with AWS's defaults in place of the target groups this stack does not declare (for the message). */
export function withDefaultsForUnseenTargetGroups(a: ServiceAssessment): number | undefined {
    if (!a.health.some((h) => h.kind === "unseen" && h.targetGroup)) return undefined;
    if (a.desiredCount === UNKNOWN || a.circuitBreaker === UNKNOWN || a.gracePeriodSeconds === UNKNOWN) return undefined;
    let alarm: AlarmSettings | undefined;
    for (const s of a.alarms) {
        if (s.kind !== "source" || s.rollsBack !== true) continue;
        for (const c of s.candidates) if (c.kind === "alarm" && (!alarm || alarmDetection(c.settings) < alarmDetection(alarm))) alarm = c.settings;
    }
    const t = rolloutTiming({
        mode: a.mode,
        desiredCount: a.desiredCount,
        circuitBreaker: a.circuitBreaker,
        gracePeriodSeconds: a.gracePeriodSeconds,
        healthCheck: { ...AWS_DEFAULTS.healthCheck },
        deregistrationDelaySeconds: AWS_DEFAULTS.deregistrationDelaySeconds,
        ...(alarm ? { alarm } : {}),
    });
    return t.worstDetection === undefined || t.neverStarts === undefined || t.failsHealthChecks === undefined || t.tripsAlarm === undefined ? Infinity : t.worstDetection;
}
