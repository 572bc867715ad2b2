/**
 * `deployment-failures-notify` (stack, mandatory): a rolled-back deployment is reported by
 * `pulumi up` as a success, so every ECS service's deployment failures must reach people through
 * EventBridge → SNS.
 *
 * ECS controller: a rule matching source `aws.ecs`, detail-type `ECS Deployment State Change`,
 * `detail.eventName` SERVICE_DEPLOYMENT_FAILED and `resources` the service ARN (or no resources
 * filter, or a prefix/wildcard matching it). CODE_DEPLOY controller (which never sends
 * SERVICE_DEPLOYMENT_FAILED): source `aws.codedeploy`, detail-type `CodeDeploy Deployment
 * State-change Notification`, `detail.state` FAILURE, and `detail.deploymentGroup` /
 * `detail.application` matching the service's deployment group (or absent). The rule must be enabled
 * on the default bus and have a target that is an SNS topic whose policy lets events.amazonaws.com
 * `sns:Publish`.
 *
 * A service that cannot fail a deployment at all (ECS controller without an enabled circuit breaker
 * or deployment alarms; CODE_DEPLOY without a deployment group in the stack) never sends these
 * events: its violation says so first and points at `ecs-service-requires-rollback`, whose fix
 * makes the events exist, then at the rule still missing (one finding, no second verdict).
 *
 * Matching is done against a synthetic event per service with the real pattern semantics. Rules are
 * prepared once and indexed by the exact values they filter on (service ARN, deployment group name),
 * so the check is linear in the number of resources rather than services × rules.
 */
import { StackResource } from "../lib/graph";
import { controllerOf, displayName, mapDeploymentGroups, namesAnAlarm } from "../lib/ecs";
import { buildEventGraph, EventGraph } from "../lib/events";
import { exactStringsAt, matchEventPattern, patternMentions } from "../lib/eventPattern";
import { commonConfigProperties, Finding, undecided, violation } from "../lib/rule";
import { asBool, asString, get, Tri, triAnd, triOr, Unknown, UNKNOWN } from "../lib/safe";
import { StackContext, stackPolicy } from "../lib/wiring";

export const NOTIFY_POLICY = "deployment-failures-notify";

type EventKind = "ecs" | "codedeploy";

interface Prepared {
    rule: StackResource;
    pattern: unknown;
}

interface RuleSet {
    /** Rules that filter on none of the service-specific fields: same answer for every service with the same account/region. */
    generic: Prepared[];
    /** Rules indexed by an exact service-specific value (service ARN; deployment group name or ARN). */
    indexed: Map<string, Prepared[]>;
    /** Per identity path, the values indexed by rules that may deliver (could an unknown value hit one?). */
    deliverableIndexed: Map<string, Set<string>>;
    /** Rules with content filters on service-specific fields: evaluated for each service. */
    fuzzy: Prepared[];
}

const IDENTITY_PATHS: Record<EventKind, string[][]> = {
    ecs: [["resources"]],
    codedeploy: [["resources"], ["detail", "deploymentGroup"], ["detail", "application"]],
};

function prepare(graph: EventGraph, kind: EventKind): { set: RuleSet; unknownPatterns: StackResource[] } {
    const set: RuleSet = { generic: [], indexed: new Map(), deliverableIndexed: new Map(), fuzzy: [] };
    const unknownPatterns: StackResource[] = [];
    for (const rule of graph.rules) {
        const pattern = graph.patternOf(rule);
        if (pattern === undefined) continue; // schedule rule, no pattern, or not JSON
        if (pattern === UNKNOWN) {
            // Could match anything — but only matters if the rule can deliver at all.
            if (graph.ruleDelivers(rule).ok !== false) unknownPatterns.push(rule);
            continue;
        }
        const p: Prepared = { rule, pattern };
        if (patternMentions(pattern, ["$or"])) {
            set.fuzzy.push(p);
            continue;
        }
        const mentioned = IDENTITY_PATHS[kind].filter((path) => patternMentions(pattern, path));
        if (mentioned.length === 0) {
            set.generic.push(p);
            continue;
        }
        let indexedBy: string[] | undefined;
        let indexPath = "";
        for (const path of mentioned) {
            const exact = exactStringsAt(pattern, path);
            if (exact) {
                indexPath = path.join(".");
                indexedBy = exact;
                break;
            }
        }
        if (!indexedBy) {
            set.fuzzy.push(p);
            continue;
        }
        const deliverable = graph.ruleDelivers(rule).ok !== false;
        for (const value of indexedBy) {
            const key = `${indexPath}=${value}`;
            if (deliverable) {
                let vs = set.deliverableIndexed.get(indexPath);
                if (!vs) set.deliverableIndexed.set(indexPath, (vs = new Set()));
                vs.add(value);
            }
            let l = set.indexed.get(key);
            if (!l) set.indexed.set(key, (l = []));
            l.push(p);
        }
    }
    return { set, unknownPatterns };
}

function arnParts(arn: string | Unknown | undefined): { region: string | Unknown; account: string | Unknown } {
    if (typeof arn !== "string" || !arn.startsWith("arn:")) return { region: UNKNOWN, account: UNKNOWN };
    const parts = arn.split(":");
    return { region: parts[3] || UNKNOWN, account: parts[4] || UNKNOWN };
}

function knownArn(r: StackResource): string | Unknown {
    const arn = asString(get(r.props, "arn"));
    if (typeof arn === "string" && arn.startsWith("arn:")) return arn;
    const id = asString(get(r.props, "id"));
    if (typeof id === "string" && id.startsWith("arn:")) return id;
    return UNKNOWN;
}

interface Outcome {
    ok: Tri;
    /** Rules that match the event but do not deliver, with the reason. */
    problems: string[];
}

function evaluate(graph: EventGraph, candidates: Iterable<Prepared>, event: Record<string, unknown>, acc: Outcome): Tri {
    for (const c of candidates) {
        if (acc.ok === true) return acc.ok;
        const m = matchEventPattern(c.pattern, event);
        if (m === false) continue;
        const d = graph.ruleDelivers(c.rule);
        const ok = triAnd([m, d.ok]);
        if (ok === true) acc.ok = true;
        else if (ok === UNKNOWN) acc.ok = UNKNOWN;
        else if (m === true && d.reason && acc.problems.length < 3) acc.problems.push(d.reason);
    }
    return acc.ok;
}

/**
 * Can ECS fail a deployment of this ECS-controller service (and so send SERVICE_DEPLOYMENT_FAILED)?
 * Through an enabled circuit breaker, or deployment alarms that are enabled and name an alarm.
 */
export function detectsDeploymentFailures(props: unknown): { breaker: Tri; alarms: Tri; any: Tri } {
    const cb = get(props, "deploymentCircuitBreaker");
    const breakerOn = cb === UNKNOWN ? UNKNOWN : asBool(get(cb, "enable"));
    const breaker: Tri = breakerOn === UNKNOWN ? UNKNOWN : breakerOn === true;
    const alarms = get(props, "alarms");
    const alarmsOn = alarms === UNKNOWN ? UNKNOWN : asBool(get(alarms, "enable"));
    const alarmsWatch: Tri = alarmsOn === UNKNOWN ? UNKNOWN : alarmsOn === true ? namesAnAlarm(get(alarms, "alarmNames")) : false;
    return { breaker, alarms: alarmsWatch, any: triOr([breaker, alarmsWatch]) };
}

const ECS_RULE_FIX = " Add an `aws.cloudwatch.EventRule` with eventPattern `{\"source\":[\"aws.ecs\"],\"detail-type\":[\"ECS Deployment " +
    "State Change\"],\"detail\":{\"eventName\":[\"SERVICE_DEPLOYMENT_FAILED\"]},\"resources\":[<service ARN>]}`, an " +
    "`aws.cloudwatch.EventTarget` to an `aws.sns.Topic`, and an `aws.sns.TopicPolicy` allowing events.amazonaws.com sns:Publish.";
const CODEDEPLOY_RULE_FIX = " Add an `aws.cloudwatch.EventRule` with eventPattern `{\"source\":[\"aws.codedeploy\"],\"detail-type\":" +
    "[\"CodeDeploy Deployment State-change Notification\"],\"detail\":{\"state\":[\"FAILURE\"],\"deploymentGroup\":" +
    "[<deployment group name>]}}`, an `aws.cloudwatch.EventTarget` to an `aws.sns.Topic`, and an `aws.sns.TopicPolicy` " +
    "allowing events.amazonaws.com sns:Publish.";

/**
 * A new service's ARN is unknown during preview, but an event rule whose pattern depends on the
 * service (the engine records that dependency) and names, in `resources`, an ECS service ARN
 * ending in the service's own name states it: that is the ARN the service will have, since ECS
 * names services `service/<cluster>/<name>`. Programs that build the ARN from the service's name
 * (its name is an input, known at preview) are then decided at a first preview.
 */
function arnNamedByDependentRule(graph: EventGraph, dependentRules: ReadonlyMap<string, readonly StackResource[]>, svc: StackResource): string | Unknown {
    const name = asString(get(svc.props, "name"));
    if (typeof name !== "string") return UNKNOWN;
    for (const rule of dependentRules.get(svc.urn) ?? []) {
        const pattern = graph.patternOf(rule);
        const resources = pattern !== UNKNOWN && pattern && typeof pattern === "object" ? (pattern as { resources?: unknown }).resources : undefined;
        if (!Array.isArray(resources)) continue;
        const named = resources.find((r): r is string => typeof r === "string" && /^arn:[^:]+:ecs:[^:]+:\d{12}:service\/[^/]+\/[^/]+$/.test(r) && r.endsWith(`/${name}`));
        if (named) return named;
    }
    return UNKNOWN;
}

/** The rules whose event pattern depends on each URN: built once, so the check stays linear in the resources. */
function rulesByPatternDependency(graph: EventGraph): Map<string, StackResource[]> {
    const byUrn = new Map<string, StackResource[]>();
    for (const rule of graph.rules) {
        for (const urn of rule.propertyDependencies.eventPattern ?? []) {
            const rules = byUrn.get(urn) ?? [];
            if (rules.length === 0) byUrn.set(urn, rules);
            rules.push(rule);
        }
    }
    return byUrn;
}

export function checkDeploymentFailureNotifications(_resources: readonly StackResource[], ctx: StackContext): Finding[] {
    const idx = ctx.index;
    const services = idx.ofKind("ecsService");
    if (services.length === 0) return [];
    const graph = buildEventGraph(idx);
    const dependentRules = rulesByPatternDependency(graph);
    const groups = mapDeploymentGroups(idx);
    const prepared: Record<EventKind, ReturnType<typeof prepare>> = {
        ecs: prepare(graph, "ecs"),
        codedeploy: prepare(graph, "codedeploy"),
    };
    const knownServiceArns = new Set<string>();
    for (const s of services) {
        const a = knownArn(s);
        if (typeof a === "string") knownServiceArns.add(a);
    }
    const genericCache = new Map<string, Outcome>();
    const out: Finding[] = [];

    for (const svc of services) {
        if (ctx.isExempt(svc)) continue;
        const controller = controllerOf(svc.props);
        const who = `ECS service '${displayName(svc)}'`;
        if (controller === UNKNOWN) {
            out.push(undecided(`${who}: deployment controller is unknown, so the events to watch are not known.`, svc.urn));
            continue;
        }
        if (controller !== "ECS" && controller !== "CODE_DEPLOY") continue; // EXTERNAL: ecs-service-requires-rollback
        const kind: EventKind = controller === "ECS" ? "ecs" : "codedeploy";
        const { set, unknownPatterns } = prepared[kind];

        // The synthetic failure event for this service, and its service-specific index keys.
        let event: Record<string, unknown>;
        const keys: { path: string; value: string | Unknown }[] = [];
        const key = (path: string, value: string | Unknown) => keys.push({ path, value });
        let region: string | Unknown;
        let account: string | Unknown;
        let noDeploymentGroup = false;
        if (kind === "ecs") {
            const known = knownArn(svc);
            const arn = known === UNKNOWN ? arnNamedByDependentRule(graph, dependentRules, svc) : known;
            ({ region, account } = arnParts(arn));
            key("resources", arn);
            event = {
                version: "0",
                source: "aws.ecs",
                "detail-type": "ECS Deployment State Change",
                account, region,
                resources: [arn],
                detail: { eventType: "ERROR", eventName: "SERVICE_DEPLOYMENT_FAILED", deploymentId: UNKNOWN, reason: UNKNOWN, updatedAt: UNKNOWN },
            };
        } else {
            const dgs = groups.groupsOf(svc.urn);
            const dg = dgs[0];
            // No group at all (and none unresolved): ecs-service-requires-rollback reports that; here the
            // event carries a name no specific filter matches, so only catch-all rules count.
            const none = groups.unresolved.length === 0 ? "(no deployment group in this stack)" : UNKNOWN;
            noDeploymentGroup = !dg && groups.unresolved.length === 0;
            const dgArn = dg ? knownArn(dg) : none;
            const dgName = dg ? asString(get(dg.props, "deploymentGroupName")) : none;
            const appName = dg ? asString(get(dg.props, "appName")) : none;
            ({ region, account } = arnParts(dgArn));
            const appArn = typeof dgArn === "string" && dgArn.startsWith("arn:") && typeof appName === "string"
                ? `${dgArn.split(":").slice(0, 5).join(":")}:application:${appName}` : dg ? UNKNOWN : none;
            key("resources", typeof dgArn === "string" ? dgArn : UNKNOWN);
            key("resources", typeof appArn === "string" ? appArn : UNKNOWN);
            key("detail.deploymentGroup", typeof dgName === "string" ? dgName : UNKNOWN);
            key("detail.application", typeof appName === "string" ? appName : UNKNOWN);
            event = {
                version: "0",
                source: "aws.codedeploy",
                "detail-type": "CodeDeploy Deployment State-change Notification",
                account, region,
                resources: [appArn, dgArn],
                detail: {
                    region, deploymentId: UNKNOWN, instanceGroupId: UNKNOWN,
                    deploymentGroup: dgName ?? UNKNOWN, application: appName ?? UNKNOWN, state: "FAILURE",
                },
            };
        }

        // 1. generic rules: cached per account/region
        const gkey = `${kind}|${typeof account === "string" ? account : "?"}|${typeof region === "string" ? region : "?"}`;
        let generic = genericCache.get(gkey);
        if (!generic) {
            generic = { ok: false, problems: [] };
            evaluate(graph, set.generic, event, generic);
            genericCache.set(gkey, generic);
        }
        const acc: Outcome = { ok: generic.ok, problems: [...generic.problems] };
        // 2. rules indexed by this service's exact values; 3. fuzzy rules
        if (acc.ok !== true) {
            const seen = new Set<Prepared>();
            const hits: Prepared[] = [];
            for (const k of keys) {
                if (typeof k.value !== "string") continue;
                for (const p of set.indexed.get(`${k.path}=${k.value}`) ?? []) if (!seen.has(p)) { seen.add(p); hits.push(p); }
            }
            if (evaluate(graph, hits, event, acc) !== true) evaluate(graph, set.fuzzy, event, acc);
        }
        // 4. what cannot be excluded yet
        let ok: Tri = acc.ok;
        if (ok === false) {
            // An unknown value (ARN during preview) could be one a deliverable rule filters on, unless
            // that value is known to belong to another service.
            const couldHit = keys.some((k) => k.value === UNKNOWN &&
                Array.from(set.deliverableIndexed.get(k.path) ?? []).some((v) => !(k.path === "resources" && knownServiceArns.has(v))));
            if (unknownPatterns.length > 0 || couldHit) ok = UNKNOWN;
        }
        if (ok === true) continue;
        if (ok === UNKNOWN) {
            const why = acc.ok === UNKNOWN
                ? "a matching rule's target, topic or topic policy"
                : unknownPatterns.length > 0
                    ? `the event pattern of ${unknownPatterns.map((r) => `'${r.name}'`).join(", ")}`
                    : "the service's ARN or deployment group";
            out.push(undecided(`${who}: whether an EventBridge rule delivers its deployment failures to SNS depends on ` +
                `values not known yet (${why}).`, svc.urn));
            continue;
        }
        const problems = acc.problems.length > 0 ? ` Matching rules that do not deliver: ${acc.problems.join(" | ")}.` : "";
        if (kind === "ecs") {
            const detects = detectsDeploymentFailures(svc.props);
            if (detects.any === false) {
                // Nothing to deliver yet: ECS never fails (nor reports) a deployment of this service.
                out.push(violation(`${who} (ECS controller) has no enabled deployment circuit breaker and no deployment alarms, so ` +
                    "ECS never detects a failed deployment of it: it sends no SERVICE_DEPLOYMENT_FAILED event, a broken deployment " +
                    "keeps retrying, and nobody is told. What is missing first is a rollback mechanism, which `ecs-service-requires-rollback` " +
                    "requires: set `deploymentCircuitBreaker: { enable: true, rollback: true }`. Then the failures it detects must reach " +
                    "people, and no EventBridge rule in this stack delivers this service's SERVICE_DEPLOYMENT_FAILED events to an SNS topic." +
                    problems + ECS_RULE_FIX, svc.urn));
                continue;
            }
            const detector = detects.breaker === true || detects.alarms !== true ? "the circuit breaker rolls" : "the deployment alarms roll";
            out.push(violation(`${who} (ECS controller): no EventBridge rule in this stack delivers its SERVICE_DEPLOYMENT_FAILED ` +
                `events to an SNS topic, so a failed deployment ${detector} back goes unnoticed (\`pulumi up\` reports success).` +
                problems + ECS_RULE_FIX, svc.urn));
        } else if (noDeploymentGroup) {
            out.push(violation(`${who} (CODE_DEPLOY controller): no CodeDeploy deployment group in this stack manages it, so ` +
                "CodeDeploy never deploys it and there is no FAILURE event to deliver (a CODE_DEPLOY service never sends " +
                "SERVICE_DEPLOYMENT_FAILED). What is missing first is the deployment group with auto-rollback, which " +
                "`ecs-service-requires-rollback` requires; then its FAILURE events must reach people, and no EventBridge rule in " +
                "this stack delivers them to an SNS topic." + problems + CODEDEPLOY_RULE_FIX, svc.urn));
        } else {
            out.push(violation(`${who} (CODE_DEPLOY controller): no EventBridge rule in this stack delivers the CodeDeploy FAILURE ` +
                "events of its deployment group to an SNS topic (a CODE_DEPLOY service never sends SERVICE_DEPLOYMENT_FAILED)." +
                problems + CODEDEPLOY_RULE_FIX, svc.urn));
        }
    }
    return out;
}

export const deploymentFailuresNotify = stackPolicy({
    name: NOTIFY_POLICY,
    description: "A rolled-back deployment is reported by `pulumi up` as a success: every ECS service's deployment failures " +
        "must reach people. Add an enabled EventBridge rule on the default bus matching them (ECS controller: source aws.ecs, " +
        "detail-type \"ECS Deployment State Change\", detail.eventName SERVICE_DEPLOYMENT_FAILED, resources = the service ARN; " +
        "CODE_DEPLOY: source aws.codedeploy, detail-type \"CodeDeploy Deployment State-change Notification\", detail.state FAILURE, " +
        "detail.deploymentGroup = its deployment group) with a target that is an SNS topic whose policy lets " +
        "events.amazonaws.com sns:Publish.",
    enforcementLevel: "mandatory",
    severity: "high",
    tags: ["ecs", "codedeploy", "eventbridge", "sns"],
    configSchema: { properties: { ...commonConfigProperties(true) } },
    checkStack: checkDeploymentFailureNotifications,
});
