/**
 * ECS and CodeDeploy facts shared by several rules: deployment controller, strategy, and which
 * CodeDeploy deployment group manages which ECS service.
 */
import { StackIndex, StackResource } from "./graph";
import { asBool, asObject, asString, get, items, path, Tri, triSome, Unknown, UNKNOWN, upperOrUndefined } from "./safe";

/** `deploymentController.type`; omitted means `ECS`. UNKNOWN when not known yet. */
export function controllerOf(props: unknown): string | Unknown {
    const dc = get(props, "deploymentController");
    if (dc === UNKNOWN) return UNKNOWN;
    if (dc === undefined || dc === null) return "ECS";
    const t = upperOrUndefined(get(dc, "type"));
    if (t === UNKNOWN) return UNKNOWN;
    if (t === undefined || t === "") return "ECS";
    return t;
}

/** `deploymentConfiguration.strategy`; omitted means `ROLLING`. */
export function strategyOf(props: unknown): string | Unknown {
    const s = upperOrUndefined(path(props, "deploymentConfiguration", "strategy"));
    if (s === UNKNOWN) return UNKNOWN;
    return s === undefined || s === "" ? "ROLLING" : s;
}

/**
 * The service's load balancer entries: the objects in `loadBalancers`, and its unknown elements (an
 * element that exists is an entry, whatever it turns out to hold). Any other value is no load
 * balancer: the provider refuses it. UNKNOWN when the whole list is.
 */
export function loadBalancerEntries(props: unknown): unknown[] | Unknown {
    const lbs = items(get(props, "loadBalancers"));
    if (lbs === UNKNOWN) return UNKNOWN;
    return lbs.filter((lb) => lb === UNKNOWN || asObject(lb) !== undefined);
}

/**
 * Does a list of CloudWatch alarm names name at least one alarm? A non-blank string does, and so
 * does an unknown element (it will hold a name). UNKNOWN when the whole list is.
 */
export function namesAnAlarm(list: unknown): Tri {
    const names = items(list);
    if (names === UNKNOWN) return UNKNOWN;
    return names.some((a) => a === UNKNOWN || (typeof a === "string" && a.trim() !== ""));
}

/** ECS native blue/green family (traffic shifting with a bake time). */
export function isNativeBlueGreen(strategy: string): boolean {
    return strategy === "BLUE_GREEN" || strategy === "LINEAR" || strategy === "CANARY";
}

/** A cluster name from a name or ARN (`arn:aws:ecs:region:account:cluster/name`). */
export function clusterName(v: string): string {
    if (v.startsWith("arn:")) {
        const i = v.lastIndexOf("/");
        return i >= 0 ? v.slice(i + 1) : v;
    }
    return v;
}

/** The service's cluster name; omitted means the `default` cluster. */
export function serviceCluster(props: unknown): string | Unknown {
    const c = asString(get(props, "cluster"));
    if (c === UNKNOWN) return UNKNOWN;
    if (c === undefined || c === "") return "default";
    return clusterName(c);
}

/** A name from a name or an ARN whose last segment is the name (`.../cluster/service`). */
export function lastSegment(v: string): string {
    const i = v.lastIndexOf("/");
    return i >= 0 ? v.slice(i + 1) : v;
}

export function serviceName(props: unknown): string | Unknown | undefined {
    const n = asString(get(props, "name"));
    return n === "" ? undefined : n;
}

/** True when the deployment group deploys to ECS (has `ecsService`), UNKNOWN when that is unknown. */
export function hasEcsService(dgProps: unknown): Tri {
    const e = get(dgProps, "ecsService");
    if (e === UNKNOWN) return UNKNOWN;
    return e !== undefined && e !== null;
}

export interface DeploymentGroupMap {
    /** Deployment groups managing each service, by service URN. */
    groupsOf(serviceUrn: string): readonly StackResource[];
    /** Services each deployment group manages, by deployment group URN. */
    servicesOf(groupUrn: string): readonly StackResource[];
    /** ECS deployment groups whose service could not be resolved yet (unknown names, no dependencies). */
    unresolved: readonly StackResource[];
}

/**
 * Which deployment group manages which ECS service: by the URNs `ecsService` depends on (works in a
 * new stack's preview, where the service's name is unknown), and by cluster and service name.
 * Linear in the number of resources.
 */
export function mapDeploymentGroups(index: StackIndex): DeploymentGroupMap {
    const services = index.ofKind("ecsService");
    const byName = new Map<string, StackResource[]>();
    for (const s of services) {
        const n = serviceName(s.props);
        if (typeof n === "string") {
            let l = byName.get(n);
            if (!l) byName.set(n, (l = []));
            l.push(s);
        }
    }
    const groupsBySvc = new Map<string, StackResource[]>();
    const svcsByGroup = new Map<string, StackResource[]>();
    const unresolved: StackResource[] = [];

    for (const dg of index.ofKind("deploymentGroup")) {
        const ecs = get(dg.props, "ecsService");
        if (ecs === undefined || ecs === null) continue;
        const found = new Map<string, StackResource>();
        for (const s of index.propDeps(dg, "ecsService", "ecsService")) found.set(s.urn, s);
        const sName = ecs === UNKNOWN ? UNKNOWN : asString(get(ecs, "serviceName"));
        const cName = ecs === UNKNOWN ? UNKNOWN : asString(get(ecs, "clusterName"));
        if (typeof sName === "string") {
            const wanted = lastSegment(sName);
            for (const s of byName.get(wanted) ?? []) {
                const sc = serviceCluster(s.props);
                if (typeof cName !== "string" || sc === UNKNOWN || clusterName(cName) === sc) found.set(s.urn, s);
            }
        }
        if (found.size === 0) {
            // Neither dependencies nor names say which service: only an unknown name leaves it open.
            if (sName === UNKNOWN) {
                // A group whose only service dependency is elsewhere (e.g. dependencies list) still counts.
                const anyDeps = index.deps(dg, "ecsService");
                if (anyDeps.length === 1) found.set(anyDeps[0].urn, anyDeps[0]);
                else unresolved.push(dg);
            }
        }
        for (const s of found.values()) {
            let l = groupsBySvc.get(s.urn);
            if (!l) groupsBySvc.set(s.urn, (l = []));
            l.push(dg);
        }
        svcsByGroup.set(dg.urn, Array.from(found.values()));
    }
    return {
        groupsOf: (urn) => groupsBySvc.get(urn) ?? [],
        servicesOf: (urn) => svcsByGroup.get(urn) ?? [],
        unresolved,
    };
}

/** `autoRollbackConfiguration` is enabled and its events include `event`. */
export function autoRollbackIncludes(dgProps: unknown, event: string): Tri {
    const arc = get(dgProps, "autoRollbackConfiguration");
    if (arc === UNKNOWN) return UNKNOWN;
    if (arc === undefined || arc === null) return false;
    const enabled = asBool(get(arc, "enabled"));
    if (enabled === UNKNOWN) return UNKNOWN;
    if (enabled !== true) return false;
    const events = items(get(arc, "events"));
    if (events === UNKNOWN) return UNKNOWN;
    return triSome(events, (e) => {
        if (e === UNKNOWN) return UNKNOWN;
        return typeof e === "string" && e.trim().toUpperCase() === event;
    });
}

/** The name shown in messages for a resource: its physical name when known, else its logical name. */
export function displayName(r: StackResource | { name: string; props: unknown }, prop = "name"): string {
    const n = asString(get(r.props, prop));
    return typeof n === "string" && n !== "" && n !== r.name ? `${r.name} (${n})` : r.name;
}
