/**
 * What task definitions declare about their containers.
 *
 * - `ecs-service-without-load-balancer-health-check` (stack, mandatory): an ECS service without a
 *   load balancer runs a task definition (of this stack) in which an essential container has a
 *   health check command. Without a load balancer, stage 2 of the deployment circuit breaker (tasks
 *   that reach RUNNING, then fail health checks) has nothing but container health checks to judge a
 *   version that starts and then misbehaves: without one such a version is never rolled back.
 * - `ecs-task-definition-no-plaintext-secrets` (resource, advisory): no literal value in a
 *   container's `environment` under a secret-looking name; such values belong in `secrets`.
 */
import { StackResource } from "../lib/graph";
import { displayName, loadBalancerEntries } from "../lib/ecs";
import { commonConfigProperties, configStrings, Finding, ResourceContext, undecided, undecidedUnless, violation } from "../lib/rule";
import { asString, get, items, PARSE_ERROR, Tri, triAnd, triSome, UNKNOWN } from "../lib/safe";
import { containerHealth, ContainerHealth, containerLabel, containersOf, TaskDefinitionIndex } from "../lib/taskDefinitions";
import { resourcePolicy, StackContext, stackPolicy } from "../lib/wiring";

export const NO_LB_HEALTH_CHECK_POLICY = "ecs-service-without-load-balancer-health-check";
export const PLAINTEXT_SECRETS_POLICY = "ecs-task-definition-no-plaintext-secrets";

const WHY = "Without a load balancer, the deployment circuit breaker's second stage (tasks that reach RUNNING, then fail " +
    "health checks) has only container health checks to judge a version that starts and then misbehaves: without one, " +
    "such a version is never rolled back.";
const HEALTH_FIX = "Give an essential container of the task definition a health check, e.g. `healthCheck: { command: " +
    "[\"CMD-SHELL\", \"<check> || exit 1\"], interval: 15, timeout: 5, retries: 3, startPeriod: 60 }` in its container definition.";

/** One verdict for several candidate task definitions: the same whichever the service runs, else unknown. */
function agree(values: readonly Tri[]): Tri {
    if (values.every((v) => v === true)) return true;
    if (values.every((v) => v === false)) return false;
    return UNKNOWN;
}

function healthProblem(td: StackResource, h: ContainerHealth): string {
    const parts: string[] = [];
    if (h.essentialWithout.length > 0) parts.push(`essential container(s) ${h.essentialWithout.join(", ")} have no health check command`);
    if (h.checkedNotEssential.length > 0) {
        parts.push(`container(s) ${h.checkedNotEssential.join(", ")} have one but are not essential (ECS ignores non-essential containers when it judges a task's health)`);
    }
    const detail = parts.length > 0 ? `: ${parts.join("; ")}` : "";
    return `no essential container of its task definition '${displayName(td, "family")}' has a health check (\`healthCheck.command\`)${detail}`;
}

/** Findings for one service without a load balancer (applicability is the caller's). */
function serviceFindings(svc: StackResource, tds: TaskDefinitionIndex): Finding[] {
    const who = `ECS service '${displayName(svc)}'`;
    const found = tds.of(svc);
    switch (found.kind) {
        case "none":
            return [violation(`${who} has no load balancer and no task definition (\`taskDefinition\` is not set), so no container ` +
                `health check can be seen. ${WHY} Set \`taskDefinition\` to a task definition of this stack; ${HEALTH_FIX}`, svc.urn)];
        case "outside":
            return [violation(`${who} has no load balancer and runs task definition '${found.ref}', which is not declared in this ` +
                `stack, so the policy cannot see whether an essential container has a health check. ${WHY} Declare the task ` +
                `definition in this stack (\`aws.ecs.TaskDefinition\`) and point \`taskDefinition\` at it; ${HEALTH_FIX} Or, once you ` +
                "have checked that its task definition has one, list the service in this policy's `exemptResources`.", svc.urn)];
        case "unknown":
            return [undecided(`${who} has no load balancer; whether its task definition has a container health check is not known yet: ${found.why}.`, svc.urn)];
        case "inStack": {
            const healths = found.taskDefinitions.map((td) => ({ td, h: containerHealth(td.props) }));
            const ok = agree(healths.map((x) => x.h.ok));
            if (ok === true) return [];
            const names = found.taskDefinitions.map((td) => `'${td.name}'`).join(" or ");
            if (ok === false && !found.guessed) {
                const problems = healths.map((x) => healthProblem(x.td, x.h)).join("; and ");
                return [violation(`${who} has no load balancer, and ${problems}. ${WHY} ${HEALTH_FIX}`, svc.urn)];
            }
            if (healths.some((x) => x.h.parseError)) {
                return [undecided(`${who} has no load balancer; the containerDefinitions of task definition ${names} are not valid JSON ` +
                    "and could not be checked (AWS will refuse them).", svc.urn)];
            }
            const why = found.guessed
                ? `its taskDefinition is unknown; it depends on task definition ${names}, which has no container health check`
                : healths.some((x) => x.h.ok === UNKNOWN)
                    ? `the containerDefinitions of task definition ${names} (or a part of them that decides it) are unknown`
                    : `it runs one of task definitions ${names}, and only some of them have an essential container with a health check`;
            return [undecided(`${who} has no load balancer; whether its task definition has a container health check is not known yet: ${why}.`, svc.urn)];
        }
    }
}

export function checkServicesWithoutLoadBalancerHealthCheck(_resources: readonly StackResource[], ctx: StackContext): Finding[] {
    const services = ctx.index.ofKind("ecsService");
    if (services.length === 0) return [];
    const tds = new TaskDefinitionIndex(ctx.index);
    const out: Finding[] = [];
    for (const svc of services) {
        if (ctx.isExempt(svc)) continue;
        const lbs = loadBalancerEntries(svc.props);
        if (lbs !== UNKNOWN && lbs.length > 0) continue;
        const withoutLb: Tri = lbs === UNKNOWN ? UNKNOWN : true;
        out.push(...undecidedUnless(withoutLb, "the service has no load balancer: its loadBalancers is unknown", serviceFindings(svc, tds)));
    }
    return out;
}

export const ecsServiceWithoutLoadBalancerHealthCheck = stackPolicy({
    name: NO_LB_HEALTH_CHECK_POLICY,
    description: "An ECS service without a load balancer (no `loadBalancers`, or an empty list), whatever its deployment " +
        "controller, must run a task definition of this stack in which an essential container (`essential` omitted counts) " +
        "has a health check: `healthCheck.command` starting with CMD or CMD-SHELL. " + WHY + " Add `healthCheck: { command: " +
        "[\"CMD-SHELL\", \"<check> || exit 1\"], startPeriod: 60 }` to the container definition. A task definition not declared " +
        "in this stack cannot be checked: declare it here, or exempt the service (`exemptResources`).",
    enforcementLevel: "mandatory",
    severity: "high",
    tags: ["ecs", "health-check", "rollback"],
    configSchema: { properties: { ...commonConfigProperties(true) } },
    checkStack: checkServicesWithoutLoadBalancerHealthCheck,
});

// ---------------------------------------------------------------------------------------------
// Secrets in plain environment variables

/**
 * Markers of a secret-looking variable name, compared with the name upper-cased and stripped of
 * everything but letters and digits (so API_KEY, api-key, ApiKey and APIKEY all match).
 */
export const SECRET_NAME_MARKERS: readonly string[] = ["PASSWORD", "PASSWD", "SECRET", "TOKEN", "APIKEY", "PRIVATEKEY", "CREDENTIAL"];

export function isSecretLookingName(name: string): boolean {
    const n = name.toUpperCase().replace(/[^A-Z0-9]/g, "");
    return SECRET_NAME_MARKERS.some((m) => n.includes(m));
}

/**
 * A literal that may be a secret: a non-blank string that is not an ARN (an ARN names a secret, it
 * is not one). An empty value holds nothing.
 */
function literalValue(v: unknown): Tri {
    if (v === UNKNOWN) return UNKNOWN;
    if (typeof v !== "string") return false;
    const t = v.trim();
    return t !== "" && !t.startsWith("arn:");
}

export function checkPlaintextSecrets(props: unknown, ctx: ResourceContext): Finding[] {
    const who = `Task definition '${ctx.name}'`;
    const containers = containersOf(props);
    if (containers === UNKNOWN) return [undecided(`${who}: containerDefinitions is unknown.`)];
    if (containers === PARSE_ERROR) return [undecided(`${who}: containerDefinitions is not valid JSON and could not be checked (AWS will refuse it).`)];
    const allowed = new Set(configStrings(ctx.config, "allowedNames"));
    const flagged: string[] = [];
    const unknownIn: string[] = [];
    containers.forEach((c, i) => {
        const label = containerLabel(c, i);
        const env = items(get(c, "environment"));
        if (env === UNKNOWN) {
            unknownIn.push(label);
            return;
        }
        const names: string[] = [];
        const leaks = env.map((e): Tri => {
            const name = asString(get(e, "name"));
            const secretName: Tri = name === UNKNOWN ? UNKNOWN : typeof name === "string" && !allowed.has(name) && isSecretLookingName(name);
            const leak = triAnd([secretName, literalValue(get(e, "value"))]);
            if (leak === true && typeof name === "string") names.push(name);
            return leak;
        });
        if (names.length > 0) flagged.push(`container ${label}: ${[...new Set(names)].join(", ")}`);
        else if (triSome(leaks, (x) => x) === UNKNOWN) unknownIn.push(label);
    });
    if (flagged.length > 0) {
        const also = unknownIn.length > 0 ? ` (Not known yet: the environment of container(s) ${unknownIn.join(", ")}.)` : "";
        return [violation(`${who} puts secret-looking variables in plain \`environment\` values (${flagged.join("; ")}): they are ` +
            "stored and shown in clear text in the task definition (console, DescribeTaskDefinition, Pulumi state). Store each " +
            "value in AWS Secrets Manager or SSM Parameter Store (SecureString) and reference it from the container's `secrets` " +
            "(`{ name, valueFrom: <secret or parameter ARN> }`) instead; the execution role needs read access to it. A variable " +
            "that holds no secret can be listed in this policy's `allowedNames`." + also)];
    }
    if (unknownIn.length > 0) return [undecided(`${who}: the environment of container(s) ${unknownIn.join(", ")} is unknown.`)];
    return [];
}

export const ecsTaskDefinitionNoPlaintextSecrets = resourcePolicy({
    name: PLAINTEXT_SECRETS_POLICY,
    description: "A container's `environment` should not hold a literal value under a secret-looking name (containing " +
        "PASSWORD, PASSWD, SECRET, TOKEN, API_KEY, PRIVATE_KEY or CREDENTIAL, in any case, separators ignored): it is readable " +
        "by anyone who can describe the task definition. Move it to the container's `secrets` (`{ name, valueFrom: <Secrets " +
        "Manager or SSM parameter ARN> }`). Empty values and ARNs are not secrets; names listed in `allowedNames` are skipped.",
    enforcementLevel: "advisory",
    severity: "medium",
    tags: ["ecs", "security", "secrets"],
    configSchema: {
        properties: {
            ...commonConfigProperties(false),
            allowedNames: {
                type: "array",
                items: { type: "string" },
                default: [],
                description: "Variable names (exact, case-sensitive) that may hold a literal value although they look secret " +
                    "(e.g. [\"TOKEN_TTL_SECONDS\"]).",
            },
        },
    },
    kinds: ["ecsTaskDefinition"],
    check: checkPlaintextSecrets,
});
