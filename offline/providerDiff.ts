/**
 * What `pulumi up` would do to one existing resource, as the Pulumi engine and the AWS provider
 * decide it: the engine resets every `ignoreChanges` path to the old inputs, then the provider
 * (Terraform-bridged) diffs the new inputs against the resource's state and replaces it when a
 * changed property cannot be updated in place. Pure data in, pure data out; the offline engine
 * calls it for every registration when it runs against an earlier state (offline/day2.ts).
 *
 * Sources: Pulumi's `processIgnoreChanges` (pkg/resource/deploy/step_generator.go: a path
 * present in the old inputs takes the old value; a path absent there is removed from the new
 * inputs, so ignoring a property never lets a new value through), and the ForceNew flags of
 * terraform-provider-aws's schemas for the resource types this project uses.
 */

/** Properties whose change makes the provider replace the resource (ForceNew in the provider schema). */
export const REPLACE_ON: Readonly<Record<string, readonly string[] | "all">> = {
    "aws:ecs/service:Service": ["name", "cluster", "deploymentController", "launchType", "schedulingStrategy", "iamRole"],
    // Task definitions are immutable: every change registers a new revision.
    "aws:ecs/taskDefinition:TaskDefinition": "all",
    "aws:ecs/cluster:Cluster": ["name"],
    "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders": ["clusterName"],
    "aws:lb/targetGroup:TargetGroup": ["name", "namePrefix", "port", "protocol", "protocolVersion", "targetType", "vpcId"],
    "aws:lb/listener:Listener": ["loadBalancerArn"],
    "aws:lb/listenerRule:ListenerRule": ["listenerArn"],
    "aws:lb/loadBalancer:LoadBalancer": ["name", "namePrefix", "internal", "loadBalancerType"],
    "aws:ec2/securityGroup:SecurityGroup": ["name", "namePrefix", "description", "vpcId"],
    "aws:ec2/eip:Eip": ["domain", "address"],
    "aws:iam/role:Role": ["name", "namePrefix", "path"],
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": ["role", "policyArn"],
    "aws:iam/rolePolicy:RolePolicy": ["role", "name"],
    "aws:cloudwatch/logGroup:LogGroup": ["name", "namePrefix"],
    "aws:cloudwatch/metricAlarm:MetricAlarm": ["name"],
    "aws:cloudwatch/eventRule:EventRule": ["name", "namePrefix", "eventBusName"],
    "aws:cloudwatch/eventTarget:EventTarget": ["rule", "targetId", "eventBusName"],
    "aws:sns/topic:Topic": ["name", "namePrefix", "fifoTopic"],
    "aws:sns/topicPolicy:TopicPolicy": ["arn"],
    "aws:sns/topicSubscription:TopicSubscription": ["topic", "protocol", "endpoint"],
    "aws:sqs/queue:Queue": ["name", "namePrefix", "fifoQueue"],
    "aws:sqs/queuePolicy:QueuePolicy": ["queueUrl"],
    "aws:kms/key:Key": ["customerMasterKeySpec", "keyUsage", "multiRegion"],
    "aws:kms/alias:Alias": ["name", "namePrefix"],
    "aws:codedeploy/application:Application": ["computePlatform"],
    "aws:codedeploy/deploymentGroup:DeploymentGroup": ["appName"],
    "aws:codedeploy/deploymentConfig:DeploymentConfig": "all",
};

/**
 * Properties AWS fills in when the program leaves them out, per type, and whether the provider
 * treats them as computed (no diff when the program does not set them) or as plain optional
 * (a refreshed value the program does not declare is a diff: the provider tries to remove it).
 * A service created without `capacityProviderStrategies` inherits the cluster's default
 * strategy, and the provider then sees a diff it cannot apply without a forced new deployment
 * (pulumi/pulumi-aws#5903, hashicorp/terraform-provider-aws#44776).
 */
export const AWS_FILLED: Readonly<Record<string, Readonly<Record<string, "computed" | "optional">>>> = {
    "aws:ecs/service:Service": {
        capacityProviderStrategies: "optional",
        platformVersion: "computed",
        availabilityZoneRebalancing: "computed",
        deploymentConfiguration: "computed",
        tagsAll: "computed",
    },
    "aws:lb/targetGroup:TargetGroup": { loadBalancingAlgorithmType: "computed", stickiness: "computed", tagsAll: "computed" },
    "aws:lb/listener:Listener": { tagsAll: "computed" },
    "aws:lb/loadBalancer:LoadBalancer": { ipAddressType: "computed", tagsAll: "computed" },
};

/** Inputs Pulumi tracks itself (not sent to AWS), e.g. the provider reference. */
const ENGINE_KEYS = new Set(["__defaults"]);

import { createHash } from "crypto";
import { copyPlain } from "./copy";

export type Path = (string | number)[];

export function parsePath(path: string): Path {
    const out: Path = [];
    for (const m of path.matchAll(/([^.[\]]+)|\[(\d+|"[^"]*")\]/g)) {
        if (m[1] !== undefined) out.push(m[1]);
        else out.push(m[2].startsWith('"') ? m[2].slice(1, -1) : Number(m[2]));
    }
    return out;
}

export function formatPath(path: Path): string {
    return path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? p : `.${p}`)).join("");
}

export function getPath(obj: unknown, path: Path): { found: boolean; value?: unknown } {
    let node: any = obj;
    for (const part of path) {
        if (node === null || typeof node !== "object" || !(part in node)) return { found: false };
        node = node[part];
    }
    return { found: node !== undefined, value: node };
}

export function setPath(obj: any, path: Path, value: unknown): boolean {
    let node = obj;
    for (const part of path.slice(0, -1)) {
        if (node === null || typeof node !== "object" || !(part in node)) return false;
        node = node[part];
    }
    if (node === null || typeof node !== "object") return false;
    node[path[path.length - 1]] = value;
    return true;
}

function deletePath(obj: any, path: Path): boolean {
    const parent = getPath(obj, path.slice(0, -1));
    if (!parent.found && path.length > 1) return false;
    const node: any = path.length > 1 ? parent.value : obj;
    if (node === null || typeof node !== "object") return false;
    const last = path[path.length - 1];
    if (Array.isArray(node) && typeof last === "number") node.splice(last, 1);
    else delete node[last];
    return true;
}

/**
 * Pulumi's ignoreChanges: each path takes its value from the old inputs; a path missing from
 * the old inputs is deleted from the new ones. Returns the inputs Pulumi hands the provider.
 */
export function applyIgnoreChanges(news: Record<string, unknown>, oldInputs: Record<string, unknown>, ignoreChanges: readonly string[]): Record<string, unknown> {
    const out = copyPlain(news);
    for (const raw of ignoreChanges) {
        const path = parsePath(raw);
        if (path.length === 0) continue;
        const old = getPath(oldInputs, path);
        if (old.found) setPath(out, path, copyPlain(old.value));
        else if (getPath(out, path).found) deletePath(out, path);
    }
    return out;
}

export function deepEqual(a: unknown, b: unknown): boolean {
    if (a === b) return true;
    if (emptyish(a) && emptyish(b)) return true;
    if (typeof a !== typeof b || a === null || b === null || typeof a !== "object") return false;
    if (Array.isArray(a) !== Array.isArray(b)) return false;
    if (Array.isArray(a)) {
        const bb = b as unknown[];
        return a.length === bb.length && a.every((v, i) => deepEqual(v, bb[i]));
    }
    const ao = a as Record<string, unknown>;
    const bo = b as Record<string, unknown>;
    const keys = new Set([...Object.keys(ao), ...Object.keys(bo)]);
    for (const k of keys) if (!deepEqual(ao[k], bo[k])) return false;
    return true;
}

/** The provider does not tell an absent block from an empty one. */
function emptyish(v: unknown): boolean {
    return v === undefined || v === null || (Array.isArray(v) && v.length === 0) || (typeof v === "object" && v !== null && !Array.isArray(v) && Object.keys(v).length === 0);
}

/** Leaf paths where two values differ, for the reader (`loadBalancers[0].targetGroupArn`). */
export function changedLeaves(a: unknown, b: unknown, at: Path = []): string[] {
    if (deepEqual(a, b)) return [];
    const bothObjects = a !== null && b !== null && typeof a === "object" && typeof b === "object" && Array.isArray(a) === Array.isArray(b);
    if (!bothObjects || at.length >= 6) return [formatPath(at)];
    if (Array.isArray(a) && Array.isArray(b) && a.length !== b.length) return [formatPath(at)];
    const keys = new Set([...Object.keys(a as object), ...Object.keys(b as object)]);
    const out: string[] = [];
    for (const k of keys) {
        const key = Array.isArray(a) ? Number(k) : k;
        out.push(...changedLeaves((a as any)[k], (b as any)[k], [...at, key]));
    }
    return out;
}

export interface ProviderDiff {
    /** Top-level properties the update would send. */
    changedKeys: string[];
    /** The subset that forces a replacement. */
    replaceKeys: string[];
    /** Leaf paths of every change, for display. */
    changedPaths: string[];
}

/**
 * The provider's diff of new inputs (after ignoreChanges) against the resource's state.
 * `stateInputs` are the old inputs: a property the program used to set and no longer does is
 * a change (the provider removes it) unless AWS computes it.
 */
export function providerDiff(type: string, state: Record<string, unknown>, stateInputs: Record<string, unknown>, news: Record<string, unknown>): ProviderDiff {
    const filled = AWS_FILLED[type] ?? {};
    const keys = new Set([...Object.keys(news), ...Object.keys(stateInputs), ...Object.keys(filled).filter((k) => filled[k] === "optional")]);
    const changedKeys: string[] = [];
    const changedPaths: string[] = [];
    for (const key of keys) {
        if (ENGINE_KEYS.has(key)) continue;
        const declared = news[key];
        const current = state[key];
        if (declared === undefined && (filled[key] === "computed" || emptyish(current))) continue;
        if (deepEqual(declared, current)) continue;
        changedKeys.push(key);
        changedPaths.push(...changedLeaves(current, declared, [key]));
    }
    const forceNew = REPLACE_ON[type];
    const replaceKeys = forceNew === "all" ? changedKeys.filter((k) => k !== "tags" && k !== "tagsAll" && k !== "skipDestroy") : changedKeys.filter((k) => forceNew?.includes(k));
    return { changedKeys, replaceKeys, changedPaths };
}

/**
 * Replaces the values at secret paths with a short hash, so a saved plan can be compared with a
 * later one (a changed secret shows as a change) without holding the secret itself.
 */
export function hashSecrets<T extends Record<string, unknown>>(obj: T, secretPaths: readonly string[]): T {
    if (secretPaths.length === 0) return obj;
    const out = copyPlain(obj);
    for (const raw of secretPaths) {
        const path = parsePath(raw);
        const found = getPath(out, path);
        if (found.found) setPath(out, path, `[secret sha256:${createHash("sha256").update(JSON.stringify(found.value)).digest("hex").slice(0, 12)}]`);
    }
    return out;
}
