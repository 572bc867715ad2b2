/**
 * Every ECS service needs a way back.
 *
 * - `ecs-service-requires-rollback`: ECS controller → circuit breaker with rollback; CODE_DEPLOY →
 *   a deployment group in the stack with auto-rollback on DEPLOYMENT_FAILURE (stack part);
 *   EXTERNAL → refused unless exempt.
 * - `circuit-breaker-requires-ecs-controller`: a circuit breaker on CODE_DEPLOY / EXTERNAL does
 *   nothing and gives a false sense of safety.
 */
import { StackIndex, StackResource } from "../lib/graph";
import { autoRollbackIncludes, controllerOf, displayName, mapDeploymentGroups } from "../lib/ecs";
import { commonConfigProperties, Finding, ResourceContext, undecided, violation } from "../lib/rule";
import { asBool, get, raw, UNKNOWN } from "../lib/safe";
import { hybridPolicy, resourcePolicy, StackContext } from "../lib/wiring";

export const ROLLBACK_POLICY = "ecs-service-requires-rollback";
export const CB_CONTROLLER_POLICY = "circuit-breaker-requires-ecs-controller";

const CB_FIX = "Set `deploymentCircuitBreaker: { enable: true, rollback: true }` on the service.";

function label(ctx: { name: string }): string {
    return ctx.name ? `ECS service '${ctx.name}'` : "ECS service";
}

/** Resource part of `ecs-service-requires-rollback`. */
export function checkServiceRollback(props: unknown, ctx: ResourceContext): Finding[] {
    const controller = controllerOf(props);
    const who = label(ctx);
    if (controller === UNKNOWN) {
        return [undecided(`${who}: deploymentController.type is unknown, so the rollback mechanism cannot be checked yet.`)];
    }
    if (controller === "CODE_DEPLOY") return []; // decided by the stack part
    if (controller === "EXTERNAL") {
        return [violation(
            `${who} uses the EXTERNAL deployment controller: nothing in AWS rolls a failed deployment back. ` +
            "Use the ECS controller with `deploymentCircuitBreaker: { enable: true, rollback: true }`, or CODE_DEPLOY " +
            `with a deployment group that auto-rolls back, or list the service in this policy's \`exemptResources\`.`)];
    }
    if (controller !== "ECS") {
        return [violation(`${who} has an unrecognised deployment controller type '${controller}'. ` +
            "Use `ECS` (with a circuit breaker that rolls back) or `CODE_DEPLOY` (with auto-rollback).")];
    }
    const cb = get(props, "deploymentCircuitBreaker");
    if (cb === UNKNOWN) return [undecided(`${who}: deploymentCircuitBreaker is unknown.`)];
    const alarms = get(props, "alarms");
    const alarmNote = asBool(get(alarms, "rollback")) === true
        ? " Deployment alarms with rollback do not replace it: they cannot catch tasks that never start (bad image, crash on boot)."
        : "";
    if (cb === undefined || cb === null || typeof cb !== "object" || Array.isArray(cb)) {
        return [violation(`${who} (ECS controller) has no deployment circuit breaker, so a failing rolling deployment ` +
            `keeps retrying and is never rolled back. ${CB_FIX}${alarmNote}`)];
    }
    const enable = asBool(get(cb, "enable"));
    const rollback = asBool(get(cb, "rollback"));
    // what is known to be wrong is reported even next to an unknown
    if (enable !== true && enable !== UNKNOWN) {
        return [violation(`${who} (ECS controller) has its deployment circuit breaker disabled (enable is ${enable === false ? "false" : "not set"}). ${CB_FIX}${alarmNote}`)];
    }
    if (rollback !== true && rollback !== UNKNOWN) {
        return [violation(`${who} (ECS controller): the circuit breaker stops a failing deployment but does not roll it back ` +
            `(rollback is ${rollback === false ? "false" : "not set"}). Set \`deploymentCircuitBreaker.rollback: true\`.`)];
    }
    if (enable === UNKNOWN || rollback === UNKNOWN) return [undecided(`${who}: deploymentCircuitBreaker.enable/rollback is unknown.`)];
    return [];
}

/**
 * The unambiguous fix: an ENABLED circuit breaker on the ECS controller without rollback gets
 * `rollback: true`. Anything else (no breaker, a disabled one) needs a human decision.
 */
export function remediateServiceRollback(props: unknown, _ctx: ResourceContext): Record<string, unknown> | undefined {
    if (controllerOf(props) !== "ECS") return undefined;
    const base = raw(props);
    if (base === null || typeof base !== "object" || Array.isArray(base)) return undefined;
    const cb = get(base, "deploymentCircuitBreaker");
    if (cb === null || typeof cb !== "object" || Array.isArray(cb)) return undefined;
    if (asBool(get(cb, "enable")) !== true) return undefined;
    const rollback = asBool(get(cb, "rollback"));
    if (rollback === true || rollback === UNKNOWN) return undefined;
    return { ...(base as Record<string, unknown>), deploymentCircuitBreaker: { ...(cb as Record<string, unknown>), rollback: true } };
}

/** Stack part: every CODE_DEPLOY service is managed by a deployment group that rolls back on failure. */
export function checkCodeDeployServicesRollback(_resources: readonly StackResource[], ctx: StackContext): Finding[] {
    const index: StackIndex = ctx.index;
    const services = index.ofKind("ecsService");
    if (services.length === 0) return [];
    const groups = mapDeploymentGroups(index);
    const out: Finding[] = [];
    for (const svc of services) {
        if (ctx.isExempt(svc)) continue;
        if (controllerOf(svc.props) !== "CODE_DEPLOY") continue;
        const who = `ECS service '${displayName(svc)}'`;
        const dgs = groups.groupsOf(svc.urn);
        if (dgs.length === 0) {
            if (groups.unresolved.length > 0) {
                out.push(undecided(`${who} uses CODE_DEPLOY; deployment group(s) ${groups.unresolved.map((g) => `'${g.name}'`).join(", ")} ` +
                    "may manage it but their ecsService is unknown.", svc.urn));
            } else {
                out.push(violation(`${who} uses the CODE_DEPLOY deployment controller, but no CodeDeploy deployment group in this stack ` +
                    "manages it, so nothing rolls a failed deployment back. Add an `aws.codedeploy.DeploymentGroup` with " +
                    "`ecsService: { clusterName, serviceName }` for it and `autoRollbackConfiguration: { enabled: true, " +
                    "events: [\"DEPLOYMENT_FAILURE\", \"DEPLOYMENT_STOP_ON_ALARM\"] }`.", svc.urn));
            }
            continue;
        }
        for (const dg of dgs) {
            const ok = autoRollbackIncludes(dg.props, "DEPLOYMENT_FAILURE");
            if (ok === UNKNOWN) {
                out.push(undecided(`${who}: autoRollbackConfiguration of deployment group '${dg.name}' is unknown.`, svc.urn));
            } else if (!ok) {
                out.push(violation(`${who} uses CODE_DEPLOY, but its deployment group '${displayName(dg, "deploymentGroupName")}' does not ` +
                    "roll back automatically on failure. Set `autoRollbackConfiguration: { enabled: true, events: " +
                    "[\"DEPLOYMENT_FAILURE\", \"DEPLOYMENT_STOP_ON_ALARM\"] }` on the deployment group.", svc.urn));
            }
        }
    }
    return out;
}

export const ecsServiceRequiresRollback = hybridPolicy({
    name: ROLLBACK_POLICY,
    description: "Every ECS service must have an automatic way back. ECS controller (also when deploymentController " +
        "is omitted): set `deploymentCircuitBreaker: { enable: true, rollback: true }` (alarm rollback alone cannot catch " +
        "tasks that never start). CODE_DEPLOY: manage the service with a CodeDeploy deployment group in the same stack " +
        "whose `autoRollbackConfiguration` is enabled with DEPLOYMENT_FAILURE. EXTERNAL: refused unless exempted " +
        "(`exemptResources`).",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps: "Enable the deployment circuit breaker with rollback (ECS controller), or give the CODE_DEPLOY " +
        "service a deployment group with auto-rollback on DEPLOYMENT_FAILURE. With enforcement level `remediate`, an " +
        "enabled circuit breaker without rollback gets `rollback: true` automatically.",
    tags: ["ecs", "rollback"],
    configSchema: { properties: { ...commonConfigProperties(true) } },
    kinds: ["ecsService"],
    check: checkServiceRollback,
    remediate: remediateServiceRollback,
}, checkCodeDeployServicesRollback);

/** `circuit-breaker-requires-ecs-controller`. */
export function checkCircuitBreakerController(props: unknown, ctx: ResourceContext): Finding[] {
    const controller = controllerOf(props);
    const cb = get(props, "deploymentCircuitBreaker");
    const enable = cb === UNKNOWN ? UNKNOWN : asBool(get(cb, "enable"));
    if (controller === "ECS" || enable === false || enable === undefined) return [];
    if (controller === UNKNOWN || enable === UNKNOWN) {
        if (cb === undefined || cb === null) return [];
        return [undecided(`${label(ctx)}: deployment controller or circuit breaker is unknown.`)];
    }
    return [violation(`${label(ctx)} enables the deployment circuit breaker on the ${controller} deployment controller, ` +
        "where it does nothing: failed deployments would NOT be rolled back by it. Remove `deploymentCircuitBreaker` " +
        (controller === "CODE_DEPLOY"
            ? "and rely on the CodeDeploy deployment group's `autoRollbackConfiguration` (DEPLOYMENT_FAILURE, DEPLOYMENT_STOP_ON_ALARM)."
            : "or switch the service to the ECS deployment controller.")) ];
}

export const circuitBreakerRequiresEcsController = resourcePolicy({
    name: CB_CONTROLLER_POLICY,
    description: "A deployment circuit breaker only works with the ECS deployment controller; on CODE_DEPLOY or " +
        "EXTERNAL it does nothing and gives a false sense of safety. Remove `deploymentCircuitBreaker` (use the " +
        "CodeDeploy deployment group's auto-rollback instead) or switch the service to the ECS controller.",
    enforcementLevel: "mandatory",
    severity: "medium",
    tags: ["ecs", "rollback"],
    configSchema: { properties: { ...commonConfigProperties(true) } },
    kinds: ["ecsService"],
    check: checkCircuitBreakerController,
});
