import * as fs from "fs";
import { parseArgs } from "util";
import { ConfigError } from "../config/errors";
import { PROJECT_DIR, runProgram, type RunOptions, type RunResult } from "./engine";
import { loadPolicyPackConfig, runPolicyPack, type PolicyResult, type PolicyViolation } from "./policyRunner";
import { readStackConfig } from "./stackFiles";
import * as path from "path";
import type { PriorResource, RegisteredResource } from "./types";
import { circuitBreakerThreshold } from "../policies/lib/timing";
import { ecsServiceName } from "../components/naming";
import { parseStackConfig } from "../config";
import { renderTiming, serviceTimings, type ServiceTiming } from "./timing";
import { diffable, savedState, up, worldFromState, type Finding, type StepReport } from "./day2";
import { diagramFormat, renderDiagram } from "./diagram";

export interface PlanNode {
    urn: string;
    type: string;
    name: string;
    children: PlanNode[];
}

export interface ServiceSummary {
    name: string;
    /** `web` (behind the load balancer) or `worker` (no load balancer). */
    kind: string;
    mode: string;
    controller: string;
    rollback: string[];
    alarms: string[];
    healthCheckPath?: string;
    /** What tells ECS a worker's task is healthy. */
    containerHealthCheck?: string;
    desiredCount?: number;
    /** Failed tasks that trip the circuit breaker at the desired count (ECS controller). */
    circuitBreakerThreshold?: number;
    /** With auto scaling: the task range and the threshold at each end. */
    scaling?: { min: number; max: number; thresholdAtMin: number; thresholdAtMax: number };
    notifications: string[];
    /** How long a bad version lives, ours and with AWS's defaults (policies/lib/timing.ts). */
    timing?: ServiceTiming;
}

export interface Plan {
    stack: string;
    project: string;
    config: Record<string, string>;
    /** Config problems, when the stack's configuration is invalid (nothing is registered then). */
    configErrors?: string[];
    error?: string;
    resourceCount: number;
    tree: PlanNode[];
    resources: { urn: string; type: string; name: string; parent?: string }[];
    services: ServiceSummary[];
    outputs: Record<string, unknown>;
    /** The policy pack's verdict on every registered resource (absent when the config is invalid). */
    policy?: PolicyVerdict;
    /** Every resource as Pulumi's state would hold it (secret inputs as hashes): what `--against` compares with. */
    state?: PriorResource[];
    /** With `--against`: what `pulumi up` would do to the stack the earlier plan describes. */
    changes?: PlanChanges;
}

export interface PlanChanges {
    against: string;
    steps: StepReport[];
    refused: Finding[];
    fights: Finding[];
}

export interface PolicyVerdict {
    pack: string;
    configFile?: string;
    mandatoryCount: number;
    advisoryCount: number;
    violations: PolicyViolation[];
    /** Each policy with its effective level and the fix its description suggests. */
    policies: { name: string; enforcementLevel: string; description: string }[];
}

export const EXIT = { ok: 0, mandatoryViolation: 1, invalidConfig: 2, refusedTransition: 1 } as const;

/** Runs a stack offline, checks it with the policy pack, and describes what `pulumi up` would create. */
export async function planStack(opts: RunOptions & { policyConfigFile?: string }): Promise<{ plan: Plan; run: RunResult; policy?: PolicyResult }> {
    const run = await runProgram(opts);
    const plan = describeRun(run);
    if (plan.configErrors) return { plan, run };
    const configFile = opts.policyConfigFile ?? path.join(PROJECT_DIR, "policies", "config", `${run.config.stack}.json`);
    const hasConfig = fs.existsSync(configFile);
    const policy = await runPolicyPack(run.resources, { config: hasConfig ? loadPolicyPackConfig(configFile) : undefined });
    plan.policy = {
        pack: `${policy.packName}@${policy.packVersion}`,
        configFile: hasConfig ? path.relative(PROJECT_DIR, configFile) : undefined,
        mandatoryCount: policy.mandatoryCount,
        advisoryCount: policy.advisoryCount,
        violations: policy.violations,
        policies: policy.policies.map((p) => ({ name: p.name, enforcementLevel: p.enforcementLevel, description: p.description })),
    };
    return { plan, run, policy };
}

export function describeRun(run: RunResult): Plan {
    const { config } = run;
    const shownConfig: Record<string, string> = {};
    for (const [k, v] of Object.entries(config.values)) shownConfig[k] = config.secretKeys.includes(k) ? "[secret]" : v;
    const resources = run.resources.filter((r) => r.type !== "pulumi:pulumi:Stack");
    return {
        stack: config.stack,
        project: config.project,
        config: shownConfig,
        configErrors: run.error instanceof ConfigError ? run.error.problems : undefined,
        error: run.error && !(run.error instanceof ConfigError) ? run.error.message : undefined,
        resourceCount: resources.length,
        tree: buildTree(run.resources),
        resources: resources.map((r) => ({ urn: r.urn, type: r.type, name: r.name, parent: r.parent })),
        services: withTimings(summarizeServices(run.resources), run),
        outputs: maskSecrets(run.outputs, run.secretOutputs),
    };
}

/** The resource state a saved plan carries for a later `--against` (secret inputs hashed). */
export function planState(run: RunResult): PriorResource[] {
    return run.resources.filter(diffable).map(savedState);
}

/**
 * What `pulumi up` with this stack's config would do to the stack an earlier plan describes:
 * per resource, create / update / replace / delete with the changed property paths, what waits
 * for the next CodeDeploy release, and what AWS would refuse.
 */
export async function compareWithPlan(earlier: Plan, againstFile: string, config: RunOptions["config"] & {}, program?: RunOptions["program"]): Promise<PlanChanges> {
    if (!Array.isArray(earlier.state)) throw new Error(`${againstFile} has no resource state: save it with \`npm run plan -- ${earlier.stack ?? "<stack>"} --json > ${againstFile}\``);
    const result = await up(worldFromState(config, earlier.state), { config, refresh: false, hashSecrets: true, program });
    if (result.run.error) throw result.run.error;
    return { against: againstFile, steps: result.steps.filter((s) => s.op !== "same" || s.deferred.length > 0), refused: result.refused, fights: result.fights };
}

export function renderChanges(c: PlanChanges): string[] {
    const lines = [`Changes against ${c.against} (what \`pulumi up\` would do):`];
    const order: Record<string, number> = { replace: 0, update: 1, create: 2, delete: 3, same: 4 };
    const steps = [...c.steps].sort((a, b) => order[a.op] - order[b.op] || a.name.localeCompare(b.name));
    if (steps.length === 0) lines.push("  no changes");
    for (const s of steps) {
        const what = `${s.type}  ${s.name}`;
        if (s.op !== "same") {
            const paths = s.op === "replace" ? `${s.changedPaths.join(", ")} (replacement forced by ${s.replaceKeys.join(", ")})` : s.changedPaths.join(", ");
            lines.push(`  ${s.op.padEnd(7)} ${what}${paths ? `  ${paths}` : ""}`);
        }
        if (s.deferred.length > 0) lines.push(`  next release: ${what}  ${s.deferred.join(", ")} (UpdateService refuses these on a CODE_DEPLOY service; they take effect with the next \`npm run deploy\`)`);
    }
    const count = (op: string) => c.steps.filter((s) => s.op === op).length;
    lines.push(`  ${count("create")} to create, ${count("update")} to update, ${count("replace")} to replace, ${count("delete")} to delete`);
    for (const [title, list] of [
        ["Refused by AWS or the provider (pulumi up would fail):", c.refused],
        ["Would undo a controller or send traffic to the idle colour:", c.fights],
    ] as const) {
        if (list.length === 0) continue;
        lines.push(title, ...list.map((f) => `  ${f.type}  ${f.name}: ${f.message}`));
    }
    return lines;
}

function buildTree(resources: RegisteredResource[]): PlanNode[] {
    const nodes = new Map<string, PlanNode>();
    for (const r of resources) nodes.set(r.urn, { urn: r.urn, type: r.type, name: r.name, children: [] });
    const roots: PlanNode[] = [];
    for (const r of resources) {
        const node = nodes.get(r.urn)!;
        const parent = r.parent ? nodes.get(r.parent) : undefined;
        if (parent && parent.type !== "pulumi:pulumi:Stack") parent.children.push(node);
        else if (r.type !== "pulumi:pulumi:Stack") roots.push(node);
    }
    return roots;
}

/** Adds each configured service's rollback timing (from the validated config) to its summary. */
function withTimings(summaries: ServiceSummary[], run: RunResult): ServiceSummary[] {
    let cfg;
    try {
        cfg = parseStackConfig(run.config);
    } catch {
        return summaries; // invalid config: reported as such, nothing registered
    }
    const timings = serviceTimings(cfg);
    const byEcsName = new Map(cfg.services.map((svc) => [ecsServiceName(cfg.stack, svc.name), timings[svc.name]]));
    return summaries.map((s) => (byEcsName.has(s.name) ? { ...s, timing: byEcsName.get(s.name) } : s));
}

/** Per ECS service: how it rolls out, what rolls it back, and who hears about a failure. */
export function summarizeServices(resources: RegisteredResource[]): ServiceSummary[] {
    const byType = (t: string) => resources.filter((r) => r.type === t);
    const targetGroups = new Map(byType("aws:lb/targetGroup:TargetGroup").map((t) => [t.outputs.arn, t.inputs]));
    const groups = byType("aws:codedeploy/deploymentGroup:DeploymentGroup");
    const rules = byType("aws:cloudwatch/eventRule:EventRule").map((r) => ({ name: r.outputs.name as string, pattern: safeJson(r.inputs.eventPattern) }));
    const targets = byType("aws:cloudwatch/eventTarget:EventTarget");
    const subscribers = byType("aws:sns/topicSubscription:TopicSubscription").map((s) => `${s.inputs.protocol}:${s.inputs.endpoint}`);
    const notified = (ruleName: string) =>
        targets.filter((t) => t.inputs.rule === ruleName).map((t) => `${ruleName} → ${String(t.inputs.arn).split(":").pop()}${subscribers.length ? ` (${subscribers.join(", ")})` : ""}`);

    const taskDefinitions = new Map(byType("aws:ecs/taskDefinition:TaskDefinition").map((t) => [t.outputs.arn, t.inputs]));
    const scalable = byType("aws:appautoscaling/target:Target");
    return byType("aws:ecs/service:Service").map((s) => {
        const p = s.inputs;
        const controller = p.deploymentController?.type ?? "ECS";
        const strategy = p.deploymentConfiguration?.strategy;
        const rollback: string[] = [];
        let alarms: string[] = [];
        if (p.deploymentCircuitBreaker?.enable && p.deploymentCircuitBreaker?.rollback) rollback.push("circuit breaker (rollback)");
        if (p.alarms?.enable && p.alarms?.rollback) {
            rollback.push(`deployment alarms (rollback, ${p.alarms.alarmNames?.length ?? 0})`);
            alarms = p.alarms.alarmNames ?? [];
        }
        const group = groups.find((g) => g.inputs.ecsService?.serviceName === p.name);
        if (group) {
            const events: string[] = group.inputs.autoRollbackConfiguration?.events ?? [];
            rollback.push(`CodeDeploy auto-rollback (${events.join(", ")})`);
            alarms = group.inputs.alarmConfiguration?.alarms ?? [];
        }
        const arn = s.outputs.arn as string;
        const matching = rules.filter(
            (r) =>
                (r.pattern?.resources ?? []).includes(arn) ||
                (group && (r.pattern?.detail?.deploymentGroup ?? []).includes(group.inputs.deploymentGroupName)),
        );
        const container = safeJson(taskDefinitions.get(p.taskDefinition)?.containerDefinitions)?.[0];
        const target = scalable.find((t) => String(t.inputs.resourceId).endsWith(`/${p.name}`));
        const breaker = controller === "ECS" && p.deploymentCircuitBreaker?.enable;
        return {
            name: p.name,
            kind: (p.loadBalancers ?? []).length > 0 ? "web" : "worker",
            mode: controller === "CODE_DEPLOY" ? "codedeploy" : strategy === "BLUE_GREEN" ? "bluegreen" : "rolling",
            controller,
            rollback,
            alarms,
            healthCheckPath: targetGroups.get(p.loadBalancers?.[0]?.targetGroupArn)?.healthCheck?.path,
            containerHealthCheck: Array.isArray(container?.healthCheck?.command) ? container.healthCheck.command.join(" ") : undefined,
            desiredCount: p.desiredCount,
            circuitBreakerThreshold: breaker && typeof p.desiredCount === "number" ? circuitBreakerThreshold(p.desiredCount) : undefined,
            scaling: target
                ? {
                      min: target.inputs.minCapacity,
                      max: target.inputs.maxCapacity,
                      thresholdAtMin: circuitBreakerThreshold(target.inputs.minCapacity),
                      thresholdAtMax: circuitBreakerThreshold(target.inputs.maxCapacity),
                  }
                : undefined,
            notifications: matching.flatMap((r) => notified(r.name)),
        };
    });
}

function safeJson(text: unknown): any {
    try {
        return typeof text === "string" ? JSON.parse(text) : undefined;
    } catch {
        return undefined;
    }
}

/** Replaces secret output values with `[secret]`. */
export function maskSecrets(outputs: Record<string, unknown>, secretPaths: string[]): Record<string, unknown> {
    const copy = JSON.parse(JSON.stringify(outputs ?? {}));
    for (const p of secretPaths) {
        const parts = p.split(/\.|\[(\d+)\]/).filter((x) => x !== undefined && x !== "");
        let node = copy;
        for (const part of parts.slice(0, -1)) node = node?.[part];
        if (node && parts.length) node[parts[parts.length - 1]] = "[secret]";
    }
    return copy;
}

export function renderPlan(plan: Plan): string {
    const lines: string[] = [`Plan of stack ${plan.project}/${plan.stack} (offline, mock AWS account)`, ""];
    if (plan.configErrors) {
        lines.push("Invalid configuration, nothing would be created:", ...plan.configErrors.map((p) => `  - ${p}`));
        return lines.join("\n");
    }
    if (plan.error) lines.push(`Program error: ${plan.error}`, "");
    lines.push(`Resources (${plan.resourceCount}):`);
    const walk = (nodes: PlanNode[], indent: string) => {
        for (const n of nodes) {
            lines.push(`${indent}${n.type}  ${n.name}`);
            walk(n.children, indent + "  ");
        }
    };
    walk(plan.tree, "  ");
    lines.push("", "Services:");
    for (const s of plan.services) {
        const health = s.healthCheckPath ?? (s.containerHealthCheck ? `container: ${s.containerHealthCheck}` : "NONE");
        lines.push(`  ${s.name}  ${s.kind} mode=${s.mode} controller=${s.controller} health=${health}`);
        lines.push(`    rollback: ${s.rollback.join("; ") || "NONE"}`);
        if (s.scaling) {
            const breaker = s.controller === "ECS" ? ` (circuit breaker trips after ${s.scaling.thresholdAtMin} failed tasks at ${s.scaling.min}, ${s.scaling.thresholdAtMax} at ${s.scaling.max})` : "";
            lines.push(`    scaling: ${s.scaling.min}-${s.scaling.max} tasks${breaker}`);
        } else if (s.circuitBreakerThreshold !== undefined) {
            lines.push(`    tasks: ${s.desiredCount} (circuit breaker trips after ${s.circuitBreakerThreshold} failed tasks)`);
        }
        lines.push(`    alarms: ${s.alarms.length ? s.alarms.join(", ") : "none"}`);
        lines.push(`    failures notify: ${s.notifications.join("; ") || "nobody"}`);
        if (s.timing) lines.push(...renderTiming(s.timing));
    }
    lines.push("", "Outputs:", ...JSON.stringify(plan.outputs, null, 2).split("\n").map((l) => `  ${l}`));
    if (plan.policy) lines.push("", ...renderVerdict(plan.policy));
    if (plan.changes) lines.push("", ...renderChanges(plan.changes));
    return lines.join("\n");
}

function renderVerdict(v: PolicyVerdict): string[] {
    const lines = [`Policy pack ${v.pack}${v.configFile ? ` with ${v.configFile}` : ""}: ${v.mandatoryCount} mandatory, ${v.advisoryCount} advisory violation(s)`];
    const descriptions = new Map(v.policies.map((p) => [p.name, p.description]));
    for (const level of ["mandatory", "advisory"]) {
        const found = v.violations.filter((x) => x.enforcementLevel === level);
        if (found.length === 0) continue;
        lines.push(`  ${level}:`);
        for (const x of found) {
            const finding = x.message.split("\n").slice(1).join(" ").trim() || x.message;
            lines.push(`    [${x.policyName}] ${x.resourceType ?? "stack"} ${x.resourceName ?? ""}: ${finding}`);
            lines.push(`      fix: ${descriptions.get(x.policyName) ?? ""}`);
        }
    }
    if (v.violations.length === 0) lines.push("  every policy passes");
    return lines;
}

export const PLAN_USAGE = "usage: npm run plan -- [stack=dev] [--json] [--diagram FILE.mmd|FILE.dot|FILE.svg] [--stack-file FILE] [--against EARLIER_PLAN.json]\n";

/**
 * The plan command: `argv` as after `npm run plan --`. Returns the exit code: 0 clean, 1 on a
 * mandatory policy violation or program error, 2 on invalid config or usage.
 */
export async function planCommand(
    argv: string[],
    io: { out: (text: string) => void; program?: RunOptions["program"] } = { out: (t) => process.stdout.write(t) },
): Promise<number> {
    let parsed;
    try {
        parsed = parseArgs({
            args: argv,
            allowPositionals: true,
            options: {
                json: { type: "boolean" },
                diagram: { type: "string" },
                "stack-file": { type: "string" },
                against: { type: "string" },
                help: { type: "boolean", short: "h" },
            },
        });
    } catch (e) {
        io.out(`${(e as Error).message}\n${PLAN_USAGE}`);
        return EXIT.invalidConfig;
    }
    const { values, positionals } = parsed;
    if (values.help) {
        io.out(PLAN_USAGE);
        return EXIT.ok;
    }
    const stack = positionals[0] ?? "dev";
    let config;
    try {
        config = readStackConfig(PROJECT_DIR, stack, values["stack-file"]);
    } catch (e) {
        io.out(`${(e as Error).message}\n`);
        return EXIT.invalidConfig;
    }
    let earlier: Plan | undefined;
    if (values.against) {
        try {
            earlier = JSON.parse(fs.readFileSync(values.against, "utf8")) as Plan;
        } catch (e) {
            io.out(`--against ${values.against}: cannot read a plan (${(e as Error).message})\n${PLAN_USAGE}`);
            return EXIT.invalidConfig;
        }
    }
    const { plan, run } = await planStack({ stack, config, program: io.program });
    // Only the JSON form is saved for a later --against; the text form does not show it.
    if (values.json && !plan.configErrors) plan.state = planState(run);
    if (earlier && !plan.configErrors && !plan.error) {
        try {
            plan.changes = await compareWithPlan(earlier, values.against!, config, io.program);
        } catch (e) {
            io.out(`--against ${values.against}: ${(e as Error).message}\n`);
            return EXIT.invalidConfig;
        }
    }
    if (values.diagram) {
        // By extension: .dot/.gv Graphviz, .svg rendered from it, anything else (.mmd) Mermaid.
        const format = diagramFormat(values.diagram) ?? "mermaid";
        fs.writeFileSync(values.diagram, await renderDiagram(run, format));
    }
    io.out((values.json ? JSON.stringify(plan, null, 2) : renderPlan(plan)) + "\n");
    if (plan.configErrors) return EXIT.invalidConfig;
    if (plan.changes && plan.changes.refused.length + plan.changes.fights.length > 0) return EXIT.refusedTransition;
    return plan.error || (plan.policy?.mandatoryCount ?? 0) > 0 ? EXIT.mandatoryViolation : EXIT.ok;
}
