/**
 * CodeDeploy deployment groups for ECS.
 *
 * - `codedeploy-requires-alarms` (mandatory): alarms watch the deployment and stop it, and the group
 *   rolls back on DEPLOYMENT_STOP_ON_ALARM. Resource part for groups with `ecsService`; stack part
 *   for groups recognisable as ECS only through their application's `computePlatform`.
 * - `codedeploy-termination-wait` (advisory): blue tasks are kept long enough for a manual rollback.
 */
import { StackResource } from "../lib/graph";
import { autoRollbackIncludes, displayName, hasEcsService, namesAnAlarm } from "../lib/ecs";
import { commonConfigProperties, configNumber, Finding, ResourceContext, undecided, undecidedUnless, violation } from "../lib/rule";
import { asBool, asNumber, asString, get, path, UNKNOWN, upperOrUndefined } from "../lib/safe";
import { hybridPolicy, resourcePolicy, StackContext } from "../lib/wiring";

export const ALARMS_POLICY = "codedeploy-requires-alarms";
export const TERMINATION_WAIT_POLICY = "codedeploy-termination-wait";

function dgLabel(ctx: { name: string }, props: unknown): string {
    const n = asString(get(props, "deploymentGroupName"));
    return typeof n === "string" && n !== ctx.name ? `CodeDeploy deployment group '${ctx.name}' (${n})` : `CodeDeploy deployment group '${ctx.name}'`;
}

const ALARMS_FIX = "`alarmConfiguration: { enabled: true, alarms: [<alarm names>] }` (e.g. target 5xx rate, latency)";
const STOP_ON_ALARM_FIX = "`autoRollbackConfiguration: { enabled: true, events: [\"DEPLOYMENT_FAILURE\", \"DEPLOYMENT_STOP_ON_ALARM\"] }`";

/**
 * Alarm configuration and alarm rollback of one ECS deployment group (no applicability test): at
 * most one finding per group, a violation listing everything known to be missing (and what is
 * still unknown), or else a note listing what is unknown.
 */
export function deploymentGroupAlarmFindings(props: unknown, who: string, urn?: string): Finding[] {
    const missing: string[] = [];
    const unknown: string[] = [];
    const fixes: string[] = [];
    const ac = get(props, "alarmConfiguration");
    if (ac === UNKNOWN) {
        unknown.push("alarmConfiguration");
    } else if (ac === undefined || ac === null || typeof ac !== "object") {
        missing.push("it has no alarmConfiguration, so no CloudWatch alarm can stop a bad ECS deployment");
        fixes.push(ALARMS_FIX);
    } else {
        const enabled = asBool(get(ac, "enabled"));
        const named = namesAnAlarm(get(ac, "alarms"));
        if (enabled === UNKNOWN) unknown.push("alarmConfiguration.enabled");
        else if (enabled !== true) missing.push("its alarmConfiguration is not enabled");
        if (named === UNKNOWN) unknown.push("alarmConfiguration.alarms");
        else if (!named) missing.push("its alarmConfiguration lists no alarms");
        if (missing.length > 0) fixes.push(ALARMS_FIX);
    }
    const stop = autoRollbackIncludes(props, "DEPLOYMENT_STOP_ON_ALARM");
    if (stop === UNKNOWN) unknown.push("autoRollbackConfiguration");
    else if (!stop) {
        missing.push("it does not roll back when an alarm stops the deployment (no enabled autoRollbackConfiguration with DEPLOYMENT_STOP_ON_ALARM)");
        fixes.push(STOP_ON_ALARM_FIX);
    }
    if (missing.length > 0) {
        const also = unknown.length > 0 ? ` (Not known yet: ${unknown.join(", ")}.)` : "";
        return [violation(`${who}: ${missing.join("; and ")}. Set ${fixes.join(" and ")}.${also}`, urn)];
    }
    if (unknown.length > 0) return [undecided(`${who}: ${unknown.join(", ")} ${unknown.length === 1 ? "is" : "are"} unknown.`, urn)];
    return [];
}

/** Resource part of `codedeploy-requires-alarms`: deployment groups that have `ecsService`. */
export function checkDeploymentGroupAlarms(props: unknown, ctx: ResourceContext): Finding[] {
    const ecs = hasEcsService(props);
    if (ecs === false) return [];
    // An unknown ecsService may resolve to none: the group would then not be this part's business.
    return undecidedUnless(ecs, "the group deploys to ECS: its ecsService is unknown", deploymentGroupAlarmFindings(props, dgLabel(ctx, props)));
}

/**
 * Stack part: deployment groups without `ecsService` whose application has computePlatform ECS
 * (joined by the URN `appName` depends on, or by application name).
 */
export function checkEcsAppDeploymentGroups(_resources: readonly StackResource[], ctx: StackContext): Finding[] {
    const idx = ctx.index;
    const out: Finding[] = [];
    const dgs = idx.ofKind("deploymentGroup");
    if (dgs.length === 0) return out;
    const appsByName = idx.by("codedeployApp", "name");
    for (const dg of dgs) {
        if (ctx.isExempt(dg)) continue;
        if (hasEcsService(dg.props) !== false) continue; // resource part
        let apps = idx.propDeps(dg, "appName", "codedeployApp");
        if (apps.length === 0) {
            const n = asString(get(dg.props, "appName"));
            if (typeof n === "string") apps = appsByName.get(n) ?? [];
        }
        const platforms = apps.map((a) => upperOrUndefined(get(a.props, "computePlatform")));
        if (platforms.includes("ECS")) {
            out.push(...deploymentGroupAlarmFindings(dg.props, `CodeDeploy deployment group '${displayName(dg, "deploymentGroupName")}' (ECS application)`, dg.urn));
        }
    }
    return out;
}

export const codedeployRequiresAlarms = hybridPolicy({
    name: ALARMS_POLICY,
    description: "A CodeDeploy deployment group for ECS (and so every CODE_DEPLOY service) must be watched by alarms " +
        "and roll back when they fire: set `alarmConfiguration: { enabled: true, alarms: [<at least one alarm>] }` and " +
        "`autoRollbackConfiguration: { enabled: true, events: [\"DEPLOYMENT_FAILURE\", \"DEPLOYMENT_STOP_ON_ALARM\"] }`.",
    enforcementLevel: "mandatory",
    severity: "high",
    tags: ["codedeploy", "rollback", "alarms"],
    configSchema: { properties: { ...commonConfigProperties(true) } },
    kinds: ["deploymentGroup"],
    check: checkDeploymentGroupAlarms,
}, checkEcsAppDeploymentGroups);

/** `codedeploy-termination-wait` (advisory). */
export function checkTerminationWait(props: unknown, ctx: ResourceContext): Finding[] {
    const ecs = hasEcsService(props);
    if (ecs === false) return [];
    return undecidedUnless(ecs, "the group deploys to ECS: its ecsService is unknown", terminationWaitFindings(props, ctx));
}

function terminationWaitFindings(props: unknown, ctx: ResourceContext): Finding[] {
    const min = configNumber(ctx.config, "minimumTerminationWaitMinutes", 5);
    const who = dgLabel(ctx, props);
    const term = path(props, "blueGreenDeploymentConfig", "terminateBlueInstancesOnDeploymentSuccess");
    if (term === UNKNOWN) return [undecided(`${who}: terminateBlueInstancesOnDeploymentSuccess is unknown.`)];
    const action = upperOrUndefined(get(term, "action"));
    if (action === UNKNOWN) return [undecided(`${who}: terminateBlueInstancesOnDeploymentSuccess.action is unknown.`)];
    if (action === "KEEP_ALIVE") return [];
    const wait = asNumber(get(term, "terminationWaitTimeInMinutes"));
    if (wait === UNKNOWN) return [undecided(`${who}: terminationWaitTimeInMinutes is unknown.`)];
    const actual = wait === undefined ? 0 : wait;
    if (actual >= min) return [];
    return [violation(`${who} terminates the blue (previous) tasks after ${wait === undefined ? "0 minutes (not set)" : `${actual} minute(s)`}; ` +
        `once they are gone a rollback is no longer possible. Set \`blueGreenDeploymentConfig.terminateBlueInstancesOnDeploymentSuccess: ` +
        `{ action: "TERMINATE", terminationWaitTimeInMinutes: ${min} }\` or more.`)];
}

export const codedeployTerminationWait = resourcePolicy({
    name: TERMINATION_WAIT_POLICY,
    description: "Keep the blue tasks of a CodeDeploy ECS blue/green deployment for a while after the switch: it is " +
        "the window for a manual rollback. Set `blueGreenDeploymentConfig.terminateBlueInstancesOnDeploymentSuccess." +
        "terminationWaitTimeInMinutes` to at least the configured minimum (default 5).",
    enforcementLevel: "advisory",
    severity: "low",
    tags: ["codedeploy", "rollback"],
    configSchema: {
        properties: {
            ...commonConfigProperties(false),
            minimumTerminationWaitMinutes: {
                type: "integer",
                minimum: 0,
                maximum: 2880,
                default: 5,
                description: "Minimum minutes blue tasks are kept after a successful deployment.",
            },
        },
    },
    kinds: ["deploymentGroup"],
    check: checkTerminationWait,
});
