/**
 * Advisory rules: each finding names what to fix. Advisory by default; any can be made mandatory in
 * the policy pack config.
 *
 * - `ecs-health-check-grace-period`: services behind a load balancer set healthCheckGracePeriodSeconds > 0.
 * - `ecs-rolling-alarm-rollback`: rolling services (ECS controller, ROLLING strategy) also roll back on alarms.
 * - `ecs-blue-green-bake-time`: ECS native blue/green has a bake time and an alternate target group per load balancer.
 * - `test-listener-not-public` (stack): a test listener's security group is not open to 0.0.0.0/0 or ::/0.
 */
import { StackIndex, StackResource } from "../lib/graph";
import { controllerOf, isNativeBlueGreen, loadBalancerEntries, namesAnAlarm, strategyOf } from "../lib/ecs";
import { commonConfigProperties, configNumbers, Finding, ResourceContext, undecided, violation } from "../lib/rule";
import { asArray, asBool, asNumber, asString, get, items, path, Tri, triOr, triSome, UNKNOWN, upperOrUndefined } from "../lib/safe";
import { resourcePolicy, StackContext, stackPolicy } from "../lib/wiring";

export const GRACE_POLICY = "ecs-health-check-grace-period";
export const ROLLING_ALARMS_POLICY = "ecs-rolling-alarm-rollback";
export const BAKE_TIME_POLICY = "ecs-blue-green-bake-time";
export const TEST_LISTENER_POLICY = "test-listener-not-public";

function svc(ctx: ResourceContext): string {
    return `ECS service '${ctx.name}'`;
}

// ---------------------------------------------------------------------------------------------

export function checkHealthCheckGracePeriod(props: unknown, ctx: ResourceContext): Finding[] {
    const lbs = loadBalancerEntries(props);
    if (lbs === UNKNOWN) return [undecided(`${svc(ctx)}: loadBalancers is unknown.`)];
    if (lbs.length === 0) return [];
    const g = asNumber(get(props, "healthCheckGracePeriodSeconds"));
    if (g === UNKNOWN) return [undecided(`${svc(ctx)}: healthCheckGracePeriodSeconds is unknown.`)];
    if (g !== undefined && g > 0) return [];
    return [violation(`${svc(ctx)} is behind a load balancer but has no health check grace period ` +
        `(${g === undefined ? "not set, i.e. 0" : g} s): new tasks can be killed by failing ELB checks while still starting, ` +
        "and a slow start looks like a bad version. Set `healthCheckGracePeriodSeconds` (e.g. 60) above the application's start-up time.")];
}

export const ecsHealthCheckGracePeriod = resourcePolicy({
    name: GRACE_POLICY,
    description: "ECS services with `loadBalancers` should set `healthCheckGracePeriodSeconds` > 0 (longer than the " +
        "application's start-up time) so starting tasks are not killed by ELB health checks.",
    enforcementLevel: "advisory",
    severity: "low",
    tags: ["ecs", "health-check"],
    configSchema: { properties: { ...commonConfigProperties(false) } },
    kinds: ["ecsService"],
    check: checkHealthCheckGracePeriod,
});

// ---------------------------------------------------------------------------------------------

export function checkRollingAlarmRollback(props: unknown, ctx: ResourceContext): Finding[] {
    const controller = controllerOf(props);
    if (controller === UNKNOWN) return [undecided(`${svc(ctx)}: deployment controller is unknown.`)];
    if (controller !== "ECS") return [];
    const strategy = strategyOf(props);
    if (strategy === UNKNOWN) return [undecided(`${svc(ctx)}: deploymentConfiguration.strategy is unknown.`)];
    // BLUE_GREEN, LINEAR and CANARY are ecs-blue-green-bake-time's business
    if (strategy !== "ROLLING") return [];
    const alarms = get(props, "alarms");
    if (alarms === UNKNOWN) return [undecided(`${svc(ctx)}: alarms is unknown.`)];
    const fix = "Set `alarms: { alarmNames: [<alarms on 5xx rate / latency>], enable: true, rollback: true }`.";
    if (alarms === undefined || alarms === null || typeof alarms !== "object") {
        return [violation(`${svc(ctx)} (rolling deployment) has no deployment alarms: a version that starts but serves errors ` +
            `is only caught by health checks. ${fix}`)];
    }
    const enable = asBool(get(alarms, "enable"));
    const rollback = asBool(get(alarms, "rollback"));
    const named = namesAnAlarm(get(alarms, "alarmNames"));
    // what is known to be wrong is reported even next to an unknown
    const problems: string[] = [];
    if (enable !== true && enable !== UNKNOWN) problems.push("alarms.enable is not true");
    if (rollback !== true && rollback !== UNKNOWN) problems.push("alarms.rollback is not true");
    if (named === false) problems.push("alarms.alarmNames is empty (no non-blank alarm name)");
    if (problems.length > 0) return [violation(`${svc(ctx)} (rolling deployment): ${problems.join(", ")}. ${fix}`)];
    if (enable === UNKNOWN || rollback === UNKNOWN || named === UNKNOWN) {
        return [undecided(`${svc(ctx)}: alarms.enable/rollback/alarmNames is unknown.`)];
    }
    return [];
}

export const ecsRollingAlarmRollback = resourcePolicy({
    name: ROLLING_ALARMS_POLICY,
    description: "Rolling ECS services (ECS controller, ROLLING strategy — the default) should also roll back on CloudWatch alarms: " +
        "set `alarms: { alarmNames: [...], enable: true, rollback: true }`.",
    enforcementLevel: "advisory",
    severity: "low",
    tags: ["ecs", "rollback", "alarms"],
    configSchema: { properties: { ...commonConfigProperties(false) } },
    kinds: ["ecsService"],
    check: checkRollingAlarmRollback,
});

// ---------------------------------------------------------------------------------------------

export function checkBlueGreenBakeTime(props: unknown, ctx: ResourceContext): Finding[] {
    const controller = controllerOf(props);
    const strategy = strategyOf(props);
    if (controller === UNKNOWN || strategy === UNKNOWN) {
        return controller === UNKNOWN && strategy === "ROLLING" ? [] : [undecided(`${svc(ctx)}: deployment controller or strategy is unknown.`)];
    }
    if (controller !== "ECS" || !isNativeBlueGreen(strategy)) return [];
    const out: Finding[] = [];
    const bake = asNumber(path(props, "deploymentConfiguration", "bakeTimeInMinutes"));
    if (bake === UNKNOWN) out.push(undecided(`${svc(ctx)}: bakeTimeInMinutes is unknown.`));
    else if (bake === undefined || bake <= 0) {
        out.push(violation(`${svc(ctx)} uses ECS native ${strategy} deployments without a bake time ` +
            `(${bake === undefined ? "not set" : `${bake} minutes`}): the old version is dropped before alarms can react. ` +
            "Set `deploymentConfiguration.bakeTimeInMinutes` (e.g. \"10\")."));
    }
    const lbs = loadBalancerEntries(props);
    if (lbs === UNKNOWN) out.push(undecided(`${svc(ctx)}: loadBalancers is unknown.`));
    else {
        lbs.forEach((lb, i) => {
            const alt = path(lb, "advancedConfiguration", "alternateTargetGroupArn");
            if (alt === UNKNOWN) return; // an unknown ARN is still an ARN being set
            if (typeof alt !== "string" || alt.trim() === "") {
                const tg = asString(get(lb, "targetGroupArn"));
                out.push(violation(`${svc(ctx)} uses ECS native ${strategy} deployments but load balancer #${i}` +
                    `${typeof tg === "string" ? ` (${tg})` : ""} has no \`advancedConfiguration.alternateTargetGroupArn\`: ` +
                    "there is no green target group to shift traffic to. Set `advancedConfiguration: { alternateTargetGroupArn, " +
                    "productionListenerRule, roleArn }` on every load balancer entry."));
            }
        });
    }
    return out;
}

export const ecsBlueGreenBakeTime = resourcePolicy({
    name: BAKE_TIME_POLICY,
    description: "ECS native blue/green (deploymentConfiguration.strategy BLUE_GREEN, also LINEAR/CANARY) should set " +
        "`deploymentConfiguration.bakeTimeInMinutes` > 0 and give every load balancer entry an " +
        "`advancedConfiguration.alternateTargetGroupArn`.",
    enforcementLevel: "advisory",
    severity: "low",
    tags: ["ecs", "blue-green"],
    configSchema: { properties: { ...commonConfigProperties(false) } },
    kinds: ["ecsService"],
    check: checkBlueGreenBakeTime,
});

// ---------------------------------------------------------------------------------------------
// Test listener open to the world

const WORLD_V4 = "0.0.0.0/0";
const WORLD_V6 = "::/0";

function portCovered(protocol: unknown, from: unknown, to: unknown, port: number): Tri {
    const p = asString(protocol);
    if (p === UNKNOWN) return UNKNOWN;
    if (typeof p === "string" && (p === "-1" || p.toLowerCase() === "all")) return true;
    if (typeof p === "string" && !["tcp", "6"].includes(p.toLowerCase())) return false;
    const f = asNumber(from);
    const t = asNumber(to);
    if (f === UNKNOWN || t === UNKNOWN) return UNKNOWN;
    if (f === undefined && t === undefined) return false;
    const lo = f ?? t ?? 0;
    const hi = t ?? f ?? 0;
    return lo <= port && port <= hi;
}

function containsWorld(list: unknown, world: string): Tri {
    const l = items(list);
    if (l === UNKNOWN) return UNKNOWN;
    return triSome(l, (c) => (c === UNKNOWN ? UNKNOWN : typeof c === "string" && c.trim() === world));
}

function eqWorld(v: unknown, world: string): Tri {
    const s = asString(v);
    if (s === UNKNOWN) return UNKNOWN;
    return typeof s === "string" && s.trim() === world;
}

interface Opening {
    open: Tri;
    via?: string;
}

class IngressIndex {
    private readonly bySg = new Map<string, StackResource[]>();
    constructor(private readonly idx: StackIndex) {
        for (const kind of ["sgIngressRule", "sgRule"] as const) {
            for (const r of idx.ofKind(kind)) {
                if (kind === "sgRule") {
                    const type = asString(get(r.props, "type"));
                    if (typeof type === "string" && type.toLowerCase() !== "ingress") continue;
                }
                let sgs = idx.propDeps(r, "securityGroupId", "securityGroup");
                if (sgs.length === 0) {
                    const id = asString(get(r.props, "securityGroupId"));
                    if (typeof id === "string") sgs = idx.byArnOrId("securityGroup", id);
                }
                for (const sg of sgs) {
                    let l = this.bySg.get(sg.urn);
                    if (!l) this.bySg.set(sg.urn, (l = []));
                    l.push(r);
                }
            }
        }
    }

    /** Is `port` of the security group open to 0.0.0.0/0 or ::/0? */
    opening(sg: StackResource, port: number): Opening {
        let unknown = false;
        const ingress = items(get(sg.props, "ingress"));
        if (ingress === UNKNOWN) unknown = true;
        else {
            for (const rule of ingress) {
                const world = triOr([containsWorld(get(rule, "cidrBlocks"), WORLD_V4), containsWorld(get(rule, "ipv6CidrBlocks"), WORLD_V6)]);
                if (world === false) continue;
                const covered = portCovered(get(rule, "protocol"), get(rule, "fromPort"), get(rule, "toPort"), port);
                if (world === true && covered === true) return { open: true, via: `an inline ingress rule of security group '${sg.name}'` };
                if (covered !== false) unknown = true;
            }
        }
        for (const r of this.bySg.get(sg.urn) ?? []) {
            const isVpcRule = this.idx.kindOf(r) === "sgIngressRule";
            const world = isVpcRule
                ? triOr([eqWorld(get(r.props, "cidrIpv4"), WORLD_V4), eqWorld(get(r.props, "cidrIpv6"), WORLD_V6)])
                : triOr([containsWorld(get(r.props, "cidrBlocks"), WORLD_V4), containsWorld(get(r.props, "ipv6CidrBlocks"), WORLD_V6)]);
            if (world === false) continue;
            const covered = portCovered(get(r.props, isVpcRule ? "ipProtocol" : "protocol"), get(r.props, "fromPort"), get(r.props, "toPort"), port);
            if (world === true && covered === true) return { open: true, via: `security group rule '${r.name}' (on '${sg.name}')` };
            if (covered !== false) unknown = true;
        }
        return { open: unknown ? UNKNOWN : false };
    }
}

function forwards(actions: unknown): Tri {
    const list = items(actions);
    if (list === UNKNOWN) return UNKNOWN;
    return triSome(list, (a) => {
        const t = upperOrUndefined(get(a, "type"));
        if (t === UNKNOWN) return UNKNOWN;
        return t === "FORWARD";
    });
}

export function checkTestListeners(_resources: readonly StackResource[], ctx: StackContext): Finding[] {
    const idx = ctx.index;
    const listeners = idx.ofKind("listener");
    if (listeners.length === 0) return [];
    const prodPorts = configNumbers(ctx.config, "productionListenerPorts");
    const testPorts = configNumbers(ctx.config, "testListenerPorts");
    const ingress = new IngressIndex(idx);
    // listener rules by listener
    const rulesByListener = new Map<string, StackResource[]>();
    for (const lr of idx.ofKind("listenerRule")) {
        let ls = idx.propDeps(lr, "listenerArn", "listener");
        if (ls.length === 0) {
            const a = asString(get(lr.props, "listenerArn"));
            if (typeof a === "string") ls = idx.byArnOrId("listener", a);
        }
        for (const l of ls) {
            let list = rulesByListener.get(l.urn);
            if (!list) rulesByListener.set(l.urn, (list = []));
            list.push(lr);
        }
    }
    const out: Finding[] = [];
    for (const l of listeners) {
        if (ctx.isExempt(l)) continue;
        const port = asNumber(get(l.props, "port"));
        if (port === UNKNOWN) {
            out.push(undecided(`Listener '${l.name}': port is unknown.`, l.urn));
            continue;
        }
        if (port === undefined) continue;
        let isTest: Tri;
        if (testPorts.includes(port)) isTest = true;
        else if (prodPorts.includes(port)) isTest = false;
        else {
            isTest = triOr([forwards(get(l.props, "defaultActions")), ...(rulesByListener.get(l.urn) ?? []).map((r) => forwards(get(r.props, "actions")))]);
        }
        if (isTest === false) continue;
        let lbs = idx.propDeps(l, "loadBalancerArn", "loadBalancer");
        if (lbs.length === 0) {
            const a = asString(get(l.props, "loadBalancerArn"));
            if (typeof a === "string") lbs = idx.byArnOrId("loadBalancer", a);
        }
        for (const lb of lbs) {
            const sgs = new Map<string, StackResource>();
            for (const sg of idx.propDeps(lb, "securityGroups", "securityGroup")) sgs.set(sg.urn, sg);
            const ids = asArray(get(lb.props, "securityGroups"));
            if (Array.isArray(ids)) {
                for (const id of ids) {
                    const s = asString(id);
                    if (typeof s === "string") for (const sg of idx.byArnOrId("securityGroup", s)) sgs.set(sg.urn, sg);
                }
            }
            for (const sg of sgs.values()) {
                const o: Opening = ingress.opening(sg, port);
                if (o.open === true && isTest === true) {
                    out.push(violation(`Listener '${l.name}' on port ${port} is a test listener (it carries test traffic to the new ` +
                        `version before the switch), but ${o.via} opens that port to the internet (${WORLD_V4} or ${WORLD_V6}). ` +
                        "Restrict the ingress for the test port to your own CIDR ranges or security groups.", l.urn));
                } else if (o.open !== false) {
                    out.push(undecided(`Listener '${l.name}' (port ${port}): whether it is a test listener open to the internet is not known yet.`, l.urn));
                }
            }
        }
    }
    return out;
}

export const testListenerNotPublic = stackPolicy({
    name: TEST_LISTENER_POLICY,
    description: "A test listener (any listener not on a production port that forwards to target groups, or a port listed in " +
        "`testListenerPorts`) must not be reachable from the internet: remove 0.0.0.0/0 and ::/0 ingress for its port from the " +
        "load balancer's security groups (inline ingress, aws.vpc.SecurityGroupIngressRule, aws.ec2.SecurityGroupRule).",
    enforcementLevel: "advisory",
    severity: "medium",
    tags: ["elb", "security", "blue-green"],
    configSchema: {
        properties: {
            ...commonConfigProperties(false),
            testListenerPorts: {
                type: "array",
                items: { type: "integer" },
                default: [],
                description: "Listener ports that are always test listeners (e.g. [8080, 9443]).",
            },
            productionListenerPorts: {
                type: "array",
                items: { type: "integer" },
                default: [80, 443],
                description: "Listener ports that are production listeners (never treated as test listeners unless listed in testListenerPorts).",
            },
        },
    },
    checkStack: checkTestListeners,
});

