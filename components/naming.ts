import { createHash } from "crypto";

/**
 * Physical names for resources whose names AWS limits or other resources refer to.
 * Every name is a pure function of its inputs so it is the same on every `pulumi up`,
 * fits AWS's limit whatever the stack and service names, and stays unique in the stack:
 * when a prefix must be cut, a short hash of the full name keeps it distinct.
 */

export const LIMITS = {
    targetGroup: 32,
    loadBalancer: 32,
    iamRole: 64,
    alarm: 255,
    logGroup: 512,
    ecsService: 255,
    taskFamily: 255,
    codeDeployName: 100,
    eventRule: 64,
    snsTopic: 256,
    securityGroup: 255,
    sqsQueue: 80,
} as const;

export function shortHash(text: string, length = 6): string {
    return createHash("sha256").update(text).digest("hex").slice(0, length);
}

/**
 * Joins parts with "-" and, when the result is too long, cuts it and appends a hash of the
 * full name so two long names that share a prefix still differ. AWS load-balancer names may
 * not start or end with a hyphen, so those are trimmed too.
 */
export function fitName(parts: readonly string[], maxLength: number): string {
    const full = parts.filter((p) => p.length > 0).join("-");
    if (full.length <= maxLength) return full;
    const hash = shortHash(full);
    const head = full.slice(0, maxLength - hash.length - 1).replace(/-+$/, "");
    return `${head}-${hash}`;
}

/** Lower-case letters, digits and hyphens only (what ALB and target-group names accept). */
export function sanitize(text: string): string {
    return text
        .toLowerCase()
        .replace(/[^a-z0-9-]+/g, "-")
        .replace(/-+/g, "-")
        .replace(/^-|-$/g, "");
}

export type Colour = "blue" | "green";

/**
 * Target-group name, at most 32 characters. The settings that force AWS to replace a target
 * group (port, protocol) are part of the hash, so a replacement gets a fresh name and Pulumi
 * can create it before deleting the old one.
 */
export function targetGroupName(stack: string, service: string, colour: Colour, replaceKey: string): string {
    const tag = colour === "blue" ? "b" : "g";
    const hash = shortHash(`${stack}/${service}/${colour}/${replaceKey}`, 5);
    const room = LIMITS.targetGroup - tag.length - hash.length - 2;
    const prefix = fitName([sanitize(stack), sanitize(service)], room);
    return `${prefix}-${tag}-${hash}`;
}

/** Load-balancer name, at most 32 characters: `<stack>-<group>`. */
export function loadBalancerName(stack: string, group: string): string {
    return fitName([sanitize(stack), sanitize(group)], LIMITS.loadBalancer);
}

export function resourcePrefix(project: string, stack: string): string {
    return `${project}-${stack}`;
}

/** IAM role name, at most 64 characters. */
export function roleName(project: string, stack: string, purpose: string): string {
    return fitName([project, stack, purpose], LIMITS.iamRole);
}

export type AlarmSignal = "5xx" | "p99-latency" | "unhealthy-hosts";

/**
 * Alarm names are stable and predictable so deployment configuration (ECS deployment alarms,
 * CodeDeploy alarm configuration) and EventBridge rules can list them before they exist.
 */
export function alarmName(project: string, stack: string, service: string, colour: Colour, signal: AlarmSignal): string {
    return fitName([project, stack, service, colour, signal], LIMITS.alarm);
}

/** A worker's USE signals: saturation of its queue and errors in its dead-letter queue. */
export type QueueAlarmSignal = "oldest-message-age" | "visible-messages" | "dead-letter";

export function queueAlarmName(project: string, stack: string, service: string, signal: QueueAlarmSignal): string {
    return fitName([project, stack, service, "queue", signal], LIMITS.alarm);
}

/** SQS queue name, at most 80 characters (the dead-letter queue adds `-dlq` inside the limit). */
export function queueName(project: string, stack: string, service: string, purpose: "queue" | "dlq"): string {
    return fitName([project, stack, service, purpose], LIMITS.sqsQueue);
}

export function logGroupName(project: string, stack: string, service: string): string {
    return `/ecs/${project}/${stack}/${service}`;
}

export function ecsServiceName(stack: string, service: string): string {
    return fitName([stack, service], LIMITS.ecsService);
}

export function clusterName(project: string, stack: string): string {
    return fitName([project, stack], 255);
}

export function codeDeployName(project: string, stack: string, service: string): string {
    return fitName([project, stack, service], LIMITS.codeDeployName);
}

export function eventRuleName(project: string, stack: string, purpose: string): string {
    return fitName([project, stack, purpose], LIMITS.eventRule);
}

/** Where a stack's resources live: enough to know their ARNs before they exist. */
export interface AccountScope {
    partition: string;
    region: string;
    accountId: string;
}

/**
 * ARNs built from names (this module's) and the account, so that what decides a policy (event
 * patterns, topic and queue policies) is known at a first `pulumi preview`, before AWS returns
 * them. test/program/arns.test.ts checks each against the ARN the resource reports.
 */
export const arnOf = {
    eventRule: (a: AccountScope, name: string) => `arn:${a.partition}:events:${a.region}:${a.accountId}:rule/${name}`,
    ecsService: (a: AccountScope, cluster: string, service: string) => `arn:${a.partition}:ecs:${a.region}:${a.accountId}:service/${cluster}/${service}`,
    snsTopic: (a: AccountScope, name: string) => `arn:${a.partition}:sns:${a.region}:${a.accountId}:${name}`,
    sqsQueue: (a: AccountScope, name: string) => `arn:${a.partition}:sqs:${a.region}:${a.accountId}:${name}`,
};

export function topicName(project: string, stack: string): string {
    return fitName([project, stack, "deployments"], LIMITS.snsTopic);
}

export function deploymentEventsQueueName(project: string, stack: string): string {
    return fitName([project, stack, "deployment-events-dlq"], LIMITS.sqsQueue);
}
