/**
 * EventBridge rule → target → SNS topic → topic policy, joined once per stack.
 *
 * Joins use the URNs a property depends on first (works in a new stack's preview, where ARNs and
 * names are unknown), then names and ARNs. Every lookup is through an index: linear in the stack.
 */
import { StackIndex, StackResource } from "./graph";
import { allowsServiceAction } from "./iam";
import { asBool, asString, get, parseJson, PARSE_ERROR, Tri, triOr, Unknown, UNKNOWN, upperOrUndefined } from "./safe";

export interface Delivery {
    /** true: delivered to a topic EventBridge may publish to; UNKNOWN: not decidable yet. */
    ok: Tri;
    /** Why not, when ok is false. */
    reason?: string;
    topic?: StackResource;
}

export interface EventGraph {
    rules: readonly StackResource[];
    targetsOf(ruleUrn: string): readonly StackResource[];
    /** Targets whose rule is not known yet (rule name unknown, no dependency): they may belong to any rule. */
    floatingTargets: readonly StackResource[];
    /** The topic a target delivers to and whether EventBridge may publish there. */
    deliveryOf(target: StackResource): Delivery;
    /** Whether the rule is enabled on the default event bus (where AWS service events arrive). */
    ruleActive(rule: StackResource): Delivery;
    /** Whether some target of the rule delivers (rule active too). */
    ruleDelivers(rule: StackResource): Delivery;
    /** Parsed event pattern, UNKNOWN, or undefined when absent / not JSON. */
    patternOf(rule: StackResource): unknown | Unknown;
    /** Topics some target delivers to (resolved joins only). */
    targetedTopics(): ReadonlySet<StackResource>;
}

const EVENTS_PRINCIPAL = "events.amazonaws.com";

function busKey(v: string | Unknown | undefined): string | Unknown {
    if (v === UNKNOWN) return UNKNOWN;
    if (v === undefined || v === "" || v === "default") return "default";
    if (v.startsWith("arn:")) {
        const i = v.lastIndexOf("event-bus/");
        return i >= 0 ? v.slice(i + "event-bus/".length) : v;
    }
    return v;
}

/** Rule name from a name, an id (`bus/name`) or an ARN (`...:rule/[bus/]name`). */
function ruleNameOf(v: string): string {
    const i = v.lastIndexOf("/");
    return i >= 0 ? v.slice(i + 1) : v;
}

export function buildEventGraph(idx: StackIndex): EventGraph {
    const rules = idx.ofKind("eventRule");
    const targets = idx.ofKind("eventTarget");
    const rulesByName = idx.by("eventRule", "name");

    const targetsByRule = new Map<string, StackResource[]>();
    const floating: StackResource[] = [];
    for (const t of targets) {
        let found = idx.propDeps(t, "rule", "eventRule");
        if (found.length === 0) {
            const r = asString(get(t.props, "rule"));
            if (r === UNKNOWN) {
                floating.push(t);
                continue;
            }
            if (typeof r === "string" && r !== "") {
                const tBus = busKey(asString(get(t.props, "eventBusName")));
                const candidates = r.startsWith("arn:") ? idx.byArnOrId("eventRule", r) : [];
                const byName = candidates.length > 0 ? candidates : rulesByName.get(ruleNameOf(r)) ?? [];
                found = byName.filter((rule) => {
                    const rBus = busKey(asString(get(rule.props, "eventBusName")));
                    return tBus === UNKNOWN || rBus === UNKNOWN || tBus === rBus || r.startsWith("arn:");
                });
            }
        }
        for (const rule of found) {
            let l = targetsByRule.get(rule.urn);
            if (!l) targetsByRule.set(rule.urn, (l = []));
            l.push(t);
        }
    }

    // topic policies by topic
    const policiesByTopic = new Map<string, StackResource[]>();
    let floatingPolicies = false;
    for (const tp of idx.ofKind("snsTopicPolicy")) {
        let found = idx.propDeps(tp, "arn", "snsTopic");
        if (found.length === 0) {
            const a = asString(get(tp.props, "arn"));
            if (a === UNKNOWN) {
                floatingPolicies = true;
                continue;
            }
            if (typeof a === "string") found = idx.byArnOrId("snsTopic", a);
        }
        for (const topic of found) {
            let l = policiesByTopic.get(topic.urn);
            if (!l) policiesByTopic.set(topic.urn, (l = []));
            l.push(tp);
        }
    }

    const topicMemo = new Map<string, Tri>();
    function topicAllowsEvents(topic: StackResource): Tri {
        let v = topicMemo.get(topic.urn);
        if (v === undefined) {
            const parts: Tri[] = [allowsServiceAction(get(topic.props, "policy"), EVENTS_PRINCIPAL, "sns:Publish")];
            for (const tp of policiesByTopic.get(topic.urn) ?? []) {
                parts.push(allowsServiceAction(get(tp.props, "policy"), EVENTS_PRINCIPAL, "sns:Publish"));
            }
            if (floatingPolicies) parts.push(UNKNOWN);
            v = triOr(parts);
            topicMemo.set(topic.urn, v);
        }
        return v;
    }

    const deliveryMemo = new Map<string, Delivery>();
    function deliveryOf(t: StackResource): Delivery {
        const memo = deliveryMemo.get(t.urn);
        if (memo) return memo;
        let d: Delivery;
        let topic: StackResource | undefined = idx.propDeps(t, "arn", "snsTopic")[0];
        const arn = asString(get(t.props, "arn"));
        if (!topic && typeof arn === "string") topic = idx.byArnOrId("snsTopic", arn)[0];
        if (topic) {
            const ok = topicAllowsEvents(topic);
            d = ok === false
                ? { ok, topic, reason: `topic '${topic.name}' has no policy letting ${EVENTS_PRINCIPAL} sns:Publish (add an aws.sns.TopicPolicy)` }
                : { ok, topic };
        } else if (arn === UNKNOWN) {
            d = { ok: UNKNOWN };
        } else if (typeof arn === "string" && /^arn:[^:]*:sns:/.test(arn)) {
            d = { ok: false, reason: `target '${t.name}' publishes to an SNS topic outside this stack (${arn}), whose policy cannot be checked` };
        } else {
            d = { ok: false, reason: `target '${t.name}' is not an SNS topic` };
        }
        deliveryMemo.set(t.urn, d);
        return d;
    }

    const activeMemo = new Map<string, Delivery>();
    function ruleActive(rule: StackResource): Delivery {
        const memo = activeMemo.get(rule.urn);
        if (memo) return memo;
        let d: Delivery;
        const state = upperOrUndefined(get(rule.props, "state"));
        const isEnabled = asBool(get(rule.props, "isEnabled"));
        const bus = busKey(asString(get(rule.props, "eventBusName")));
        if (state === "DISABLED" || isEnabled === false) d = { ok: false, reason: `rule '${rule.name}' is disabled` };
        else if (typeof bus === "string" && bus !== "default") {
            d = { ok: false, reason: `rule '${rule.name}' is on event bus '${bus}', but AWS service events arrive on the default bus` };
        } else if (state === UNKNOWN || isEnabled === UNKNOWN || bus === UNKNOWN) d = { ok: UNKNOWN };
        else d = { ok: true };
        activeMemo.set(rule.urn, d);
        return d;
    }

    const rulesDelivery = new Map<string, Delivery>();
    function ruleDelivers(rule: StackResource): Delivery {
        const memo = rulesDelivery.get(rule.urn);
        if (memo) return memo;
        const active = ruleActive(rule);
        let d: Delivery;
        if (active.ok === false) d = active;
        else {
            const ts = targetsByRule.get(rule.urn) ?? [];
            const ds = ts.map(deliveryOf);
            let ok = triOr(ds.map((x) => x.ok));
            if (ok !== true && floating.length > 0) ok = triOr([ok, UNKNOWN]);
            if (ok === true) d = { ok: active.ok };
            else if (ok === UNKNOWN) d = { ok: UNKNOWN };
            else {
                const reasons = ds.map((x) => x.reason).filter((x): x is string => !!x);
                d = { ok: false, reason: ts.length === 0 ? `rule '${rule.name}' has no target` : `rule '${rule.name}': ${reasons.join("; ")}` };
            }
        }
        rulesDelivery.set(rule.urn, d);
        return d;
    }

    const patternMemo = new Map<string, unknown>();
    function patternOf(rule: StackResource): unknown {
        if (patternMemo.has(rule.urn)) return patternMemo.get(rule.urn);
        const p = parseJson(get(rule.props, "eventPattern"));
        const v = p === PARSE_ERROR ? undefined : p;
        patternMemo.set(rule.urn, v);
        return v;
    }

    let targeted: Set<StackResource> | undefined;
    function targetedTopics(): ReadonlySet<StackResource> {
        if (!targeted) {
            targeted = new Set();
            for (const t of targets) {
                const topic = idx.propDeps(t, "arn", "snsTopic")[0] ??
                    ((): StackResource | undefined => {
                        const a = asString(get(t.props, "arn"));
                        return typeof a === "string" ? idx.byArnOrId("snsTopic", a)[0] : undefined;
                    })();
                if (topic) targeted.add(topic);
            }
        }
        return targeted;
    }

    return {
        rules,
        targetsOf: (urn) => targetsByRule.get(urn) ?? [],
        floatingTargets: floating,
        deliveryOf,
        ruleActive,
        ruleDelivers,
        patternOf,
        targetedTopics,
    };
}
