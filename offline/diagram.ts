/**
 * The architecture as a picture of how requests, rollbacks and alerts flow (`npm run plan --
 * <stack> --diagram FILE.mmd|FILE.dot|FILE.svg`).
 *
 * Everything is derived from what the program registered, not from our component names: a
 * resource refers to another when one of its inputs (JSON documents such as policies, event
 * patterns and redrive policies included) holds the other's ARN, ARN suffix, URL or name, or
 * when the engine recorded a property dependency on it. What a reference means is read from the
 * AWS resource type and the property that holds it (a listener's default action forwards to a
 * target group, an alarm's `TargetGroup` dimension watches one, a service's `alarms.alarmNames`
 * roll it back, an EventBridge pattern's `resources` match a service...), so the picture is true
 * for whatever the program registers.
 */
import type { RegisteredResource } from "./types";

export type Flow = "traffic" | "rollback" | "alerts" | "structure";
export type DiagramFormat = "mermaid" | "dot" | "svg";

export interface DiagramNode {
    id: string;
    /** Lines of the label: name first, then what it is. */
    label: string[];
    /** What it is, for styling: `listener`, `target group`, `alarms`, `ECS service`... */
    kind: string;
    /** The registered resources it stands for (several alarms with the same role share a node). */
    urns: string[];
    /** Type and physical name of each resource, for a tooltip. */
    details: string[];
    group?: string;
}

export interface DiagramGroup {
    id: string;
    label: string;
    kind: "service" | "load balancer" | "notifications" | "rules";
    parent?: string;
}

export interface DiagramEdge {
    from: string;
    to: string;
    flow: Flow;
    label?: string;
    /** A path taken only after a blue/green swap or CodeDeploy shift, a redrive, an undeliverable event. */
    secondary?: boolean;
}

export interface Diagram {
    name: string;
    title: string;
    nodes: DiagramNode[];
    groups: DiagramGroup[];
    edges: DiagramEdge[];
    /** Registered resources left out of the picture, counted by type (IAM, log groups, security groups...). */
    omitted: Record<string, number>;
}

const T = {
    loadBalancer: "aws:lb/loadBalancer:LoadBalancer",
    listener: "aws:lb/listener:Listener",
    listenerRule: "aws:lb/listenerRule:ListenerRule",
    targetGroup: "aws:lb/targetGroup:TargetGroup",
    service: "aws:ecs/service:Service",
    taskDefinition: "aws:ecs/taskDefinition:TaskDefinition",
    alarm: "aws:cloudwatch/metricAlarm:MetricAlarm",
    deploymentGroup: "aws:codedeploy/deploymentGroup:DeploymentGroup",
    queue: "aws:sqs/queue:Queue",
    eventRule: "aws:cloudwatch/eventRule:EventRule",
    eventTarget: "aws:cloudwatch/eventTarget:EventTarget",
    topic: "aws:sns/topic:Topic",
    subscription: "aws:sns/topicSubscription:TopicSubscription",
    key: "aws:kms/key:Key",
    role: "aws:iam/role:Role",
    rolePolicy: "aws:iam/rolePolicy:RolePolicy",
    policy: "aws:iam/policy:Policy",
    policyAttachment: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    // Aliases, LB types (v6 names) are the same resources under another token.
    albLoadBalancer: "aws:alb/loadBalancer:LoadBalancer",
    albListener: "aws:alb/listener:Listener",
    albListenerRule: "aws:alb/listenerRule:ListenerRule",
    albTargetGroup: "aws:alb/targetGroup:TargetGroup",
} as const;

/** Types that are drawn as nodes (load balancers as the box around their listeners). */
const KIND: Record<string, string> = {
    [T.listener]: "listener",
    [T.albListener]: "listener",
    [T.listenerRule]: "listener rule",
    [T.albListenerRule]: "listener rule",
    [T.targetGroup]: "target group",
    [T.albTargetGroup]: "target group",
    [T.service]: "ECS service",
    [T.taskDefinition]: "task definition",
    [T.alarm]: "alarm",
    [T.deploymentGroup]: "CodeDeploy group",
    [T.queue]: "SQS queue",
    [T.eventRule]: "EventBridge rule",
    [T.topic]: "SNS topic",
    [T.subscription]: "subscription",
    [T.key]: "KMS key",
};
/** Types whose resources become edges or boxes rather than nodes. */
const STRUCTURAL = new Set<string>([T.loadBalancer, T.albLoadBalancer, T.eventTarget]);

/** A place in a resource's inputs that names another resource. */
interface Ref {
    path: string;
    urn: string;
}

/** The references between registered resources: by value (ARNs, ARN suffixes, URLs, names) and by property dependency. */
class References {
    readonly byUrn = new Map<string, RegisteredResource>();
    private readonly byValue = new Map<string, Set<string>>();
    private readonly refs = new Map<string, Ref[]>();

    constructor(resources: RegisteredResource[]) {
        for (const r of resources) this.byUrn.set(r.urn, r);
        for (const r of resources) {
            if (!r.custom) continue;
            const o = r.outputs ?? {};
            const values = [o.arn, o.arnSuffix, o.url, o.name ?? r.inputs?.name, o.deploymentGroupName ?? r.inputs?.deploymentGroupName, /[:/]/.test(r.id ?? "") ? r.id : undefined];
            for (const v of values) {
                if (typeof v !== "string" || v.length < 4) continue;
                if (!this.byValue.has(v)) this.byValue.set(v, new Set());
                this.byValue.get(v)!.add(r.urn);
            }
        }
        for (const r of resources) this.refs.set(r.urn, this.scan(r));
    }

    private scan(r: RegisteredResource): Ref[] {
        const found: Ref[] = [];
        const walk = (value: unknown, at: string) => {
            if (typeof value === "string") {
                const parsed = /^\s*[{[]/.test(value) ? parseJson(value) : undefined;
                if (parsed !== undefined) return walk(parsed, at);
                for (const urn of this.byValue.get(value) ?? []) if (urn !== r.urn) found.push({ path: at, urn });
            } else if (Array.isArray(value)) {
                value.forEach((v, i) => walk(v, `${at}[${i}]`));
            } else if (value && typeof value === "object") {
                for (const [k, v] of Object.entries(value)) if (!(at === "" && (k === "tags" || k === "tagsAll"))) walk(v, at ? `${at}.${k}` : k);
            }
        };
        walk(r.inputs ?? {}, "");
        // What the engine knows and the values do not show (a computed value, a name passed through a transform).
        for (const [key, urns] of Object.entries(r.propertyDependencies ?? {})) {
            for (const urn of urns) {
                const target = this.byUrn.get(urn);
                if (!target?.custom || urn === r.urn) continue;
                if (!found.some((f) => f.urn === urn && (f.path === key || f.path.startsWith(`${key}.`) || f.path.startsWith(`${key}[`)))) found.push({ path: key, urn });
            }
        }
        return found;
    }

    /** The resources `r` refers to at a path matching `path`, of one of `types`. */
    of(r: RegisteredResource, path: RegExp, ...types: string[]): { path: string; target: RegisteredResource }[] {
        const out: { path: string; target: RegisteredResource }[] = [];
        for (const ref of this.refs.get(r.urn) ?? []) {
            const target = this.byUrn.get(ref.urn);
            if (target && path.test(ref.path) && (types.length === 0 || types.includes(target.type))) out.push({ path: ref.path, target });
        }
        return out;
    }

    /** The resources referring to `r` at a path matching `path`, of one of `types`. */
    to(r: RegisteredResource, path: RegExp, ...types: string[]): RegisteredResource[] {
        const out: RegisteredResource[] = [];
        for (const [urn, refs] of this.refs) {
            const from = this.byUrn.get(urn)!;
            if ((types.length === 0 || types.includes(from.type)) && refs.some((ref) => ref.urn === r.urn && path.test(ref.path))) out.push(from);
        }
        return out;
    }
}

function parseJson(text: string): unknown {
    try {
        return JSON.parse(text);
    } catch {
        return undefined;
    }
}

function get(obj: unknown, path: string): any {
    let node: any = obj;
    for (const part of path.split(/\.|\[(\d+)\]/).filter((p) => p !== undefined && p !== "")) {
        if (typeof node === "string") node = parseJson(node);
        node = node?.[part];
    }
    return node;
}

const is = (r: RegisteredResource, ...types: string[]) => types.includes(r.type);
const LISTENER = [T.listener, T.albListener];
const RULE = [T.listenerRule, T.albListenerRule];
const TARGET_GROUP = [T.targetGroup, T.albTargetGroup];
const LOAD_BALANCER = [T.loadBalancer, T.albLoadBalancer];

/** The picture of what the program registered: nodes grouped per ECS service, load balancer and notifications, edges per flow. */
export function architecture(resources: RegisteredResource[], opts: { project?: string; stack?: string } = {}): Diagram {
    const stackResource = resources.find((r) => r.type === "pulumi:pulumi:Stack");
    const name = opts.project && opts.stack ? `${opts.project}-${opts.stack}` : (stackResource?.name ?? "stack");
    const refs = new References(resources);
    const custom = resources.filter((r) => r.custom && !r.type.startsWith("pulumi:providers:"));
    const ofType = (...types: string[]) => custom.filter((r) => types.includes(r.type));

    /** The physical name without the `<project>-<stack>-` prefix when it has one, else the program's name for it. */
    const short = (r: RegisteredResource): string => {
        const physical = r.outputs?.name ?? r.inputs?.name ?? r.inputs?.deploymentGroupName;
        if (typeof physical === "string" && physical.startsWith(`${name}-`)) return physical.slice(name.length + 1);
        return r.name;
    };

    const nodes = new Map<string, DiagramNode>();
    const nodeOf = new Map<string, DiagramNode>();
    const usedIds = new Set<string>();
    const newId = (prefix: string, text: string) => {
        const base = `${prefix}_${text.replace(/[^A-Za-z0-9]+/g, "_").replace(/^_|_$/g, "")}`;
        let id = base;
        for (let i = 2; usedIds.has(id); i++) id = `${base}_${i}`;
        usedIds.add(id);
        return id;
    };
    const addNode = (kind: string, label: string[], urns: string[], prefix: string, text: string): DiagramNode => {
        const details = urns.map((u) => {
            const r = refs.byUrn.get(u)!;
            return `${r.type} ${r.outputs?.name ?? r.inputs?.name ?? r.inputs?.deploymentGroupName ?? r.id ?? r.name}`;
        });
        const node: DiagramNode = { id: newId(prefix, text), label, kind, urns, details };
        nodes.set(node.id, node);
        for (const urn of urns) nodeOf.set(urn, node);
        return node;
    };
    const edges: DiagramEdge[] = [];
    const edge = (from: DiagramNode | undefined, to: DiagramNode | undefined, flow: Flow, label?: string, secondary?: boolean) => {
        if (!from || !to || from === to) return;
        const same = edges.find((e) => e.from === from.id && e.to === to.id && e.flow === flow);
        if (same) {
            if (!secondary) same.secondary = undefined;
            return;
        }
        edges.push({ from: from.id, to: to.id, flow, ...(label ? { label } : {}), ...(secondary ? { secondary } : {}) });
    };
    const N = (r: RegisteredResource | undefined) => (r ? nodeOf.get(r.urn) : undefined);

    // ---- what acts on an alarm, what it watches, which rules hear it: alarms with the same answers share a node.
    const services = ofType(T.service);
    const groups = ofType(T.deploymentGroup);
    const eventRules = ofType(T.eventRule);
    const alarmRole = (a: RegisteredResource) => ({
        watched: unique(refs.of(a, /^(dimensions|metricQueries\[\d+\]\.metric\.dimensions)\./).map((x) => x.target).filter((t) => !is(t, ...LOAD_BALANCER))),
        actors: [...services.filter((s) => refs.of(s, /^alarms\.alarmNames\[/).some((x) => x.target === a)), ...groups.filter((g) => refs.of(g, /^alarmConfiguration\.alarms\[/).some((x) => x.target === a))],
        rules: eventRules.filter((e) => refs.of(e, /^eventPattern\./).some((x) => x.target === a)),
    });
    const alarmGroups = new Map<string, RegisteredResource[]>();
    for (const a of ofType(T.alarm)) {
        const role = alarmRole(a);
        const key = [role.watched, role.actors, role.rules].map((list) => list.map((r) => r.urn).sort().join(",")).join("|");
        if (!alarmGroups.has(key)) alarmGroups.set(key, []);
        alarmGroups.get(key)!.push(a);
    }

    // ---- nodes
    const clients = addNode("clients", ["clients"], [], "clients", "clients");
    for (const r of custom) {
        const kind = KIND[r.type];
        if (!kind || r.type === T.alarm) continue;
        const [first, ...rest] = describe(r, kind, refs, custom, name);
        addNode(kind, kind === "subscription" || kind === "KMS key" ? [first, ...rest] : [short(r), first, ...rest], [r.urn], kindPrefix(kind), r.name);
    }
    for (const members of alarmGroups.values()) {
        const names = members.map((a) => short(a));
        if (members.length === 1) {
            addNode("alarm", [names[0], "alarm"], [members[0].urn], "alarm", members[0].name);
            continue;
        }
        const prefix = commonPrefix(names);
        const rest = names.map((n) => n.slice(prefix.length) || n);
        addNode("alarms", [`${prefix.replace(/-$/, "") || "alarms"} alarms`, ...wrap(rest, " · ", 22)], members.map((a) => a.urn), "alarms", prefix || members[0].name);
    }

    // ---- traffic: clients → listener → rule → target group → service; queue → worker
    for (const l of ofType(...LISTENER)) {
        edge(clients, N(l), "traffic");
        for (const { target } of refs.of(l, /^defaultActions\[\d+\]/, ...TARGET_GROUP)) edge(N(l), N(target), "traffic");
        const lb = refs.of(l, /^loadBalancerArn$/, ...LOAD_BALANCER)[0]?.target;
        for (const action of asArray(l.inputs.defaultActions)) {
            if (action?.type !== "redirect" || !lb) continue;
            const port = Number(action.redirect?.port ?? l.inputs.port);
            const to = ofType(...LISTENER).find((o) => o !== l && Number(o.inputs.port) === port && refs.of(o, /^loadBalancerArn$/).some((x) => x.target === lb));
            edge(N(l), N(to), "traffic", "redirect");
        }
    }
    for (const rule of ofType(...RULE)) {
        for (const { target } of refs.of(rule, /^listenerArn$/, ...LISTENER)) edge(N(target), N(rule), "traffic");
        for (const { target } of refs.of(rule, /^actions\[\d+\]/, ...TARGET_GROUP)) edge(N(rule), N(target), "traffic");
    }
    for (const s of services) {
        for (const { target } of refs.of(s, /^loadBalancers\[\d+\]\.(targetGroupArn|advancedConfiguration\.alternateTargetGroupArn)$/, ...TARGET_GROUP)) edge(N(target), N(s), "traffic");
        // ECS blue/green: the production and test rules move to the alternate target group on a swap.
        asArray(s.inputs.loadBalancers).forEach((_, i) => {
            const at = (p: string) => new RegExp(`^loadBalancers\\[${i}\\]\\.${p.replace(/\./g, "\\.")}$`);
            const rules = refs.of(s, at("advancedConfiguration.(productionListenerRule|testListenerRule)"), ...RULE).map((x) => x.target);
            const pair = refs.of(s, at("(targetGroupArn|advancedConfiguration.alternateTargetGroupArn)"), ...TARGET_GROUP).map((x) => x.target);
            for (const rule of rules) for (const tg of pair) edge(N(rule), N(tg), "traffic", undefined, true);
        });
        if (s.inputs.taskDefinition) for (const { target } of refs.of(s, /^taskDefinition$/, T.taskDefinition)) edge(N(target), N(s), "structure");
    }
    for (const g of groups) {
        // CodeDeploy: the production and test listeners move to the other target group of the pair.
        const pair = refs.of(g, /^loadBalancerInfo\.targetGroupPairInfo\.targetGroups\[/, ...TARGET_GROUP).map((x) => x.target);
        const listeners = refs.of(g, /^loadBalancerInfo\.targetGroupPairInfo\.(prod|test)TrafficRoute\./, ...LISTENER).map((x) => x.target);
        for (const l of listeners) for (const tg of pair) edge(N(l), N(tg), "traffic", undefined, true);
    }
    for (const q of ofType(T.queue)) {
        for (const { target } of refs.of(q, /^redrivePolicy\.deadLetterTargetArn$/, T.queue)) {
            const receives = get(q.inputs, "redrivePolicy.maxReceiveCount");
            edge(N(q), N(target), "traffic", receives ? `after ${receives} receives` : "redrive", true);
        }
    }
    for (const [queue, service] of consumers(refs, custom)) edge(N(queue), N(service), "traffic", "consumes");

    // ---- rollback: watched resource → alarms → the service or deployment group that rolls back
    for (const members of alarmGroups.values()) {
        const node = N(members[0]);
        const role = alarmRole(members[0]);
        for (const w of role.watched) edge(N(w), node, "rollback");
        for (const actor of role.actors) {
            const rollback = is(actor, T.service) ? actor.inputs.alarms?.rollback : actor.inputs.autoRollbackConfiguration?.enabled;
            edge(node, N(actor), "rollback", rollback ? undefined : "no rollback");
        }
    }
    for (const g of groups) {
        for (const { target } of refs.of(g, /^ecsService\./, T.service)) edge(N(g), N(target), "rollback", "deploys");
        for (const { target } of refs.of(g, /^loadBalancerInfo\.targetGroupPairInfo\.targetGroups\[/, ...TARGET_GROUP)) edge(N(g), N(target), "rollback", "shifts");
    }

    // ---- alerts: service / group / alarms → EventBridge rule → topic → subscriptions; undeliverable events → queue
    for (const rule of eventRules) {
        for (const { target } of refs.of(rule, /^eventPattern\./)) edge(N(target), N(rule), "alerts");
    }
    for (const t of ofType(T.eventTarget)) {
        const rules = refs.of(t, /^rule$/, T.eventRule).map((x) => x.target);
        const targets = refs.of(t, /^arn$/).map((x) => x.target);
        const dlqs = refs.of(t, /^deadLetterConfig\.arn$/).map((x) => x.target);
        for (const rule of rules) {
            for (const target of targets) edge(N(rule), N(target), "alerts");
            for (const dlq of dlqs) edge(N(rule), N(dlq), "alerts", "undelivered", true);
        }
    }
    for (const s of ofType(T.subscription)) for (const { target } of refs.of(s, /^topic$/, T.topic)) edge(N(target), N(s), "alerts");
    for (const topic of ofType(T.topic)) for (const { target } of refs.of(topic, /^kmsMasterKeyId$/, T.key)) edge(N(target), N(topic), "structure", "encrypts");

    // ---- groups: one per ECS service (what it alone uses), one per load balancer, one for notifications
    const groupList: DiagramGroup[] = [];
    const place = (node: DiagramNode | undefined, group: string) => {
        if (node && !node.group) node.group = group;
    };
    for (const s of services) {
        const id = newId("svc", s.name);
        groupList.push({ id, label: `${short(s)} · ${serviceMode(s, refs)}`, kind: "service" });
        const own = N(s)!;
        place(own, id);
        for (const e of edges) {
            if (e.to === own.id && ["task definition", "target group", "CodeDeploy group", "SQS queue", "alarm", "alarms"].includes(nodes.get(e.from)!.kind)) place(nodes.get(e.from), id);
        }
        for (const g of groups.filter((g) => refs.of(g, /^ecsService\./).some((x) => x.target === s))) {
            for (const e of edges) if (e.from === N(g)!.id && nodes.get(e.to)!.kind === "target group") place(nodes.get(e.to), id);
        }
    }
    // Alarms acting on nothing sit with what they watch; queues with the queue that redrives to them.
    for (let pass = 0; pass < 2; pass++) {
        for (const e of edges) {
            const from = nodes.get(e.from)!;
            const to = nodes.get(e.to)!;
            const watches = e.flow === "rollback" && to.kind.startsWith("alarm");
            if ((watches || (e.flow === "traffic" && from.kind === "SQS queue" && to.kind === "SQS queue")) && from.group) place(to, from.group);
            // A target group only alarms use (the idle colour of a rolling service) sits with them.
            if (watches && to.group && (from.kind === "target group" || from.kind === "SQS queue")) place(from, to.group);
        }
    }
    for (const lb of ofType(...LOAD_BALANCER)) {
        const id = newId("lb", lb.name);
        groupList.push({ id, label: `${short(lb)} · ${lb.inputs.internal ? "internal" : "internet-facing"} ALB`, kind: "load balancer" });
        for (const l of refs.to(lb, /^loadBalancerArn$/, ...LISTENER)) {
            place(N(l), id);
            for (const rule of refs.to(l, /^listenerArn$/, ...RULE)) place(N(rule), id);
            for (const { target } of refs.of(l, /^defaultActions\[\d+\]/, ...TARGET_GROUP)) place(N(target), id);
        }
    }
    const alerting = [...nodes.values()].filter((n) => !n.group && edges.some((e) => e.flow === "alerts" && (e.from === n.id || e.to === n.id)));
    const keys = [...nodes.values()].filter((n) => n.kind === "KMS key" && edges.some((e) => e.from === n.id && alerting.some((a) => a.id === e.to)));
    if (alerting.length > 0) {
        const id = newId("alerts", "notifications");
        groupList.push({ id, label: "notifications", kind: "notifications" });
        for (const n of [...alerting, ...keys]) place(n, id);
        const ruleNodes = alerting.filter((n) => n.kind === "EventBridge rule");
        if (ruleNodes.length > 1) {
            const rid = newId("alerts", "rules");
            groupList.push({ id: rid, label: "EventBridge rules", kind: "rules", parent: id });
            for (const n of ruleNodes) n.group = rid;
        }
    }

    const omitted: Record<string, number> = {};
    for (const r of custom) {
        if (KIND[r.type] || STRUCTURAL.has(r.type)) continue;
        const kind = omittedKind(r.type);
        omitted[kind] = (omitted[kind] ?? 0) + 1;
    }
    if (!edges.some((e) => e.from === clients.id)) nodes.delete(clients.id);
    return { name, title: `${name}: requests, rollbacks and alerts`, nodes: [...nodes.values()], groups: groupList, edges, omitted };
}

function kindPrefix(kind: string): string {
    return (
        {
            listener: "listener",
            "listener rule": "rule",
            "target group": "tg",
            "ECS service": "service",
            "task definition": "taskdef",
            "CodeDeploy group": "codedeploy",
            "SQS queue": "queue",
            "EventBridge rule": "event",
            "SNS topic": "topic",
            subscription: "subscription",
            "KMS key": "key",
        } as Record<string, string>
    )[kind] ?? "node";
}

/** The second (and third) label line: what it is, and the one fact that explains its edges. */
function describe(r: RegisteredResource, kind: string, refs: References, all: RegisteredResource[], prefix: string): string[] {
    const p = r.inputs ?? {};
    switch (kind) {
        case "listener": {
            const actions = asArray(p.defaultActions);
            const redirect = actions.find((a) => a?.type === "redirect");
            const fixed = actions.find((a) => a?.type === "fixed-response");
            const extra = redirect ? ` → :${redirect.redirect?.port ?? p.port}` : fixed ? ` (else ${fixed.fixedResponse?.statusCode ?? "fixed"})` : "";
            return [`listener ${p.protocol ?? ""} :${p.port ?? "?"}${extra}`];
        }
        case "listener rule": {
            const conditions = asArray(p.conditions).flatMap((c) => [...asArray(c?.pathPattern?.values), ...asArray(c?.hostHeader?.values)]);
            return [`listener rule ${conditions.join(" ")}${p.priority !== undefined ? ` #${p.priority}` : ""}`.trim()];
        }
        case "ECS service": {
            const ports = unique(asArray(p.loadBalancers).map((lb) => lb?.containerPort).filter((x) => x !== undefined));
            const lines = [`ECS service${ports.length ? ` :${ports.join(", :")}` : ""}`];
            const onFailure = [
                p.deploymentCircuitBreaker?.enable && p.deploymentCircuitBreaker?.rollback ? "circuit breaker" : "",
                p.alarms?.enable && p.alarms?.rollback ? "alarm rollback" : "",
            ].filter(Boolean);
            if (onFailure.length) lines.push(...wrap(onFailure, " + ", 16));
            return lines;
        }
        case "CodeDeploy group": {
            const config = String(p.deploymentConfigName ?? "").replace(/^CodeDeployDefault\.ECS/, "");
            // CodeDeployDefault.ECSLinear10PercentEvery1Minutes → Linear10Percent / Every1Minutes
            return ["CodeDeploy group", ...(config ? wrap(config.split(/(?=Every|Canary|Linear|AllAtOnce)/), "", 18) : [])];
        }
        case "SQS queue": {
            const dlq = refs.to(r, /^redrivePolicy\.deadLetterTargetArn$|^deadLetterConfig\.arn$/).length > 0;
            return [dlq ? "SQS dead-letter queue" : "SQS queue"];
        }
        case "subscription":
            return [String(p.endpoint ?? "?"), `${p.protocol ?? "?"} subscription`];
        case "SNS topic":
            return ["SNS topic"];
        case "KMS key": {
            const alias = all.find((a) => a.type === "aws:kms/alias:Alias" && refs.of(a, /^targetKeyId$/).some((x) => x.target === r));
            const aliasName = alias ? String(alias.inputs.name).replace(/^alias\//, "") : undefined;
            return [aliasName ? (aliasName.startsWith(`${prefix}-`) ? aliasName.slice(prefix.length + 1) : aliasName) : r.name, "KMS key"];
        }
        default:
            return [kind];
    }
}

function serviceMode(s: RegisteredResource, refs: References): string {
    const p = s.inputs ?? {};
    if (asArray(p.loadBalancers).length === 0 && refs.to(s, /^ecsService\./).length === 0) return "worker";
    if (p.deploymentController?.type === "CODE_DEPLOY") return "codedeploy";
    return p.deploymentConfiguration?.strategy === "BLUE_GREEN" ? "blue/green" : "rolling";
}

/**
 * Which service consumes which queue: an IAM policy allowing `sqs:ReceiveMessage` on the queue,
 * on a role that is a task definition's task role, of a service running that task definition.
 */
function consumers(refs: References, all: RegisteredResource[]): [RegisteredResource, RegisteredResource][] {
    const pairs: [RegisteredResource, RegisteredResource][] = [];
    const receives = (doc: RegisteredResource, path: string) => {
        const statement = get(doc.inputs, path.replace(/\.Resource(\[\d+\])?$/, ""));
        const actions = asArray(statement?.Action).map(String);
        return statement?.Effect !== "Deny" && actions.some((a) => /^sqs:(ReceiveMessage|\*)$|^\*$/.test(a));
    };
    for (const doc of all.filter((r) => is(r, T.rolePolicy, T.policy, T.role))) {
        const queues = refs
            .of(doc, /(^|\.)(policy|inlinePolicies\[\d+\]\.policy)\.Statement\[\d+\]\.Resource/, T.queue)
            .filter((x) => receives(doc, x.path))
            .map((x) => x.target);
        if (queues.length === 0) continue;
        const roles = is(doc, T.role)
            ? [doc]
            : is(doc, T.rolePolicy)
              ? refs.of(doc, /^role$/, T.role).map((x) => x.target)
              : refs.to(doc, /^policyArn$/, T.policyAttachment).flatMap((a) => refs.of(a, /^role$/, T.role).map((x) => x.target));
        for (const role of roles)
            for (const td of refs.to(role, /^taskRoleArn$/, T.taskDefinition))
                for (const s of refs.to(td, /^taskDefinition$/, T.service)) for (const q of queues) if (!pairs.some(([a, b]) => a === q && b === s)) pairs.push([q, s]);
    }
    return pairs;
}

function omittedKind(type: string): string {
    if (type.startsWith("aws:iam/")) return "IAM";
    if (type.startsWith("aws:appautoscaling/")) return "auto scaling";
    if (type.startsWith("awsx:ec2:Vpc") || type.startsWith("aws:ec2/eip") || type.startsWith("aws:ec2/subnet")) return "network";
    return type.split(":").pop()!.replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase();
}

function unique<X>(items: X[]): X[] {
    return [...new Set(items)];
}

function asArray(v: unknown): any[] {
    return Array.isArray(v) ? v : v === undefined || v === null ? [] : [v];
}

function commonPrefix(names: string[]): string {
    let prefix = names[0] ?? "";
    for (const n of names) while (!n.startsWith(prefix)) prefix = prefix.slice(0, -1);
    // Cut at a word boundary, so `api-blue-5xx` and `api-blue-p99` share `api-blue-`.
    const cut = prefix.lastIndexOf("-");
    return cut >= 0 && names.every((n) => n.length > cut + 1) ? prefix.slice(0, cut + 1) : "";
}

/** Joins items into lines of at most `width` characters. */
function wrap(items: string[], sep: string, width: number): string[] {
    const lines: string[] = [];
    let line = "";
    for (const item of items) {
        if (line && line.length + sep.length + item.length > width) {
            lines.push(line);
            line = item;
        } else line = line ? `${line}${sep}${item}` : item;
    }
    if (line) lines.push(line);
    return lines;
}

// ---------------------------------------------------------------------------------------------
// Rendering

/**
 * How each flow is drawn. Colour tells the flows apart (blue requests, red rollback, purple
 * alerts, thin grey "uses"), and so does the line (plain, thinner, bold); dashed in any colour is
 * a path taken only sometimes: after a blue/green swap or a CodeDeploy shift, a redrive to a
 * dead-letter queue, an event that could not be delivered.
 */
const FLOW_STYLE: Record<Flow, { color: string; name: string; penwidth: number; mermaid: string; width: string }> = {
    traffic: { color: "#1565c0", name: "requests", penwidth: 1.6, mermaid: "-->", width: "2px" },
    rollback: { color: "#c62828", name: "rollback", penwidth: 1.2, mermaid: "-->", width: "1.5px" },
    alerts: { color: "#7b1fa2", name: "alerts", penwidth: 2.4, mermaid: "==>", width: "3px" },
    structure: { color: "#9e9e9e", name: "uses", penwidth: 0.8, mermaid: "-->", width: "1px" },
};

const NODE_FILL: Record<string, string> = {
    clients: "#ffffff",
    listener: "#e3f2fd",
    "listener rule": "#e3f2fd",
    "target group": "#bbdefb",
    "ECS service": "#c8e6c9",
    "task definition": "#f1f8e9",
    alarm: "#ffcdd2",
    alarms: "#ffcdd2",
    "CodeDeploy group": "#fff9c4",
    "SQS queue": "#e0f7fa",
    "EventBridge rule": "#e1bee7",
    "SNS topic": "#ce93d8",
    subscription: "#f3e5f5",
    "KMS key": "#eeeeee",
};

const GROUP_STYLE: Record<DiagramGroup["kind"], { fill: string; border: string }> = {
    service: { fill: "#f6fbf6", border: "#66bb6a" },
    "load balancer": { fill: "#f5f9ff", border: "#64b5f6" },
    notifications: { fill: "#fcf7fd", border: "#ab47bc" },
    rules: { fill: "#f6ebf8", border: "#ce93d8" },
};

const LEGEND_FLOWS: Flow[] = ["traffic", "rollback", "alerts", "structure"];

function legendNote(d: Diagram): string[] {
    const omitted = Object.entries(d.omitted)
        .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
        .map(([k, n]) => `${k} ×${n}`);
    const words = [
        "Dashed: taken only after a blue/green swap or CodeDeploy shift, a redrive, an undelivered event.",
        ...(omitted.length ? [`Not drawn: ${omitted.join(", ")}.`] : []),
    ].join(" ");
    return wrap(words.split(" "), " ", 110);
}

/** Edges from every rule of an EventBridge-rules box to one node (same flow and label), drawn once from the box. */
function bundled(d: Diagram): { edge: DiagramEdge; fromGroup?: string; count: number }[] {
    const out: { edge: DiagramEdge; fromGroup?: string; count: number }[] = [];
    const done = new Set<DiagramEdge>();
    const key = (e: DiagramEdge) => `${e.to}|${e.flow}|${e.label ?? ""}|${e.secondary ?? ""}`;
    for (const g of d.groups.filter((g) => g.kind === "rules")) {
        const members = new Set(d.nodes.filter((n) => n.group === g.id).map((n) => n.id));
        const leaving = d.edges.filter((e) => members.has(e.from) && !members.has(e.to));
        for (const k of new Set(leaving.map(key))) {
            const same = leaving.filter((e) => key(e) === k);
            if (same.length < 2 || same.length !== members.size) continue;
            same.forEach((e) => done.add(e));
            out.push({ edge: same[0], fromGroup: g.id, count: same.length });
        }
    }
    for (const e of d.edges) if (!done.has(e)) out.push({ edge: e, count: 1 });
    return out;
}

const edgeText = (e: DiagramEdge, count: number) => [count > 1 ? `${count} rules` : "", e.label].filter(Boolean).join(": ");

/** Graphviz: left to right, a box per ECS service, load balancer and notifications, coloured edges per flow and a legend. */
export function toDot(d: Diagram, opts: { fontname?: string } = {}): string {
    const font = opts.fontname ?? "Helvetica";
    const q = (s: string) => `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`;
    const html = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
    const lines: string[] = [
        `digraph ${q(d.name)} {`,
        `  graph [rankdir=LR, compound=true, newrank=true, nodesep=0.18, ranksep=0.35, fontname="${font}", fontsize=11, pad=0.2, labelloc=t, labeljust=l];`,
        `  node [shape=box, style="rounded,filled", fontname="${font}", fontsize=10, margin="0.12,0.04", height=0.3, penwidth=0.8];`,
        `  edge [fontname="${font}", fontsize=9, arrowsize=0.7];`,
    ];
    // The legend is the graph's label: it takes no place in the layout.
    const sample = (f: Flow, dashed = false) => `<font color="${FLOW_STYLE[f].color}">${dashed ? "╍╍╍▶" : f === "alerts" ? "━━━▶" : "───▶"}</font>`;
    const legend = LEGEND_FLOWS.map((f) => `<td align="left">${sample(f)} ${FLOW_STYLE[f].name}</td><td width="14"></td>`).join("");
    lines.push(
        `  label=<<table border="0" cellspacing="2" cellpadding="1">` +
            `<tr><td align="left" colspan="9"><b>${html(d.title)}</b></td></tr>` +
            `<tr>${legend}<td align="left">${sample("traffic", true)} only sometimes</td></tr>` +
            `<tr><td align="left" colspan="9"><font point-size="9" color="#616161">${legendNote(d).map(html).join('<br align="left"/>')}<br align="left"/></font></td></tr>` +
            `</table>>;`,
    );
    const nodeById = new Map(d.nodes.map((n) => [n.id, n]));
    const nodeLine = (n: DiagramNode, pad: string) => {
        const shape = n.kind === "clients" ? ", shape=oval" : "";
        const tooltip = n.details.length ? `, tooltip=${q(n.details.join("\n"))}` : "";
        lines.push(`${pad}${n.id} [label=${q(n.label.join("\n"))}, fillcolor="${NODE_FILL[n.kind] ?? "#ffffff"}"${shape}${tooltip}];`);
    };
    const writeGroup = (g: DiagramGroup, pad: string) => {
        const style = GROUP_STYLE[g.kind];
        lines.push(`${pad}subgraph cluster_${g.id} {`, `${pad}  label=${q(g.label)}; style="rounded,filled"; fillcolor="${style.fill}"; color="${style.border}"; fontsize=11;`);
        const members = d.nodes.filter((n) => n.group === g.id);
        for (const n of members) nodeLine(n, `${pad}  `);
        for (const child of d.groups.filter((c) => c.parent === g.id)) writeGroup(child, `${pad}  `);
        // EventBridge rules in one column, whatever they listen to; a topic's subscriptions under it.
        if (g.kind === "rules") lines.push(`${pad}  { rank=same; ${members.map((n) => n.id).join("; ")} }`);
        for (const topic of members.filter((n) => n.kind === "SNS topic")) {
            const subscribers = d.edges.filter((e) => e.from === topic.id && nodeById.get(e.to)?.kind === "subscription").map((e) => e.to);
            if (subscribers.length) lines.push(`${pad}  { rank=same; ${[topic.id, ...subscribers].join("; ")} }`);
        }
        lines.push(`${pad}}`);
    };
    for (const n of d.nodes.filter((n) => !n.group)) nodeLine(n, "  ");
    for (const g of d.groups.filter((g) => !g.parent)) writeGroup(g, "  ");
    for (const { edge: e, fromGroup, count } of bundled(d)) {
        const style = FLOW_STYLE[e.flow];
        const text = edgeText(e, count);
        const attrs = [
            `color="${style.color}"`,
            `penwidth=${style.penwidth}`,
            ...(e.secondary ? ["style=dashed"] : []),
            ...(e.flow === "structure" ? ["arrowsize=0.5"] : []),
            ...(text ? [`label=${q(text)}`, `fontcolor="${style.color}"`] : []),
            ...(fromGroup ? [`ltail=cluster_${fromGroup}`] : []),
            // A deployment group acts on target groups that come before it: do not let that edge order the ranks.
            ...(nodeById.get(e.from)?.kind === "CodeDeploy group" && nodeById.get(e.to)?.kind === "target group" ? ["constraint=false"] : []),
        ];
        const from = fromGroup ? d.nodes.find((n) => n.group === fromGroup)!.id : e.from;
        lines.push(`  ${from} -> ${e.to} [${attrs.join(", ")}];`);
    }
    lines.push("}");
    return lines.join("\n") + "\n";
}

/** Mermaid flowchart: the same nodes, boxes and edges; flows told apart by colour and line (linkStyle) and a legend. */
export function toMermaid(d: Diagram): string {
    const text = (s: string) => s.replace(/"/g, "#quot;").replace(/</g, "#lt;").replace(/>/g, "#gt;");
    const label = (lines: string[]) => `"${lines.map(text).join("<br/>")}"`;
    const classOf = (kind: string) => `k_${kind.replace(/[^A-Za-z]+/g, "_")}`;
    const lines: string[] = ["flowchart TB"];
    const nodeLine = (n: DiagramNode, pad: string) => {
        const [open, close] = n.kind === "clients" ? ["((", "))"] : n.kind === "SQS queue" ? ["[(", ")]"] : ["(", ")"];
        lines.push(`${pad}${n.id}${open}${label(n.label)}${close}:::${classOf(n.kind)}`);
    };
    const writeGroup = (g: DiagramGroup, pad: string) => {
        lines.push(`${pad}subgraph ${g.id}[${label([g.label])}]`);
        for (const n of d.nodes.filter((n) => n.group === g.id)) nodeLine(n, `${pad}  `);
        for (const child of d.groups.filter((c) => c.parent === g.id)) writeGroup(child, `${pad}  `);
        lines.push(`${pad}end`);
    };
    for (const n of d.nodes.filter((n) => !n.group)) nodeLine(n, "  ");
    for (const g of d.groups.filter((g) => !g.parent)) writeGroup(g, "  ");
    const styles: string[] = [];
    const linkStyle = (flow: Flow, dashed: boolean) =>
        `stroke:${FLOW_STYLE[flow].color},color:${FLOW_STYLE[flow].color},stroke-width:${FLOW_STYLE[flow].width}${dashed ? ",stroke-dasharray:6 4" : ""}`;
    for (const { edge: e, fromGroup, count } of bundled(d)) {
        const words = edgeText(e, count);
        const arrow = e.secondary ? "-.->" : FLOW_STYLE[e.flow].mermaid;
        lines.push(`  ${fromGroup ?? e.from} ${arrow}${words ? `|${label([words])}|` : ""} ${e.to}`);
        styles.push(`  linkStyle ${styles.length} ${linkStyle(e.flow, Boolean(e.secondary))}`);
    }
    lines.push(`  subgraph legend["legend"]`, "    direction LR");
    for (const f of LEGEND_FLOWS) {
        lines.push(`    legend_${f}_a[" "]:::legend ${FLOW_STYLE[f].mermaid}|"${FLOW_STYLE[f].name}"| legend_${f}_b[" "]:::legend`);
        styles.push(`  linkStyle ${styles.length} ${linkStyle(f, false)}`);
    }
    lines.push(`    legend_sometimes_a[" "]:::legend -.->|"only sometimes"| legend_sometimes_b[" "]:::legend`);
    styles.push(`  linkStyle ${styles.length} ${linkStyle("traffic", true)}`);
    lines.push(`    legend_note[${label(legendNote(d))}]:::note`, "  end");
    lines.push(...styles);
    for (const kind of new Set(d.nodes.map((n) => n.kind))) lines.push(`  classDef ${classOf(kind)} fill:${NODE_FILL[kind] ?? "#ffffff"},stroke:#607d8b`);
    lines.push("  classDef legend fill:#ffffff,stroke:#ffffff", "  classDef note fill:#ffffff,stroke:#ffffff,color:#616161,text-align:left");
    for (const g of d.groups) lines.push(`  style ${g.id} fill:${GROUP_STYLE[g.kind].fill},stroke:${GROUP_STYLE[g.kind].border}`);
    return lines.join("\n") + "\n";
}

let viz: Promise<{ renderString(dot: string, options: { format: string }): string }> | undefined;

/** Renders Graphviz to SVG offline (Graphviz compiled to WebAssembly; loaded once per process). */
export async function dotToSvg(dot: string): Promise<string> {
    if (!viz) {
        let mod: { instance(): Promise<any> };
        try {
            mod = require("@viz-js/viz");
        } catch (e) {
            throw new Error(`rendering SVG needs @viz-js/viz (a dev dependency: npm ci): ${(e as Error).message}`);
        }
        viz = mod.instance();
    }
    return (await viz).renderString(dot, { format: "svg" });
}

/** The format a `--diagram` file asks for, by its extension. */
export function diagramFormat(file: string): DiagramFormat | undefined {
    const ext = /\.([A-Za-z]+)$/.exec(file)?.[1]?.toLowerCase();
    return ext === "mmd" || ext === "mermaid" ? "mermaid" : ext === "dot" || ext === "gv" ? "dot" : ext === "svg" ? "svg" : undefined;
}

/** The architecture of what a run registered, as Mermaid (`.mmd`), Graphviz (`.dot`) or SVG rendered from the Graphviz. */
export async function renderDiagram(run: { resources: RegisteredResource[]; config?: { project: string; stack: string } }, format: DiagramFormat): Promise<string> {
    const d = architecture(run.resources, { project: run.config?.project, stack: run.config?.stack });
    if (format === "mermaid") return toMermaid(d);
    if (format === "dot") return toDot(d);
    // Graphviz sizes boxes by its own estimate of the font's metrics; DejaVu Sans is the widest
    // common sans, so labels fit in whichever of these the viewer has.
    const svg = await dotToSvg(toDot(d, { fontname: "DejaVu Sans" }));
    return svg.replace(/font-family="DejaVu Sans"/g, 'font-family="DejaVu Sans,Verdana,Helvetica,Arial,sans-serif"');
}
