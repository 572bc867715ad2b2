/**
 * Health checks decide how fast a bad version is caught (circuit breaker stage 2, alarm rollback).
 *
 * - `target-group-health-check-path` (mandatory): HTTP/HTTPS target groups have an enabled health
 *   check with an explicit path.
 * - `target-group-dedicated-health-path` (advisory): and that path is a dedicated one, not `/`.
 *
 * Both look at `aws:lb/targetGroup:TargetGroup`, `aws:alb/targetGroup:TargetGroup` and the legacy aliases.
 */
import { commonConfigProperties, configStrings, Finding, ResourceContext, undecided, undecidedUnless, violation } from "../lib/rule";
import { asBool, asString, get, Tri, UNKNOWN, upperOrUndefined } from "../lib/safe";
import { resourcePolicy } from "../lib/wiring";

export const HEALTH_PATH_POLICY = "target-group-health-check-path";
export const DEDICATED_PATH_POLICY = "target-group-dedicated-health-path";

/**
 * Is this an HTTP(S) target group? Protocol HTTP/HTTPS → yes; TCP, TLS, UDP, TCP_UDP, GENEVE → no;
 * `targetType: lambda` → no, whatever the protocol says (it does not apply to lambda targets);
 * protocol omitted on a non-lambda target group → yes (the API requires one for instance/ip
 * targets; treated as HTTP).
 */
export function isHttpTargetGroup(props: unknown): Tri {
    const targetType = upperOrUndefined(get(props, "targetType"));
    const protocol = upperOrUndefined(get(props, "protocol"));
    if (targetType === "LAMBDA") return false;
    // an unknown target type may still turn out to be lambda
    if (protocol === "HTTP" || protocol === "HTTPS") return targetType === UNKNOWN ? UNKNOWN : true;
    if (typeof protocol === "string" && protocol !== "") return false;
    if (protocol === UNKNOWN || targetType === UNKNOWN) return UNKNOWN;
    return true;
}

function tgLabel(ctx: ResourceContext): string {
    return `Target group '${ctx.name}'`;
}

export function checkTargetGroupHealthCheck(props: unknown, ctx: ResourceContext): Finding[] {
    const http = isHttpTargetGroup(props);
    const who = tgLabel(ctx);
    if (http === false) return [];
    if (http === UNKNOWN) return [undecided(`${who}: protocol/targetType is unknown.`)];
    const hc = get(props, "healthCheck");
    if (hc === UNKNOWN) return [undecided(`${who}: healthCheck is unknown.`)];
    if (hc === undefined || hc === null || typeof hc !== "object" || Array.isArray(hc)) {
        return [violation(`${who} (HTTP) has no healthCheck block, so the load balancer probes \`/\` with defaults and a broken ` +
            "version can look healthy. Set `healthCheck: { enabled: true, path: \"/health\", matcher: \"200\" }` with a path that " +
            "checks the application.")];
    }
    const enabled = asBool(get(hc, "enabled"));
    if (enabled === false) {
        return [violation(`${who} (HTTP) has its health check disabled (healthCheck.enabled: false); failing tasks would keep ` +
            "receiving traffic and the circuit breaker could not see them. Set `healthCheck.enabled: true` and an explicit `healthCheck.path`.")];
    }
    const p = get(hc, "path");
    if (p === UNKNOWN) return [undecided(`${who}: healthCheck.path is unknown.`)];
    const out: Finding[] = [];
    if (enabled === UNKNOWN) out.push(undecided(`${who}: healthCheck.enabled is unknown.`));
    if (typeof p !== "string" || p.trim() === "") {
        out.push(violation(`${who} (HTTP) has no explicit health check path (AWS would probe \`/\`). Set \`healthCheck.path\` ` +
            "to a dedicated endpoint such as \"/health\".") );
    } else if (!p.startsWith("/")) {
        out.push(violation(`${who}: health check path ${JSON.stringify(p)} must start with \`/\`. Set \`healthCheck.path\` to e.g. "/health".`));
    }
    return out;
}

export const targetGroupHealthCheckPath = resourcePolicy({
    name: HEALTH_PATH_POLICY,
    description: "An HTTP/HTTPS target group (protocol omitted on a non-lambda target group counts as HTTP) must have an " +
        "enabled health check with an explicit path: set `healthCheck: { enabled: true, path: \"/health\" }` (path starts " +
        "with `/`). TCP/TLS/UDP/TCP_UDP/GENEVE and lambda target groups are not concerned.",
    enforcementLevel: "mandatory",
    severity: "medium",
    tags: ["elb", "health-check"],
    configSchema: { properties: { ...commonConfigProperties(true) } },
    kinds: ["targetGroup"],
    check: checkTargetGroupHealthCheck,
});

export function checkDedicatedHealthPath(props: unknown, ctx: ResourceContext): Finding[] {
    if (isHttpTargetGroup(props) !== true) return [];
    const hc = get(props, "healthCheck");
    const enabled = asBool(get(hc, "enabled"));
    if (enabled === false) return [];
    // a disabled health check probes no path at all
    return undecidedUnless(enabled === UNKNOWN ? UNKNOWN : true, "the health check is enabled: healthCheck.enabled is unknown",
        dedicatedPathFindings(hc, ctx));
}

function dedicatedPathFindings(hc: unknown, ctx: ResourceContext): Finding[] {
    const p = asString(get(hc, "path"));
    if (p === UNKNOWN) return [undecided(`${tgLabel(ctx)}: healthCheck.path is unknown.`)];
    if (typeof p !== "string" || p === "") return []; // target-group-health-check-path reports that
    const allowed = configStrings(ctx.config, "allowedPaths");
    if (allowed.length > 0) {
        if (allowed.includes(p)) return [];
        return [violation(`${tgLabel(ctx)} probes ${JSON.stringify(p)}, which is not one of the allowed health paths ` +
            `(${allowed.map((a) => JSON.stringify(a)).join(", ")}). Point \`healthCheck.path\` at the service's dedicated health endpoint.`)];
    }
    if (p === "/") {
        return [violation(`${tgLabel(ctx)} probes \`/\`. A dedicated health path (e.g. "/health") that checks the application's ` +
            "dependencies is what lets the circuit breaker and alarms catch a broken version. Set `healthCheck.path` to it.")];
    }
    return [];
}

export const targetGroupDedicatedHealthPath = resourcePolicy({
    name: DEDICATED_PATH_POLICY,
    description: "Probe a dedicated health endpoint rather than `/`: set `healthCheck.path` to e.g. \"/health\" (one of " +
        "`allowedPaths` when that list is configured).",
    enforcementLevel: "advisory",
    severity: "low",
    tags: ["elb", "health-check"],
    configSchema: {
        properties: {
            ...commonConfigProperties(false),
            allowedPaths: {
                type: "array",
                items: { type: "string" },
                default: [],
                description: "When non-empty, the only health check paths accepted (e.g. [\"/health\", \"/healthz\"]); when empty any path but `/`.",
            },
        },
    },
    kinds: ["targetGroup"],
    check: checkDedicatedHealthPath,
});
