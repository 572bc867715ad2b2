/**
 * Plain reference checks for the resource-level rules of the policy pack (and the stack rule that
 * joins a service to its task definition), written from the policies'
 * descriptions and the domain brief, and deliberately independent of `policies/lib` (no `get`,
 * `asBool`, `controllerOf`...): a property test compares the rules with these.
 *
 * Each check is three-valued: "pass", "fail", or "unknown" when the verdict depends on a value that
 * is unknown during preview. The semantics every check shares, stated once:
 *
 * - Unknown: any of the seven Pulumi unknown sentinels, wherever it appears (also inside a parsed
 *   JSON document). Reading a property of an unknown value is unknown.
 * - Missing, null and wrongly typed values are "not set": the provider would refuse a wrongly typed
 *   value, so it never deploys anything the policy would have to trust.
 * - Booleans: `true`/`false`, and strings that spell them (any case, surrounding blanks). A provider
 *   either reads such a string as that boolean or refuses it; none reads "TRUE" as false, so reading
 *   it leniently never passes a resource AWS would run without the setting. "1" and "yes" are not
 *   booleans.
 * - Numbers: finite numbers, and strings in decimal notation (surrounding blanks allowed), as
 *   Terraform's string-to-number conversion reads them: "0x3c" is not sixty.
 * - Enum values (controller, strategy, protocol, target type, action, events): compared trimmed and
 *   case-insensitively, for the same reason as booleans.
 * - Lists: an array's elements; a lone value is a list of one (IAM documents allow both); absent or
 *   null is empty. An unknown element exists, only its value is unknown.
 * - Three-valued logic throughout: a known failure decides next to unknowns ("enable: false" fails
 *   whatever "rollback" is), and while it is unknown whether a rule concerns the resource at all (an
 *   unknown ecsService, target type, health check switch), what would fail is unknown.
 */

export type Verdict = "pass" | "fail" | "unknown";

/** The Pulumi unknown sentinels (bool, number, string — what the engine sends —, array, asset, archive, object). */
export const UNKNOWN_SENTINELS: readonly string[] = [
    "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7",
    "3eeb2bf0-c639-47a8-9e75-3b44932eb421",
    "04da6b54-80e4-46f7-96ec-b56ff0331ba9",
    "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2",
    "030794c1-ac77-496b-92df-f27374a8bd58",
    "e48ece36-62e2-4504-bad9-02848725956a",
    "dd056dcd-154b-4c76-9bd3-c8f88648b5ff",
];

/** A value the reference cannot know yet (a symbol: a property may well hold the string "unknown"). */
const UNKNOWN: unique symbol = Symbol("reference.unknown");
type Unknown = typeof UNKNOWN;
type Tri = boolean | Unknown;

function isUnknown(v: unknown): boolean {
    return v === UNKNOWN || (typeof v === "string" && UNKNOWN_SENTINELS.includes(v));
}

/** True when an unknown sentinel appears anywhere in `v`, also inside a string (a JSON document). */
export function containsUnknown(v: unknown): boolean {
    const pending: unknown[] = [v];
    while (pending.length > 0) {
        const x = pending.pop();
        if (typeof x === "string" && UNKNOWN_SENTINELS.some((u) => x.includes(u))) return true;
        if (Array.isArray(x)) pending.push(...x);
        else if (x !== null && typeof x === "object") pending.push(...Object.values(x));
    }
    return false;
}

function isObject(v: unknown): v is Record<string, unknown> {
    return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** `o.key` of a plain object; unknown when `o` is; undefined otherwise. */
function field(o: unknown, key: string): unknown {
    if (isUnknown(o)) return UNKNOWN;
    if (!isObject(o) || !Object.prototype.hasOwnProperty.call(o, key)) return undefined;
    const v = o[key];
    return isUnknown(v) ? UNKNOWN : v;
}

function bool(v: unknown): boolean | Unknown | undefined {
    if (isUnknown(v)) return UNKNOWN;
    if (typeof v === "boolean") return v;
    if (typeof v === "string") {
        const s = v.trim().toLowerCase();
        if (s === "true") return true;
        if (s === "false") return false;
    }
    return undefined;
}

const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

function num(v: unknown): number | Unknown | undefined {
    if (isUnknown(v)) return UNKNOWN;
    if (typeof v === "number") return Number.isFinite(v) ? v : undefined;
    if (typeof v === "string" && DECIMAL.test(v.trim())) {
        const n = parseFloat(v.trim());
        return Number.isFinite(n) ? n : undefined;
    }
    return undefined;
}

/** An enum value, trimmed and upper-cased; "" when blank. */
function enumValue(v: unknown): string | Unknown | undefined {
    if (isUnknown(v)) return UNKNOWN;
    return typeof v === "string" ? v.trim().toUpperCase() : undefined;
}

function list(v: unknown): unknown[] | Unknown {
    if (isUnknown(v)) return UNKNOWN;
    if (v === undefined || v === null) return [];
    return (Array.isArray(v) ? v : [v]).map((x) => (isUnknown(x) ? UNKNOWN : x));
}

function and(...values: Tri[]): Tri {
    if (values.includes(false)) return false;
    return values.includes(UNKNOWN) ? UNKNOWN : true;
}

function or(...values: Tri[]): Tri {
    if (values.includes(true)) return true;
    return values.includes(UNKNOWN) ? UNKNOWN : false;
}

function not(v: Tri): Tri {
    return v === UNKNOWN ? UNKNOWN : !v;
}

/** The value is (a spelling of) `true`. */
function isTrue(v: unknown): Tri {
    const b = bool(v);
    return b === UNKNOWN ? UNKNOWN : b === true;
}

function verdict(ok: Tri): Verdict {
    return ok === UNKNOWN ? "unknown" : ok ? "pass" : "fail";
}

/** At least one element satisfies `f`. */
function some<T>(xs: readonly T[] | Unknown, f: (x: T) => Tri): Tri {
    return xs === UNKNOWN ? UNKNOWN : or(...xs.map(f));
}

/** Every element satisfies `f`. */
function every<T>(xs: readonly T[] | Unknown, f: (x: T) => Tri): Tri {
    return xs === UNKNOWN ? UNKNOWN : and(...xs.map(f));
}

/** Only a rule whose subject is certain can fail: `applies` unknown turns a failure into unknown. */
function when(applies: Tri, ok: Tri): Tri {
    return or(not(applies), ok);
}

/** A list of alarm names holding at least one non-blank name (an unknown element may be one). */
function namesAnAlarm(v: unknown): Tri {
    return some(list(v), (x) => (x === UNKNOWN ? UNKNOWN : typeof x === "string" && x.trim() !== ""));
}

// ---------------------------------------------------------------------------------------------
// ECS services
// ---------------------------------------------------------------------------------------------

/** `deploymentController.type`: omitted, blank or not a string means ECS (AWS's default). */
function controller(props: unknown): string | Unknown {
    const dc = field(props, "deploymentController");
    if (dc === UNKNOWN) return UNKNOWN;
    const type = enumValue(field(dc, "type"));
    if (type === UNKNOWN) return UNKNOWN;
    return type === undefined || type === "" ? "ECS" : type;
}

/** `deploymentConfiguration.strategy`: omitted, blank or not a string means ROLLING (AWS's default). */
function strategy(props: unknown): string | Unknown {
    const s = enumValue(field(field(props, "deploymentConfiguration"), "strategy"));
    if (s === UNKNOWN) return UNKNOWN;
    return s === undefined || s === "" ? "ROLLING" : s;
}

function controllerIs(props: unknown, wanted: string): Tri {
    const c = controller(props);
    return c === UNKNOWN ? UNKNOWN : c === wanted;
}

/**
 * The service's load balancer entries: the objects of `loadBalancers`, and its unknown elements (an
 * element that exists is an entry, whatever it turns out to hold). Other values are no entry.
 */
function loadBalancerEntries(props: unknown): unknown[] | Unknown {
    const lbs = list(field(props, "loadBalancers"));
    if (lbs === UNKNOWN) return UNKNOWN;
    return lbs.filter((x) => x === UNKNOWN || isObject(x));
}

/**
 * ecs-service-requires-rollback, resource part: the ECS controller needs a circuit breaker with
 * enable and rollback; CODE_DEPLOY is left to the stack part; EXTERNAL and unrecognised controllers fail.
 */
export function serviceRollback(props: unknown): Verdict {
    const c = controller(props);
    if (c === UNKNOWN) return "unknown";
    if (c === "CODE_DEPLOY") return "pass";
    if (c !== "ECS") return "fail";
    const cb = field(props, "deploymentCircuitBreaker");
    if (cb === UNKNOWN) return "unknown";
    if (!isObject(cb)) return "fail";
    return verdict(and(isTrue(field(cb, "enable")), isTrue(field(cb, "rollback"))));
}

/** circuit-breaker-requires-ecs-controller: an enabled circuit breaker on any controller but ECS fails. */
export function circuitBreakerController(props: unknown): Verdict {
    const enabled = isTrue(field(field(props, "deploymentCircuitBreaker"), "enable"));
    return verdict(not(and(not(controllerIs(props, "ECS")), enabled)));
}

/** ecs-health-check-grace-period: a service with a load balancer entry needs a grace period > 0. */
export function healthCheckGracePeriod(props: unknown): Verdict {
    const lbs = loadBalancerEntries(props);
    const behindLoadBalancer: Tri = lbs === UNKNOWN ? UNKNOWN : lbs.length > 0;
    const grace = num(field(props, "healthCheckGracePeriodSeconds"));
    const ok: Tri = grace === UNKNOWN ? UNKNOWN : grace !== undefined && grace > 0;
    return verdict(when(behindLoadBalancer, ok));
}

/**
 * ecs-rolling-alarm-rollback: a rolling service (ECS controller, ROLLING strategy — the default)
 * has deployment alarms with enable, rollback and at least one alarm name.
 */
export function rollingAlarmRollback(props: unknown): Verdict {
    const s = strategy(props);
    const rolling = and(controllerIs(props, "ECS"), s === UNKNOWN ? UNKNOWN : s === "ROLLING");
    const alarms = field(props, "alarms");
    let ok: Tri;
    if (alarms === UNKNOWN) ok = UNKNOWN;
    else if (!isObject(alarms)) ok = false;
    else {
        ok = and(isTrue(field(alarms, "enable")), isTrue(field(alarms, "rollback")), namesAnAlarm(field(alarms, "alarmNames")));
    }
    return verdict(when(rolling, ok));
}

/**
 * ecs-blue-green-bake-time: ECS native blue/green (BLUE_GREEN, LINEAR, CANARY on the ECS controller)
 * has a bake time > 0 and an alternate target group on every load balancer entry.
 */
export function blueGreenBakeTime(props: unknown): Verdict {
    const s = strategy(props);
    const nativeBlueGreen = and(controllerIs(props, "ECS"), s === UNKNOWN ? UNKNOWN : ["BLUE_GREEN", "LINEAR", "CANARY"].includes(s));
    const bake = num(field(field(props, "deploymentConfiguration"), "bakeTimeInMinutes"));
    const bakes: Tri = bake === UNKNOWN ? UNKNOWN : bake !== undefined && bake > 0;
    const alternates = every(loadBalancerEntries(props), (lb): Tri => {
        const arn = field(field(lb, "advancedConfiguration"), "alternateTargetGroupArn");
        return arn === UNKNOWN ? UNKNOWN : typeof arn === "string" && arn.trim() !== "";
    });
    return verdict(when(nativeBlueGreen, and(bakes, alternates)));
}

// ---------------------------------------------------------------------------------------------
// CodeDeploy deployment groups
// ---------------------------------------------------------------------------------------------

/** The resource parts look at deployment groups with an `ecsService` (any non-null value). */
function deploysToEcs(props: unknown): Tri {
    const e = field(props, "ecsService");
    return e === UNKNOWN ? UNKNOWN : e !== undefined && e !== null;
}

/** codedeploy-requires-alarms, resource part: enabled alarms naming one, and rollback on DEPLOYMENT_STOP_ON_ALARM. */
export function deploymentGroupAlarms(props: unknown): Verdict {
    const ac = field(props, "alarmConfiguration");
    let alarmsWatch: Tri;
    if (ac === UNKNOWN) alarmsWatch = UNKNOWN;
    else if (!isObject(ac)) alarmsWatch = false;
    else {
        alarmsWatch = and(isTrue(field(ac, "enabled")), namesAnAlarm(field(ac, "alarms")));
    }
    const arc = field(props, "autoRollbackConfiguration");
    let rollsBackOnAlarm: Tri;
    if (arc === UNKNOWN) rollsBackOnAlarm = UNKNOWN;
    else if (!isObject(arc)) rollsBackOnAlarm = false;
    else {
        rollsBackOnAlarm = and(isTrue(field(arc, "enabled")),
            some(list(field(arc, "events")), (e) => (e === UNKNOWN ? UNKNOWN : enumValue(e) === "DEPLOYMENT_STOP_ON_ALARM")));
    }
    return verdict(when(deploysToEcs(props), and(alarmsWatch, rollsBackOnAlarm)));
}

/**
 * codedeploy-termination-wait: blue tasks are kept (KEEP_ALIVE) or terminated no sooner than
 * `minimumMinutes` after the switch; an unset wait is 0.
 */
export function terminationWait(props: unknown, minimumMinutes = 5): Verdict {
    const term = field(field(props, "blueGreenDeploymentConfig"), "terminateBlueInstancesOnDeploymentSuccess");
    const action = enumValue(field(term, "action"));
    const wait = num(field(term, "terminationWaitTimeInMinutes"));
    const keepsBlue: Tri = action === UNKNOWN ? UNKNOWN : action === "KEEP_ALIVE";
    const waitsLongEnough: Tri = wait === UNKNOWN ? UNKNOWN : (wait ?? 0) >= minimumMinutes;
    return verdict(when(deploysToEcs(props), or(keepsBlue, waitsLongEnough)));
}

// ---------------------------------------------------------------------------------------------
// Target groups
// ---------------------------------------------------------------------------------------------

const NON_HTTP_PROTOCOLS = ["TCP", "TLS", "UDP", "TCP_UDP", "GENEVE"];

/**
 * HTTP/HTTPS target groups are concerned: lambda targets never; a non-HTTP protocol not; HTTP,
 * HTTPS, and an omitted (or blank, or wrongly typed) protocol on a non-lambda target group are.
 * Any other protocol string is not HTTP either.
 */
function isHttp(props: unknown): Tri {
    const targetType = enumValue(field(props, "targetType"));
    const protocol = enumValue(field(props, "protocol"));
    const lambda: Tri = targetType === UNKNOWN ? UNKNOWN : targetType === "LAMBDA";
    if (protocol === "HTTP" || protocol === "HTTPS") return not(lambda);
    if (protocol === UNKNOWN) return lambda === true ? false : UNKNOWN;
    if (protocol !== undefined && protocol !== "") return false;
    return not(lambda);
}

function healthCheckEnabled(hc: unknown): Tri {
    const enabled = bool(field(hc, "enabled"));
    return enabled === UNKNOWN ? UNKNOWN : enabled !== false; // AWS's default: enabled
}

/** target-group-health-check-path: an enabled health check whose path is explicit and starts with "/". */
export function targetGroupHealthCheck(props: unknown): Verdict {
    const hc = field(props, "healthCheck");
    let ok: Tri;
    if (hc === UNKNOWN) ok = UNKNOWN;
    else if (!isObject(hc)) ok = false;
    else {
        const p = field(hc, "path");
        const explicitPath: Tri = p === UNKNOWN ? UNKNOWN : typeof p === "string" && p.trim() !== "" && p.startsWith("/");
        ok = and(healthCheckEnabled(hc), explicitPath);
    }
    return verdict(when(isHttp(props), ok));
}

/**
 * target-group-dedicated-health-path: an enabled health check does not probe "/" (or, when
 * `allowedPaths` is configured, probes one of them). A missing path is the other policy's business.
 */
export function dedicatedHealthPath(props: unknown, allowedPaths: readonly string[] = []): Verdict {
    const hc = field(props, "healthCheck");
    const p = field(hc, "path");
    let dedicated: Tri;
    if (p === UNKNOWN) dedicated = UNKNOWN;
    else if (typeof p !== "string" || p === "") dedicated = true;
    else dedicated = allowedPaths.length > 0 ? allowedPaths.includes(p) : p !== "/";
    return verdict(when(and(isHttp(props), healthCheckEnabled(hc)), dedicated));
}

// ---------------------------------------------------------------------------------------------
// SNS topic policies
// ---------------------------------------------------------------------------------------------

const PINNING_KEYS = ["aws:sourceaccount", "aws:sourceowner", "aws:principalaccount", "aws:principalorgid", "aws:sourcearn", "aws:sourceorgid"];

/** A condition value that names one account, organisation or source: no wildcard (in an ARN, none in its account). */
function pins(v: unknown): Tri {
    if (v === UNKNOWN) return UNKNOWN;
    if (typeof v === "number") return Number.isFinite(v);
    if (typeof v !== "string" || v.trim() === "") return false;
    const s = v.trim();
    const wildcard = (x: string) => x.includes("*") || x.includes("?");
    if (s.startsWith("arn:")) {
        const account = s.split(":")[4] ?? "";
        return account !== "" && !wildcard(account);
    }
    return !wildcard(s);
}

/**
 * A positive condition operator (not a negation, not IfExists, not ForAllValues — true when the key
 * is absent —, not Null or Bool) on a pinning key whose values all pin.
 */
function conditionPins(cond: unknown): Tri {
    if (cond === UNKNOWN) return UNKNOWN;
    if (!isObject(cond)) return false;
    return or(...Object.keys(cond).map((op): Tri => {
        const o = op.toLowerCase();
        if (o.includes("not") || o.endsWith("ifexists") || o.startsWith("forallvalues:") || o === "null" || o === "bool") return false;
        const block = field(cond, op);
        if (block === UNKNOWN) return UNKNOWN;
        if (!isObject(block)) return false;
        return or(...Object.keys(block).map((key): Tri => {
            if (!PINNING_KEYS.includes(key.toLowerCase())) return false;
            const values = list(field(block, key));
            if (values !== UNKNOWN && values.length === 0) return false;
            return every(values, pins);
        }));
    }));
}

/** Principal "*" (also in a list, under any principal type) or any NotPrincipal: everyone. */
function everyone(statement: unknown): Tri {
    const notPrincipal = field(statement, "NotPrincipal");
    if (notPrincipal !== undefined && notPrincipal !== null) return true;
    const p = field(statement, "Principal");
    if (p === UNKNOWN) return UNKNOWN;
    if (typeof p === "string") return p.trim() === "*";
    if (!isObject(p)) return false;
    return or(...Object.keys(p).map((type) => some(list(field(p, type)), (x) => (x === UNKNOWN ? UNKNOWN : typeof x === "string" && x.trim() === "*"))));
}

function isPublic(statement: unknown): Tri {
    const effect = field(statement, "Effect");
    const allow: Tri = effect === UNKNOWN ? UNKNOWN : typeof effect === "string" && effect.trim().toLowerCase() === "allow";
    return and(allow, everyone(statement), not(conditionPins(field(statement, "Condition"))));
}

/**
 * sns-topic-policy-not-public: no Allow statement for everyone without a pinning condition. The
 * policy is a JSON string or an object; blank means none; a document that is not JSON is AWS's
 * to refuse (the rule leaves a note), so it passes here.
 */
export function topicPolicyNotPublic(props: unknown): Verdict {
    const policy = field(props, "policy");
    if (policy === UNKNOWN) return "unknown";
    let doc: unknown;
    if (typeof policy === "string") {
        if (policy.trim() === "") return "pass";
        try {
            doc = JSON.parse(policy);
        } catch {
            return "pass";
        }
    } else if (policy !== null && typeof policy === "object") {
        doc = policy;
    } else {
        return "pass";
    }
    const statements = isUnknown(doc) ? UNKNOWN : list(field(doc, "Statement"));
    return verdict(not(some(statements, isPublic)));
}

// ---------------------------------------------------------------------------------------------
// ECS task definitions
// ---------------------------------------------------------------------------------------------

/**
 * The container definitions of a task definition: a JSON string (blank: none; not JSON: "invalid",
 * which AWS refuses and no policy judges), or an already parsed document. The parsed document is a
 * list of containers (a lone value a list of one); its objects are containers, and so are its
 * unknown elements. Any other type is no container.
 */
function containers(props: unknown): unknown[] | Unknown | "invalid" {
    const cd = field(props, "containerDefinitions");
    if (cd === UNKNOWN) return UNKNOWN;
    let doc: unknown;
    if (typeof cd === "string") {
        if (cd.trim() === "") return [];
        try {
            doc = JSON.parse(cd);
        } catch {
            return "invalid";
        }
    } else if (cd !== null && typeof cd === "object") {
        doc = cd;
    } else {
        return [];
    }
    const all = list(doc);
    return all === UNKNOWN ? UNKNOWN : all.filter((c) => c === UNKNOWN || isObject(c));
}

/** A container is essential unless `essential` is (a spelling of) false: ECS's default is true. */
function essential(container: unknown): Tri {
    const e = bool(field(container, "essential"));
    return e === UNKNOWN ? UNKNOWN : e !== false;
}

/** `healthCheck.command` is CMD or CMD-SHELL (an enum value) followed by at least one non-blank string. */
function healthCheckCommand(container: unknown): Tri {
    const hc = field(container, "healthCheck");
    if (hc === UNKNOWN) return UNKNOWN;
    if (!isObject(hc)) return false;
    const cmd = list(field(hc, "command"));
    if (cmd === UNKNOWN) return UNKNOWN;
    const [kind, ...args] = cmd;
    const k = enumValue(kind);
    if (k === UNKNOWN) return UNKNOWN;
    if (k !== "CMD" && k !== "CMD-SHELL") return false;
    return some(args, (a) => (a === UNKNOWN ? UNKNOWN : typeof a === "string" && a.trim() !== ""));
}

/** Some essential container has a health check command; invalid JSON never decides. */
function containerHealthChecked(tdProps: unknown): Tri {
    const cs = containers(tdProps);
    if (cs === "invalid") return UNKNOWN;
    return some(cs, (c) => and(essential(c), healthCheckCommand(c)));
}

/** A task definition of the stack, for the stack rule's reference. */
export interface TaskDefinitionNode {
    urn: string;
    props: unknown;
}

/** A service and the stack's task definitions; the URNs its `taskDefinition` property and the service depend on. */
export interface ServiceInStack {
    props: unknown;
    taskDefinitionDependencies: readonly string[];
    dependencies: readonly string[];
    taskDefinitions: readonly TaskDefinitionNode[];
}

/** `arn:…:task-definition/family[:revision]`, `family:revision` or `family` (family: no ':' or '/'); undefined names none. */
function taskDefinitionRef(value: string): { family: string; revision?: number; arnBase?: string } | undefined {
    const v = value.trim();
    const m = /^(arn:.*?:task-definition\/)?([^:/]+)(?::(\d+))?$/.exec(v);
    if (v.startsWith("arn:") && !m?.[1]) return undefined;
    if (!m) return undefined;
    return { family: m[2], revision: m[3] === undefined ? undefined : Number(m[3]), arnBase: m[1] === undefined ? undefined : m[1] + m[2] };
}

/** Nothing known about the task definition (revision; ARN without revision, or ARN minus its revision) contradicts the reference. */
function compatibleWith(td: TaskDefinitionNode, ref: { revision?: number; arnBase?: string }): boolean {
    const rev = num(field(td.props, "revision"));
    if (ref.revision !== undefined && typeof rev === "number" && rev !== ref.revision) return false;
    if (ref.arnBase !== undefined) {
        const base = field(td.props, "arnWithoutRevision");
        const arn = field(td.props, "arn");
        const known = typeof base === "string" && base.trim() !== "" ? base.trim()
            : typeof arn === "string" && arn.trim() !== "" ? arn.trim().replace(/:\d+$/, "") : undefined;
        if (known !== undefined && known !== ref.arnBase) return false;
    }
    return true;
}

/**
 * ecs-service-without-load-balancer-health-check: a service with no load balancer entry runs a task
 * definition of the stack in which an essential container has a health check command.
 *
 * Which task definition: those its `taskDefinition` property depends on; else, for a known
 * reference, the task definitions of its family that nothing known contradicts — none, while one
 * whose family is unknown might be it, is unknown; none at all is a task definition outside the
 * stack, which fails (it cannot be checked); an unknown reference is decided only when the service
 * depends on exactly one task definition, and then only a pass (a guess never fails); no reference
 * fails. Several candidates decide only when they agree.
 */
export function serviceWithoutLoadBalancerHealthCheck(s: ServiceInStack): Verdict {
    const lbs = loadBalancerEntries(s.props);
    const withoutLoadBalancer: Tri = lbs === UNKNOWN ? UNKNOWN : lbs.length === 0;
    const agreeing = (tds: readonly TaskDefinitionNode[]): Tri => {
        const vs = tds.map((td) => containerHealthChecked(td.props));
        return vs.every((v) => v === true) ? true : vs.every((v) => v === false) ? false : UNKNOWN;
    };
    const join = taskDefinitionsOf(s);
    let ok: Tri;
    switch (join.kind) {
        case "inStack": ok = join.guessed ? (containerHealthChecked(join.taskDefinitions[0].props) === true ? true : UNKNOWN) : agreeing(join.taskDefinitions); break;
        case "unknown": ok = UNKNOWN; break;
        case "outside": case "none": ok = false; break;
    }
    return verdict(when(withoutLoadBalancer, ok));
}

/**
 * Which task definitions of the stack a service runs: those its `taskDefinition` property depends
 * on; else, for a known reference, those of its family that nothing known contradicts (none, while
 * one whose family is unknown might be it: unknown; none at all: outside the stack); an unknown
 * reference is a guess when the service depends on exactly one task definition, else unknown; no
 * reference (or one that names no task definition) is none / outside.
 */
function taskDefinitionsOf(s: ServiceInStack):
    | { kind: "inStack"; taskDefinitions: TaskDefinitionNode[]; guessed: boolean }
    | { kind: "unknown" | "outside" | "none" } {
    const fromProperty = s.taskDefinitions.filter((td) => s.taskDefinitionDependencies.includes(td.urn));
    if (fromProperty.length > 0) return { kind: "inStack", taskDefinitions: fromProperty, guessed: false };
    const ref = field(s.props, "taskDefinition");
    if (ref === UNKNOWN) {
        const deps = s.taskDefinitions.filter((td) => s.dependencies.includes(td.urn));
        return deps.length === 1 ? { kind: "inStack", taskDefinitions: deps, guessed: true } : { kind: "unknown" };
    }
    if (typeof ref !== "string" || ref.trim() === "") return { kind: "none" };
    const parsed = taskDefinitionRef(ref);
    if (parsed === undefined) return { kind: "outside" };
    const family = (td: TaskDefinitionNode) => field(td.props, "family");
    const exact = s.taskDefinitions.filter((td) => family(td) === parsed.family && compatibleWith(td, parsed));
    if (exact.length > 0) return { kind: "inStack", taskDefinitions: exact, guessed: false };
    return s.taskDefinitions.some((td) => family(td) === UNKNOWN && compatibleWith(td, parsed)) ? { kind: "unknown" } : { kind: "outside" };
}

/** Secret-looking: upper-cased, letters and digits only, it contains one of these. */
const SECRET_MARKERS = ["PASSWORD", "PASSWD", "SECRET", "TOKEN", "APIKEY", "PRIVATEKEY", "CREDENTIAL"];

/**
 * ecs-task-definition-no-plaintext-secrets: no container's `environment` entry has a secret-looking
 * name (not in `allowedNames`) and a literal value: a non-blank string that is not an ARN.
 * Entries that are not objects are no entries; invalid JSON never decides.
 */
export function noPlaintextSecrets(props: unknown, allowedNames: readonly string[] = []): Verdict {
    const cs = containers(props);
    if (cs === "invalid") return "unknown";
    const leaks = (entry: unknown): Tri => {
        const name = field(entry, "name");
        const value = field(entry, "value");
        const secretName: Tri = name === UNKNOWN ? UNKNOWN
            : typeof name === "string" && !allowedNames.includes(name) && SECRET_MARKERS.some((m) => name.toUpperCase().replace(/[^A-Z0-9]/g, "").includes(m));
        const literal: Tri = value === UNKNOWN ? UNKNOWN : typeof value === "string" && value.trim() !== "" && !value.trim().startsWith("arn:");
        return and(secretName, literal);
    };
    return verdict(not(some(cs, (c) => some(list(field(c, "environment")), leaks))));
}

// ---------------------------------------------------------------------------------------------
// Rollback detection budget
// ---------------------------------------------------------------------------------------------

/** A resource of a generated stack, as the engine records it. */
export interface StackNode {
    urn: string;
    type: string;
    props: unknown;
    dependencies: readonly string[];
    propertyDependencies: Readonly<Record<string, readonly string[]>>;
}

const TARGET_GROUP_TYPES = ["aws:lb/targetGroup:TargetGroup", "aws:alb/targetGroup:TargetGroup",
    "aws:elasticloadbalancingv2/targetGroup:TargetGroup", "aws:applicationloadbalancing/targetGroup:TargetGroup"];

/**
 * What each detection time (or case of one) is against the budget: known within it, known over it
 * (or never), unknown during preview, or depending on a resource the stack does not declare.
 */
type Class = "fits" | "exceeds" | "unknown" | "unseen";
const WORST_FIRST: readonly Class[] = ["exceeds", "unseen", "unknown", "fits"];
/** The slowest of several cases decides. */
function slowest(cs: readonly Class[]): Class {
    return WORST_FIRST.find((c) => cs.includes(c)) ?? "fits";
}
/** The fastest alarm decides; no alarm at all never detects. */
function fastest(cs: readonly Class[]): Class {
    return (["fits", "unknown", "unseen"] as const).find((c) => cs.includes(c)) ?? "exceeds";
}
/** A case found by guessing can pass, not fail. */
function guess(c: Class): Class {
    return c === "fits" ? "fits" : "unknown";
}

function nameOf(v: unknown): v is string {
    return typeof v === "string" && v.trim() !== "";
}

/** Positive numbers only: zero, negative or not a number is not set. */
function positive(v: unknown): number | Unknown | undefined {
    const n = num(v);
    return n === UNKNOWN ? UNKNOWN : n !== undefined && n > 0 ? n : undefined;
}

/** A number setting, or its default when not set. */
function setting(v: unknown, fallback: number): number | Unknown {
    const n = num(v);
    return n === UNKNOWN ? UNKNOWN : n ?? fallback;
}

type TargetGroupCheck = { interval: number; timeout: number; unhealthy: number; deregistration: number };
type ContainerCheck = { interval: number; timeout: number; retries: number; startPeriod: number };
/** What judges a new task: a target group, a container's health check, nothing ("none"), or a case not known / not in the stack. */
type Health =
    | { kind: "tg"; check: TargetGroupCheck }
    | { kind: "container"; check: ContainerCheck; guessed: boolean }
    | { kind: "none"; guessed: boolean }
    | { kind: "unknown" }
    | { kind: "unseen" };
type AlarmWindow = { period: number; datapoints: number };
type Candidate = { kind: "alarm"; window: AlarmWindow; guessed: boolean } | { kind: "unknown" } | { kind: "unseen" };
type Source = { kind: "source"; rollsBack: Tri; candidates: Candidate[] } | { kind: "unknown" } | { kind: "unseen" };

/**
 * A target group's health check as the provider creates it: no healthCheck block (not an object)
 * gets AWS's API defaults (interval 30 s, timeout 5 s, unhealthy threshold 2); a block that leaves
 * a field out gets the provider's (interval 30 s, threshold 3) and AWS's 5 s timeout; the
 * deregistration delay defaults to 300 s.
 */
function targetGroupHealth(tg: StackNode): Health {
    const hc = field(tg.props, "healthCheck");
    const deregistration = setting(field(tg.props, "deregistrationDelay"), 300);
    if (hc === UNKNOWN || deregistration === UNKNOWN) return { kind: "unknown" };
    if (!isObject(hc)) return { kind: "tg", check: { interval: 30, timeout: 5, unhealthy: 2, deregistration } };
    const interval = setting(field(hc, "interval"), 30);
    const timeout = setting(field(hc, "timeout"), 5);
    const unhealthy = setting(field(hc, "unhealthyThreshold"), 3);
    if (interval === UNKNOWN || timeout === UNKNOWN || unhealthy === UNKNOWN) return { kind: "unknown" };
    return { kind: "tg", check: { interval, timeout, unhealthy, deregistration } };
}

/** Target groups a known ARN names: by ARN (else id), else by the name inside the ARN (when their ARN does not say otherwise). */
function targetGroupsNamed(ref: string, tgs: readonly StackNode[]): Health[] {
    const byArn = tgs.filter((tg) => field(tg.props, "arn") === ref);
    let found = byArn.length > 0 ? byArn : tgs.filter((tg) => field(tg.props, "id") === ref);
    if (found.length === 0) {
        const name = /:targetgroup\/([^/]+)\//.exec(ref)?.[1];
        if (name !== undefined) {
            found = tgs.filter((tg) => {
                const arn = field(tg.props, "arn");
                return field(tg.props, "name") === name && (typeof arn !== "string" || arn === ref);
            });
        }
    }
    if (found.length > 0) return found.map(targetGroupHealth);
    // A target group whose ARN, id and name are all unknown (or not set) might be it.
    const anonymous = tgs.some((tg) => !nameOf(field(tg.props, "arn")) && !nameOf(field(tg.props, "id")) && !nameOf(field(tg.props, "name")));
    return [anonymous ? { kind: "unknown" } : { kind: "unseen" }];
}

/** The essential containers with a health check command of a task definition, and their settings (ECS's defaults 30 / 5 / 3 / 0). */
function containerHealth(td: TaskDefinitionNode, guessed: boolean): Health[] {
    const cs = containers(td.props);
    if (cs === UNKNOWN || cs === "invalid") return [{ kind: "unknown" }];
    const out: Health[] = [];
    let unknown = false;
    for (const c of cs) {
        const checked = and(essential(c), healthCheckCommand(c));
        if (checked === UNKNOWN) unknown = true;
        if (checked !== true) continue;
        const hc = field(c, "healthCheck");
        const check = {
            interval: setting(field(hc, "interval"), 30), timeout: setting(field(hc, "timeout"), 5),
            retries: setting(field(hc, "retries"), 3), startPeriod: setting(field(hc, "startPeriod"), 0),
        };
        if (Object.values(check).includes(UNKNOWN)) unknown = true;
        else out.push({ kind: "container", check: check as ContainerCheck, guessed });
    }
    if (unknown) out.push({ kind: "unknown" });
    return out.length > 0 ? out : [{ kind: "none", guessed }];
}

/**
 * What judges the service's new tasks: with load balancer entries, every target group they name
 * (`targetGroupArn`, and a non-blank `advancedConfiguration.alternateTargetGroupArn`); an unknown
 * reference stands for the target groups `loadBalancers` depends on (unknown when none); an entry
 * naming no target group is outside what the stack shows. Without entries, the containers of its
 * task definition(s).
 */
function healthOf(svc: StackNode, stack: readonly StackNode[]): Health[] {
    const lbs = loadBalancerEntries(svc.props);
    if (lbs === UNKNOWN) return [{ kind: "unknown" }];
    const tgs = stack.filter((r) => TARGET_GROUP_TYPES.includes(r.type));
    if (lbs.length > 0) {
        const deps = tgs.filter((tg) => (svc.propertyDependencies.loadBalancers ?? []).includes(tg.urn));
        const out: Health[] = [];
        for (const lb of lbs) {
            const adv = field(lb, "advancedConfiguration");
            const alternate = adv === UNKNOWN ? UNKNOWN : field(adv, "alternateTargetGroupArn");
            const refs = [lb === UNKNOWN ? UNKNOWN : field(lb, "targetGroupArn"), ...(alternate === UNKNOWN || nameOf(alternate) ? [alternate] : [])];
            for (const ref of refs) {
                if (ref === UNKNOWN) out.push(...(deps.length > 0 ? deps.map(targetGroupHealth) : [{ kind: "unknown" } as Health]));
                else if (nameOf(ref)) out.push(...targetGroupsNamed(ref.trim(), tgs));
                else out.push({ kind: "unseen" });
            }
        }
        return out;
    }
    const tds = stack.filter((r) => r.type === "aws:ecs/taskDefinition:TaskDefinition");
    const join = taskDefinitionsOf({
        props: svc.props, taskDefinitionDependencies: svc.propertyDependencies.taskDefinition ?? [], dependencies: svc.dependencies, taskDefinitions: tds,
    });
    if (join.kind === "inStack") return join.taskDefinitions.flatMap((td) => containerHealth(td, join.guessed));
    return [join.kind === "unknown" ? { kind: "unknown" } : { kind: "unseen" }];
}

/** An alarm's window: its period (without one, the longest period of its metric queries) and datapoints to alarm (default: evaluation periods). */
function alarmWindow(alarm: StackNode): AlarmWindow | Unknown | undefined {
    const own = positive(field(alarm.props, "period"));
    let unknown = own === UNKNOWN;
    let period = own === UNKNOWN ? undefined : own;
    if (own === undefined) {
        const queries = list(field(alarm.props, "metricQueries"));
        if (queries === UNKNOWN) unknown = true;
        else {
            for (const q of queries) {
                const periods: (number | Unknown | undefined)[] = [positive(field(field(q, "metric"), "period")), positive(field(q, "period"))];
                for (const p of periods) {
                    if (p === UNKNOWN) unknown = true;
                    else if (p !== undefined) period = Math.max(period ?? 0, p);
                }
            }
        }
    }
    const evaluation = positive(field(alarm.props, "evaluationPeriods"));
    const datapoints = positive(field(alarm.props, "datapointsToAlarm"));
    if (unknown || evaluation === UNKNOWN || datapoints === UNKNOWN) return UNKNOWN;
    if (period === undefined || evaluation === undefined) return undefined; // AWS would not create it
    return { period, datapoints: datapoints ?? evaluation };
}

/**
 * The alarms a list of names names (exactly, by `name`): a name no alarm of the stack has is
 * outside the stack, unless some alarm's name is unknown (then unknown). Unknown names (or an
 * unknown list) stand for the alarms the property depends on, as a guess (unknown when none).
 */
function candidatesOf(names: unknown, deps: readonly StackNode[], alarms: readonly StackNode[]): Candidate[] {
    const out: Candidate[] = [];
    const added = new Set<string>();
    const add = (a: StackNode, guessed: boolean) => {
        if (added.has(a.urn)) return;
        added.add(a.urn);
        const w = alarmWindow(a);
        if (w === UNKNOWN) out.push({ kind: "unknown" });
        else if (w !== undefined) out.push({ kind: "alarm", window: w, guessed });
    };
    const guessFromDeps = () => (deps.length > 0 ? deps.forEach((a) => add(a, true)) : out.push({ kind: "unknown" }));
    const ns = list(names);
    if (ns === UNKNOWN) {
        guessFromDeps();
        return out;
    }
    for (const n of ns) {
        if (n === UNKNOWN || !nameOf(n)) continue;
        const found = alarms.filter((a) => field(a.props, "name") === n);
        if (found.length > 0) found.forEach((a) => add(a, false));
        else out.push(alarms.some((a) => !nameOf(field(a.props, "name"))) ? { kind: "unknown" } : { kind: "unseen" });
    }
    if (ns.includes(UNKNOWN)) guessFromDeps();
    return out;
}

/** Does the deployment group deploy the service: `ecsService` depends on it, names it (and its cluster), or, with an unknown name, the group depends on it. */
function deploys(dg: StackNode, svc: StackNode): Tri | "no ECS" {
    const ecs = field(dg.props, "ecsService");
    if (ecs === undefined || ecs === null) return "no ECS";
    if ((dg.propertyDependencies.ecsService ?? []).includes(svc.urn)) return true;
    const serviceName = ecs === UNKNOWN ? UNKNOWN : field(ecs, "serviceName");
    if (serviceName === UNKNOWN) return dg.dependencies.includes(svc.urn) ? true : UNKNOWN;
    if (typeof serviceName !== "string") return false;
    const lastSegment = (x: string) => x.slice(x.lastIndexOf("/") + 1);
    const own = field(svc.props, "name");
    if (typeof own !== "string" || own === "" || lastSegment(serviceName) !== own) return false;
    const clusterName = field(ecs, "clusterName");
    const cluster = field(svc.props, "cluster");
    if (typeof clusterName !== "string" || cluster === UNKNOWN) return true;
    // A cluster is named by its name or its ARN (`arn:…:cluster/<name>`); none is the `default` cluster.
    const clusterOf = (x: string) => (x.startsWith("arn:") ? lastSegment(x) : x);
    const ownCluster = typeof cluster === "string" && cluster !== "" ? clusterOf(cluster) : "default";
    return clusterOf(clusterName) === ownCluster;
}

/** Where the rollback alarms are: the service's `alarms` (enable and rollback), or each deployment group that deploys it (enabled alarms, rollback on DEPLOYMENT_STOP_ON_ALARM). */
function sourcesOf(svc: StackNode, codeDeploy: boolean, stack: readonly StackNode[]): Source[] {
    const alarms = stack.filter((r) => r.type === "aws:cloudwatch/metricAlarm:MetricAlarm");
    const dependedOn = (r: StackNode, key: string) => alarms.filter((a) => (r.propertyDependencies[key] ?? []).includes(a.urn));
    if (!codeDeploy) {
        const a = field(svc.props, "alarms");
        if (a === UNKNOWN) return [{ kind: "unknown" }];
        if (!isObject(a)) return [{ kind: "source", rollsBack: false, candidates: [] }];
        return [{ kind: "source", rollsBack: and(isTrue(field(a, "enable")), isTrue(field(a, "rollback"))),
            candidates: candidatesOf(field(a, "alarmNames"), dependedOn(svc, "alarms"), alarms) }];
    }
    const groups = stack.filter((r) => r.type === "aws:codedeploy/deploymentGroup:DeploymentGroup");
    const mine = groups.filter((dg) => deploys(dg, svc) === true);
    if (mine.length === 0) return [groups.some((dg) => deploys(dg, svc) === UNKNOWN) ? { kind: "unknown" } : { kind: "unseen" }];
    return mine.map((dg): Source => {
        const ac = field(dg.props, "alarmConfiguration");
        if (ac === UNKNOWN) return { kind: "unknown" };
        if (!isObject(ac)) return { kind: "source", rollsBack: false, candidates: [] };
        const arc = field(dg.props, "autoRollbackConfiguration");
        let stop: Tri;
        if (arc === UNKNOWN) stop = UNKNOWN;
        else if (!isObject(arc)) stop = false;
        else {
            stop = and(isTrue(field(arc, "enabled")),
                some(list(field(arc, "events")), (e) => (e === UNKNOWN ? UNKNOWN : enumValue(e) === "DEPLOYMENT_STOP_ON_ALARM")));
        }
        return { kind: "source", rollsBack: and(isTrue(field(ac, "enabled")), stop), candidates: candidatesOf(field(ac, "alarms"), dependedOn(dg, "alarmConfiguration"), alarms) };
    });
}

/**
 * rollback-detection-budget: for the ECS service `svc` of the stack, the three detection times of
 * the timing model (policies/lib/timing.ts, restated here), each the slowest of its cases, must be
 * known and within `budgetSeconds`. A detection over the budget (or never: no circuit breaker, no
 * health check, no rollback alarm) fails, and so does one that depends on a resource the stack does
 * not declare; unknown is unknown; EXTERNAL (and unrecognised) controllers are not concerned.
 *
 * - Never starts: CODE_DEPLOY 3600 s (CodeDeploy's limit); ECS: ceil(threshold / tasks) waves of
 *   60 s, threshold = ceil(tasks / 2) within 3..200, tasks = max(1, desiredCount (default 0)).
 * - Fails its health checks: CODE_DEPLOY 3600 s; ECS: waves × (max(grace, 60 + (unhealthy − 1) ×
 *   interval + timeout) + deregistration delay) per target group, or waves × (max(grace, 60 +
 *   start period + retries × interval + timeout) + 30) per container health check; no health check:
 *   never.
 * - Trips an alarm: (60 + interval + timeout, or 60 + min(start period, interval) + timeout, or 60)
 *   (+ 10 s traffic switch for native blue/green) + period × (datapoints + 1) + 60, the fastest alarm
 *   of each source, the slowest source and health case.
 */
export function rollbackDetectionBudget(stack: readonly StackNode[], svcUrn: string, budgetSeconds: number): Verdict {
    const svc = stack.find((r) => r.urn === svcUrn)!;
    const c = controller(svc.props);
    if (c === UNKNOWN) return "unknown";
    if (c !== "ECS" && c !== "CODE_DEPLOY") return "pass";
    const codeDeploy = c === "CODE_DEPLOY";
    const s = strategy(svc.props);
    if (!codeDeploy && s === UNKNOWN) return "unknown";
    const blueGreen = !codeDeploy && ["BLUE_GREEN", "LINEAR", "CANARY"].includes(s as string);
    const within = (seconds: number): Class => (seconds <= budgetSeconds ? "fits" : "exceeds");

    const tasks = setting(field(svc.props, "desiredCount"), 0);
    const grace = setting(field(svc.props, "healthCheckGracePeriodSeconds"), 0);
    const cb = field(svc.props, "deploymentCircuitBreaker");
    const breaker: Tri = cb === UNKNOWN ? UNKNOWN : isObject(cb) ? and(isTrue(field(cb, "enable")), isTrue(field(cb, "rollback"))) : false;
    const n = tasks === UNKNOWN ? 1 : Math.max(1, tasks);
    const waves = Math.ceil(Math.min(200, Math.max(3, Math.ceil(n / 2))) / n);
    const health = healthOf(svc, stack);
    const guessed = (h: Health) => (h.kind === "container" || h.kind === "none") && h.guessed;

    let neverStarts: Class;
    let failsChecks: Class;
    if (codeDeploy) {
        neverStarts = failsChecks = within(3600);
    } else if (breaker === false) {
        neverStarts = failsChecks = "exceeds";
    } else {
        neverStarts = breaker === UNKNOWN || tasks === UNKNOWN ? "unknown" : within(waves * 60);
        failsChecks = breaker === UNKNOWN || tasks === UNKNOWN || grace === UNKNOWN ? "unknown" : slowest(health.map((h): Class => {
            if (h.kind === "unknown" || h.kind === "unseen") return h.kind;
            if (h.kind === "none") return h.guessed ? guess("exceeds") : "exceeds";
            const perWave = h.kind === "tg"
                ? Math.max(grace as number, 60 + (h.check.unhealthy - 1) * h.check.interval + h.check.timeout) + h.check.deregistration
                : Math.max(grace as number, 60 + h.check.startPeriod + h.check.retries * h.check.interval + h.check.timeout) + 30;
            const cls = within(waves * perWave);
            return guessed(h) ? guess(cls) : cls;
        }));
    }

    const tripsAlarm = slowest(sourcesOf(svc, codeDeploy, stack).flatMap((src): Class[] => {
        if (src.kind !== "source") return [src.kind];
        if (src.rollsBack === false || (src.rollsBack === true && src.candidates.length === 0)) return ["exceeds"];
        if (src.rollsBack === UNKNOWN) return ["unknown"];
        return health.map((h): Class => {
            if (h.kind === "unknown" || h.kind === "unseen") return h.kind;
            const healthy = h.kind === "tg" ? 60 + h.check.interval + h.check.timeout
                : h.kind === "container" ? 60 + Math.min(h.check.startPeriod, h.check.interval) + h.check.timeout : 60;
            const cls = fastest(src.candidates.map((a): Class => {
                if (a.kind !== "alarm") return a.kind;
                const t = within(healthy + (blueGreen ? 10 : 0) + a.window.period * (a.window.datapoints + 1) + 60);
                return a.guessed ? guess(t) : t;
            }));
            return guessed(h) ? guess(cls) : cls;
        });
    }));

    const overall = slowest([neverStarts, failsChecks, tripsAlarm]);
    return overall === "fits" ? "pass" : overall === "unknown" ? "unknown" : "fail";
}
