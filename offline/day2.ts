/**
 * Day 2, offline: a stack's life after its first `pulumi up`. A `World` holds Pulumi's state
 * (the checkpoint) and what AWS has (`live`); the deployment controllers change `live` during a
 * release (ECS native blue/green swaps target groups and moves rule weights, CodeDeploy
 * re-points listeners and runs a new task definition), `refresh` copies `live` into the state,
 * and `up` runs the program again against the state, as the engine and provider would
 * (offline/providerDiff.ts), and judges every step: what AWS would refuse, and what would send
 * back a value a controller set.
 */
import { CODE_DEPLOY_RELEASE_FIELDS } from "../components/ignoreChanges";
import { copyPlain } from "./copy";
import { runProgram, type RunOptions, type RunResult } from "./engine";
import { deepEqual, getPath, hashSecrets, parsePath } from "./providerDiff";
import type { StackConfigValues } from "./stackFiles";
import type { LiveAccount, LiveEcsService, PriorResource, RegisteredResource, Step } from "./types";

const SERVICE = "aws:ecs/service:Service";
const LISTENER = "aws:lb/listener:Listener";
const RULE = "aws:lb/listenerRule:ListenerRule";
const TARGET_GROUP = "aws:lb/targetGroup:TargetGroup";
const TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition";
const CAPACITY = "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders";

/** A path a controller changed since the last `pulumi up`: Pulumi must not send it back. */
export interface Owned {
    urn: string;
    path: string;
    by: string;
    /** The value before the controller changed it: sending this again undoes the release. */
    was: unknown;
}

export interface World {
    config: StackConfigValues;
    /** Pulumi's state by URN (custom resources). */
    state: Map<string, PriorResource>;
    /** What AWS has, by URN, in the provider's input shape. */
    live: Map<string, Record<string, any>>;
    owned: Owned[];
    /** ECS services with a release still running (by ECS service name). */
    inProgress: Set<string>;
}

export type StepOp = Step["op"] | "delete";

export interface StepReport {
    urn: string;
    type: string;
    name: string;
    op: StepOp;
    changedPaths: string[];
    replaceKeys: string[];
    /** Paths the config changed that ignoreChanges holds back: they go out with the next CodeDeploy release. */
    deferred: string[];
}

export interface Finding {
    urn: string;
    name: string;
    type: string;
    message: string;
}

export interface UpResult {
    run: RunResult;
    steps: StepReport[];
    /** What AWS (or the provider) would refuse: the `pulumi up` fails. */
    refused: Finding[];
    /** Values a controller set that the update would put back, and production traffic sent to the idle colour. */
    fights: Finding[];
    /** The world after the update (when nothing was refused). */
    next: World;
}

/** The world after a first `pulumi up` of `config`. */
export async function firstUp(config: StackConfigValues): Promise<World> {
    const run = await runProgram({ stack: config.stack, config });
    if (run.error) throw run.error;
    const world: World = { config, state: new Map(), live: new Map(), owned: [], inProgress: new Set() };
    for (const r of run.resources) if (diffable(r)) record(world, r, 0, r.inputs);
    fillFromAws(world);
    return world;
}

/** What the engine diffs (offline/engine.ts): custom resources, and remote components (awsx's VPC) by their inputs. */
export function diffable(r: RegisteredResource): boolean {
    return r.custom || r.remote === true;
}

function record(world: World, r: RegisteredResource, generation: number, inputs: Record<string, any>): void {
    world.state.set(r.urn, stateEntry(r, copyPlain, inputs, generation));
}

/** A registered resource as Pulumi's state holds it; `copy` copies each value (a clone, or one with secrets hashed). */
function stateEntry(r: RegisteredResource, copy: <T>(value: T) => T, inputs: Record<string, any>, generation: number): PriorResource {
    return {
        urn: r.urn,
        type: r.type,
        name: r.name,
        custom: r.custom,
        id: r.id,
        inputs: copy(inputs),
        declared: copy(r.inputs),
        outputs: copy(r.outputs),
        dependencies: r.dependencies,
        ignoreChanges: r.options.ignoreChanges,
        deleteBeforeReplace: r.options.deleteBeforeReplace,
        generation,
    };
}

/**
 * What AWS fills in that the program may not have declared: a service created without a
 * capacity-provider strategy gets the cluster's default.
 */
function fillFromAws(world: World): void {
    for (const [urn, s] of world.state) {
        if (!world.live.has(urn)) world.live.set(urn, copyPlain(s.outputs));
        const live = world.live.get(urn)!;
        if (s.type === SERVICE && !live.capacityProviderStrategies?.length && !live.launchType) {
            const clusterName = String(live.cluster ?? "").split(":cluster/")[1];
            const capacity = [...world.state.values()].find((c) => c.type === CAPACITY && c.outputs.clusterName === clusterName);
            if (capacity) live.capacityProviderStrategies = copyPlain(capacity.outputs.defaultCapacityProviderStrategies);
        }
    }
}

/**
 * The world a saved plan describes (`npm run plan -- <stack> --json`): its resources as state,
 * and AWS as the plan left it (no release since). Secret inputs are hashes there.
 */
export function worldFromState(config: StackConfigValues, resources: readonly PriorResource[]): World {
    const world: World = { config, state: new Map(), live: new Map(), owned: [], inProgress: new Set() };
    for (const r of resources) world.state.set(r.urn, copyPlain(r));
    fillFromAws(world);
    return world;
}

/** The state entry of a registered resource, secrets hashed: what a plan saves for a later `--against`. */
export function savedState(r: RegisteredResource): PriorResource {
    const secrets = r.secretInputs ?? [];
    return stateEntry(r, (value) => hashSecrets(value as Record<string, any>, secrets) as typeof value, r.inputs, 0);
}

/** `pulumi refresh`: the state takes what AWS has; the inputs Pulumi tracks take the refreshed values. */
export function refresh(world: World): World {
    const next = cloneWorld(world);
    for (const [urn, s] of next.state) {
        const live = next.live.get(urn);
        if (!live) continue;
        s.outputs = copyPlain(live);
        for (const key of Object.keys(s.inputs)) if (key in live) s.inputs[key] = copyPlain(live[key]);
    }
    return next;
}

/** The program's view of AWS through invokes. */
export function liveAccount(world: World): LiveAccount {
    return {
        ecsService(clusterName, serviceName) {
            for (const [urn, live] of world.live) {
                const s = world.state.get(urn);
                if (s?.type !== SERVICE || live.name !== serviceName || !String(live.cluster).endsWith(`cluster/${clusterName}`)) continue;
                const controller = live.deploymentController?.type ?? "ECS";
                const busy = world.inProgress.has(serviceName);
                const service: LiveEcsService = {
                    serviceName,
                    clusterName,
                    deploymentController: controller,
                    loadBalancers: live.loadBalancers ?? [],
                    taskDefinition: live.taskDefinition,
                    taskSets: controller === "CODE_DEPLOY" ? [{ status: "PRIMARY" }, ...(busy ? [{ status: "ACTIVE" }] : [])] : [],
                    deployments: controller === "CODE_DEPLOY" ? [] : [{ status: "PRIMARY" }, ...(busy ? [{ status: "ACTIVE" }] : [])],
                };
                return service;
            }
            return undefined;
        },
    };
}

/**
 * `pulumi up` with `config` (default: the world's) against the world's state. With `refresh`
 * (the project's `options.refresh: always`), the state is refreshed first.
 */
export async function up(
    world: World,
    opts: { config?: StackConfigValues; refresh?: boolean; hashSecrets?: boolean; program?: RunOptions["program"] } = {},
): Promise<UpResult> {
    const before = opts.refresh === false ? world : refresh(world);
    const config = opts.config ?? world.config;
    const run = await runProgram({ stack: config.stack, config, prior: before.state, live: liveAccount(before), hashSecrets: opts.hashSecrets, program: opts.program });
    const registered = new Map(run.resources.filter(diffable).map((r) => [r.urn, r]));
    const steps: StepReport[] = [];
    for (const r of registered.values()) {
        const step = r.step!;
        // Held back and not already what AWS runs (the live primary the program reads is not news).
        const live = before.live.get(r.urn);
        const deferred =
            controllerOf(before, r) === "CODE_DEPLOY" && r.type === SERVICE
                ? step.ignoredPaths.filter((p) => !deepEqual(getPath(r.inputs, parsePath(p)).value, getPath(live, parsePath(p)).value))
                : [];
        steps.push({ urn: r.urn, type: r.type, name: r.name, op: step.op, changedPaths: step.changedPaths, replaceKeys: step.replaceKeys, deferred });
    }
    for (const s of before.state.values()) {
        if (!registered.has(s.urn)) steps.push({ urn: s.urn, type: s.type, name: s.name, op: "delete", changedPaths: [], replaceKeys: [], deferred: [] });
    }

    // Every state entry is recorded again or deleted below: only AWS's side is carried over.
    const next: World = { ...cloneWorld(before, { state: false }), config, owned: [] };
    for (const r of registered.values()) {
        const prior = before.state.get(r.urn);
        const step = r.step!;
        record(next, r, step.op === "replace" ? (prior?.generation ?? 0) + 1 : (prior?.generation ?? 0), step.sent);
        if (step.op === "create" || step.op === "replace") next.live.set(r.urn, copyPlain(r.outputs));
        else if (step.op === "update") {
            const live = next.live.get(r.urn)!;
            for (const key of step.changedKeys) live[key] = copyPlain(step.sent[key]);
        }
    }
    for (const step of steps.filter((s) => s.op === "delete")) {
        next.state.delete(step.urn);
        next.live.delete(step.urn);
    }
    fillFromAws(next);

    const refused = [...refusals(before, next, registered, steps)];
    const fights = [...controllerFights(before, registered), ...misrouted(next)];
    return { run, steps, refused, fights, next };
}

function controllerOf(world: World, r: { urn: string }): string | undefined {
    const live = world.live.get(r.urn);
    return live ? (live.deploymentController?.type ?? "ECS") : undefined;
}

function finding(r: { urn: string; name: string; type: string }, message: string): Finding {
    return { urn: r.urn, name: r.name, type: r.type, message };
}

/** What AWS or the provider refuses, given the steps of one `pulumi up`. */
function* refusals(before: World, after: World, registered: Map<string, RegisteredResource>, steps: StepReport[]): Generator<Finding> {
    const stepOf = new Map(steps.map((s) => [s.urn, s]));
    for (const r of registered.values()) {
        const step = r.step!;
        const prior = before.state.get(r.urn);
        if (r.type === SERVICE && step.op === "update") {
            const controller = controllerOf(before, r);
            if (controller === "CODE_DEPLOY") {
                const refusedKeys = step.changedKeys.filter((k) => (CODE_DEPLOY_RELEASE_FIELDS as readonly string[]).includes(k));
                if (refusedKeys.length > 0)
                    yield finding(r, `UpdateService refuses ${refusedKeys.join(", ")} on a CODE_DEPLOY service: they can only change through a CodeDeploy deployment`);
            } else if (step.changedKeys.includes("capacityProviderStrategies") && r.inputs.forceNewDeployment !== true) {
                yield finding(r, "force_new_deployment should be true when capacity_provider_strategy is being updated (the provider refuses the update)");
            }
        }
        if (r.type === SERVICE) {
            const live = after.live.get(r.urn)!;
            const strategy = live.deploymentConfiguration?.strategy;
            if (["BLUE_GREEN", "LINEAR", "CANARY"].includes(strategy)) {
                const lb = live.loadBalancers?.[0];
                const alternate = lb?.advancedConfiguration?.alternateTargetGroupArn;
                if (!alternate || alternate === lb?.targetGroupArn)
                    yield finding(r, `a ${strategy} service needs loadBalancers[0].advancedConfiguration with an alternate target group; ECS would have none after this update`);
            }
        }
        // Create-before-delete of a resource whose physical name stays the same: AWS refuses the
        // duplicate (or, for idempotent creates, the delete of the old one removes the new).
        if (step.op === "replace" && prior && !r.options.deleteBeforeReplace) {
            const nameKey = uniqueNameKey(r.type);
            if (nameKey && r.inputs[nameKey] !== undefined && deepEqual(r.inputs[nameKey], prior.inputs[nameKey]))
                yield finding(r, `replacement keeps the name ${JSON.stringify(r.inputs[nameKey])}: the new one is created before the old one is deleted, and AWS allows one of that name`);
        }
    }
    yield* portConflicts(before, after, registered, stepOf);
    yield* stillInUse(before, after, steps);
}

/** The input holding a name AWS keeps unique, per type. */
function uniqueNameKey(type: string): string | undefined {
    const keys: Record<string, string> = {
        [SERVICE]: "name",
        [TARGET_GROUP]: "name",
        "aws:lb/loadBalancer:LoadBalancer": "name",
        "aws:iam/role:Role": "name",
        "aws:cloudwatch/logGroup:LogGroup": "name",
        "aws:cloudwatch/metricAlarm:MetricAlarm": "name",
        "aws:cloudwatch/eventRule:EventRule": "name",
        "aws:sns/topic:Topic": "name",
        "aws:sqs/queue:Queue": "name",
        "aws:ecs/cluster:Cluster": "name",
        "aws:codedeploy/application:Application": "name",
        "aws:codedeploy/deploymentGroup:DeploymentGroup": "deploymentGroupName",
    };
    return keys[type];
}

/**
 * One listener per port per load balancer (DuplicateListener) and one rule per priority per
 * listener (PriorityInUse), at every moment of the update: Pulumi creates and updates first and
 * deletes last, and runs steps in parallel unless one depends on the other.
 */
function* portConflicts(before: World, after: World, registered: Map<string, RegisteredResource>, stepOf: Map<string, StepReport>): Generator<Finding> {
    for (const [type, slotOf, what] of [
        [LISTENER, (v: Record<string, any>) => `${v.loadBalancerArn}|${v.port}`, "listener on port"],
        [RULE, (v: Record<string, any>) => `${v.listenerArn}|${v.priority}`, "rule with priority"],
    ] as const) {
        // Before deletes: every new or updated resource, and every old one (deleted or replaced) still there.
        const holders = new Map<string, string[]>();
        const hold = (slot: string, urn: string) => holders.set(slot, [...(holders.get(slot) ?? []), urn]);
        for (const r of registered.values()) if (r.type === type) hold(slotOf(after.live.get(r.urn)!), r.urn);
        for (const s of before.state.values()) {
            if (s.type !== type) continue;
            const op = stepOf.get(s.urn)?.op;
            if (op === "delete" || (op === "replace" && !s.deleteBeforeReplace)) hold(slotOf(before.live.get(s.urn)!), `${s.urn} (old)`);
        }
        for (const [slot, urns] of holders) {
            if (urns.length < 2) continue;
            const r = registered.get(urns[0].replace(" (old)", "")) ?? registered.get(urns[1].replace(" (old)", ""));
            if (r) yield finding(r, `two resources hold the ${what} ${slot.split("|")[1]} at once during the update (${urns.join(", ")})`);
        }
        // A create racing an update that moves another resource off the same slot.
        for (const r of registered.values()) {
            if (r.type !== type || r.step?.op !== "create") continue;
            const slot = slotOf(after.live.get(r.urn)!);
            for (const s of before.state.values()) {
                if (s.type !== type || stepOf.get(s.urn)?.op !== "update") continue;
                if (slotOf(before.live.get(s.urn)!) === slot && !r.dependencies.includes(s.urn))
                    yield finding(r, `created on the ${what} ${slot.split("|")[1]} while ${s.name} moves off it, with no dependency between them: they race`);
            }
        }
    }
}

/** A deleted target group, listener, rule or security group that a remaining resource still refers to in AWS. */
function* stillInUse(before: World, after: World, steps: StepReport[]): Generator<Finding> {
    const kinds = new Set([TARGET_GROUP, LISTENER, RULE, "aws:ec2/securityGroup:SecurityGroup", TASK_DEFINITION]);
    const goneSteps = steps.filter((s) => kinds.has(s.type) && (s.op === "delete" || s.op === "replace"));
    if (goneSteps.length === 0) return;
    const remaining = [...after.live.entries()].map(([urn, v]) => ({ urn, text: JSON.stringify(v) }));
    for (const s of goneSteps) {
        const old = before.state.get(s.urn)!;
        // Task definitions are kept on replacement (skipDestroy); a deleted one in use is only deregistered.
        if (s.type === TASK_DEFINITION) continue;
        const ref = old.outputs.arn ?? old.id;
        if (!ref) continue;
        const users = remaining.filter((x) => x.urn !== s.urn && x.text.includes(`"${ref}"`));
        if (users.length > 0)
            yield finding(old, `${s.op === "delete" ? "deleted" : "replaced"} while ${users.map((u) => before.state.get(u.urn)?.name ?? u.urn).join(", ")} still use${users.length === 1 ? "s" : ""} it in AWS (ResourceInUse)`);
    }
}

/** Updates that would overwrite a value a controller set since the last `pulumi up`. */
function* controllerFights(before: World, registered: Map<string, RegisteredResource>): Generator<Finding> {
    for (const owned of before.owned) {
        const r = registered.get(owned.urn);
        if (!r || r.step?.op !== "update") continue;
        const sent = r.step.sent;
        const path = parsePath(owned.path);
        const key = String(path[0]);
        if (!r.step.changedKeys.includes(key)) continue;
        const live = getPath(before.live.get(owned.urn), path);
        const declared = getPath(sent, path);
        if (deepEqual(declared.value, owned.was) && !deepEqual(live.value, owned.was))
            yield finding(r, `sends back ${owned.path}, which ${owned.by} changed (AWS has ${JSON.stringify(live.value)}, the update restores ${JSON.stringify(declared.value)})`);
    }
}

/** Target groups a listener or rule action sends traffic to (weight above 0). */
function forwardTargets(actions: unknown): string[] {
    if (!Array.isArray(actions)) return [];
    return actions.flatMap((a: any) => {
        if (a?.type !== "forward") return [];
        if (a.forward?.targetGroups) return a.forward.targetGroups.filter((t: any) => (t.weight ?? 1) > 0).map((t: any) => t.arn);
        return a.targetGroupArn ? [a.targetGroupArn] : [];
    });
}

/**
 * After the update, every listener and rule that forwards to a service's target groups must
 * forward to the one ECS or CodeDeploy reports as serving: the other has no tasks (or old ones).
 */
function* misrouted(after: World): Generator<Finding> {
    const idle = new Map<string, string>();
    for (const [urn, live] of after.live) {
        const s = after.state.get(urn);
        if (s?.type !== SERVICE) continue;
        const serving = live.loadBalancers?.[0]?.targetGroupArn;
        const pair = [...after.state.values()].filter((t) => t.type === TARGET_GROUP && (t.name === `${s.name}-blue` || t.name === `${s.name}-green`)).map((t) => t.outputs.arn);
        for (const arn of pair) if (arn !== serving) idle.set(arn, s.name);
    }
    for (const [urn, live] of after.live) {
        const s = after.state.get(urn)!;
        if (s.type !== LISTENER && s.type !== RULE) continue;
        const targets = forwardTargets(s.type === LISTENER ? live.defaultActions : live.actions);
        const wrong = targets.filter((t) => idle.has(t));
        if (wrong.length > 0 && wrong.length === targets.length)
            yield finding(s, `forwards to the idle target group of ${idle.get(wrong[0])} (${wrong[0].split(":").pop()}), not the one serving production`);
    }
}

function cloneWorld(w: World, opts: { state: boolean } = { state: true }): World {
    return {
        config: w.config,
        state: opts.state ? new Map([...w.state].map(([k, v]) => [k, copyPlain(v)])) : new Map(),
        live: new Map([...w.live].map(([k, v]) => [k, copyPlain(v)])),
        owned: [...w.owned],
        inProgress: new Set(w.inProgress),
    };
}

/** The Pulumi resource of a configured service (logical name = config name). */
function serviceResource(world: World, service: string): PriorResource {
    const found = [...world.state.values()].find((s) => s.type === SERVICE && s.name === service);
    if (!found) throw new Error(`no ECS service ${service} in the stack`);
    return found;
}

function byArn(world: World, arn: string): [string, Record<string, any>] | undefined {
    for (const [urn, live] of world.live) if (live.arn === arn) return [urn, live];
    return undefined;
}

/**
 * A completed ECS native blue/green release, after the `pulumi up` that started it: the
 * alternate target group now serves production, and the rules forward to it by weight.
 */
export function ecsBlueGreenSwap(world: World, service: string): World {
    const next = cloneWorld(world);
    const svc = serviceResource(next, service);
    const live = next.live.get(svc.urn)!;
    const lb = live.loadBalancers[0];
    const adv = lb.advancedConfiguration;
    if (!adv?.alternateTargetGroupArn) throw new Error(`${service} is not an ECS blue/green service`);
    const [was, wasAlternate] = [lb.targetGroupArn, adv.alternateTargetGroupArn];
    [lb.targetGroupArn, adv.alternateTargetGroupArn] = [wasAlternate, was];
    next.owned.push({ urn: svc.urn, path: "loadBalancers[0].targetGroupArn", by: "ECS blue/green", was });
    next.owned.push({ urn: svc.urn, path: "loadBalancers[0].advancedConfiguration.alternateTargetGroupArn", by: "ECS blue/green", was: wasAlternate });
    for (const ruleArn of [adv.productionListenerRule, adv.testListenerRule]) {
        const rule = byArn(next, ruleArn);
        if (!rule) continue;
        next.owned.push({ urn: rule[0], path: "actions", by: "ECS blue/green", was: copyPlain(rule[1].actions) });
        rule[1].actions = [
            { type: "forward", forward: { targetGroups: [{ arn: lb.targetGroupArn, weight: 100 }, { arn: adv.alternateTargetGroupArn, weight: 0 }] } },
        ];
    }
    return next;
}

/**
 * A completed CodeDeploy release (the deploy command): a new task-definition revision runs in
 * the replacement task set, the listeners forward to the other target group, and the service
 * reports that group.
 */
export function codeDeployRelease(world: World, service: string, image: string): World {
    const next = cloneWorld(world);
    const svc = serviceResource(next, service);
    const live = next.live.get(svc.urn)!;
    const from = live.loadBalancers[0].targetGroupArn;
    const groups = [...next.state.values()].filter((s) => s.type === TARGET_GROUP && (s.name === `${service}-blue` || s.name === `${service}-green`));
    const to = groups.map((g) => g.outputs.arn).find((arn) => arn !== from);
    if (!to) throw new Error(`${service}: no second target group`);
    next.owned.push({ urn: svc.urn, path: "taskDefinition", by: "CodeDeploy", was: live.taskDefinition });
    next.owned.push({ urn: svc.urn, path: "loadBalancers[0].targetGroupArn", by: "CodeDeploy", was: from });
    live.loadBalancers[0].targetGroupArn = to;
    const revision = Number(String(live.taskDefinition).split(":").pop()) + 100;
    live.taskDefinition = `${String(live.taskDefinition).replace(/:\d+$/, "")}:${revision}`;
    live.releasedImage = image;
    for (const [urn, l] of next.live) {
        if (next.state.get(urn)?.type !== LISTENER) continue;
        const action = l.defaultActions?.[0];
        if (action?.type === "forward" && action.targetGroupArn === from) {
            next.owned.push({ urn, path: "defaultActions", by: "CodeDeploy", was: copyPlain(l.defaultActions) });
            l.defaultActions = [{ ...action, targetGroupArn: to }];
        }
    }
    return next;
}

/** A copy of a config with one project key changed (`fn` gets and returns the parsed value). */
export function withConfig(config: StackConfigValues, key: string, fn: (value: any) => any): StackConfigValues {
    const full = key.includes(":") ? key : `${config.project}:${key}`;
    const raw = config.values[full];
    let parsed: unknown;
    try {
        parsed = raw === undefined ? undefined : JSON.parse(raw);
    } catch {
        parsed = raw;
    }
    const value = fn(copyPlain(parsed));
    const values = { ...config.values };
    if (value === undefined) delete values[full];
    else values[full] = typeof value === "string" ? value : JSON.stringify(value);
    return { ...config, values };
}

/** The same, for one service's settings. */
export function withService(config: StackConfigValues, service: string, fn: (svc: any) => any): StackConfigValues {
    return withConfig(config, "services", (services: any[]) => services.map((s) => (s.name === service ? fn(s) : s)));
}
