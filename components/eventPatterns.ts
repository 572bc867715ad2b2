/**
 * EventBridge event patterns and notification texts, as pure functions of this stack's
 * names and ARNs so tests can check what each rule matches without the engine.
 * Event shapes: see ../shared/DOMAIN.md ("Events to wire to the team").
 */

export interface EventPattern {
    source: string[];
    "detail-type": string[];
    resources?: string[];
    detail?: Record<string, unknown>;
}

/** `SERVICE_DEPLOYMENT_FAILED` of one ECS-controller service (sent only with the circuit breaker on). */
export function deploymentFailedPattern(serviceArn: string): EventPattern {
    return {
        source: ["aws.ecs"],
        "detail-type": ["ECS Deployment State Change"],
        resources: [serviceArn],
        detail: { eventName: ["SERVICE_DEPLOYMENT_FAILED"] },
    };
}

/** Warnings and errors ECS raises about these services (tasks that cannot start, placement failures). */
export function serviceActionPattern(serviceArns: string[]): EventPattern {
    return {
        source: ["aws.ecs"],
        "detail-type": ["ECS Service Action"],
        resources: [...serviceArns],
        detail: { eventType: ["WARN", "ERROR"] },
    };
}

/** This stack's deployment alarms entering ALARM (the signal that triggered, or will trigger, a rollback). */
export function alarmStatePattern(alarmNames: string[]): EventPattern {
    return {
        source: ["aws.cloudwatch"],
        "detail-type": ["CloudWatch Alarm State Change"],
        detail: { alarmName: [...alarmNames], state: { value: ["ALARM"] } },
    };
}

/** CodeDeploy deployments of these groups that fail or are stopped (a CODE_DEPLOY service sends no ECS deployment events). */
export function codeDeployFailurePattern(applications: string[], deploymentGroups: string[]): EventPattern {
    return {
        source: ["aws.codedeploy"],
        "detail-type": ["CodeDeploy Deployment State-change Notification"],
        detail: { state: ["FAILURE", "STOP"], application: [...applications], deploymentGroup: [...deploymentGroups] },
    };
}

/**
 * Does `event` match `pattern`? A small subset of EventBridge matching (exact values, nested
 * objects, arrays in the event matching any listed value): enough to test our own patterns.
 */
export function matchesPattern(pattern: unknown, event: unknown): boolean {
    if (Array.isArray(pattern)) {
        const values = Array.isArray(event) ? event : [event];
        return values.some((v) => pattern.includes(v));
    }
    if (pattern && typeof pattern === "object") {
        if (!event || typeof event !== "object") return false;
        return Object.entries(pattern).every(([k, p]) => matchesPattern(p, (event as Record<string, unknown>)[k]));
    }
    return pattern === event;
}

export interface InputTransformer {
    inputPaths: Record<string, string>;
    inputTemplate: string;
}

/** A quoted JSON string template: SNS delivers it as the message text. */
function template(text: string): string {
    return JSON.stringify(text);
}

/**
 * `service` is the name in the stack config, `ecsService` the ECS service's own name (see
 * naming.ts ecsServiceName), which the console link needs. The event names the service only by
 * its ARN (`resources[0]`) and an input transformer cannot take the name out of it, so the link
 * is built from the computed name; the ARN is quoted as well.
 */
export function deploymentFailedMessage(p: { cluster: string; service: string; ecsService: string; stack: string }): InputTransformer {
    return {
        inputPaths: { deployment: "$.detail.deploymentId", reason: "$.detail.reason", serviceArn: "$.resources[0]", time: "$.time", region: "$.region" },
        inputTemplate: template(
            `[${p.stack}] ECS deployment of service ${p.service} (<serviceArn>) FAILED and is being rolled back. ` +
                `Reason: <reason>. Deployment: <deployment>. Time: <time>. ` +
                `Console: https://<region>.console.aws.amazon.com/ecs/v2/clusters/${p.cluster}/services/${p.ecsService}/deployments?region=<region>`,
        ),
    };
}

export function serviceActionMessage(p: { cluster: string; stack: string }): InputTransformer {
    return {
        inputPaths: { event: "$.detail.eventName", type: "$.detail.eventType", service: "$.resources[0]", reason: "$.detail.reason", time: "$.time", region: "$.region" },
        inputTemplate: template(
            `[${p.stack}] ECS <type> <event> on <service>. Reason: <reason>. Time: <time>. ` +
                `Console: https://<region>.console.aws.amazon.com/ecs/v2/clusters/${p.cluster}/services?region=<region>`,
        ),
    };
}

export function alarmMessage(p: { stack: string }): InputTransformer {
    return {
        inputPaths: { alarm: "$.detail.alarmName", reason: "$.detail.state.reason", time: "$.time", region: "$.region" },
        inputTemplate: template(
            `[${p.stack}] Deployment alarm <alarm> is in ALARM: a deployment in progress will roll back. ` +
                `Reason: <reason>. Time: <time>. ` +
                `Console: https://<region>.console.aws.amazon.com/cloudwatch/home?region=<region>#alarmsV2:alarm/<alarm>`,
        ),
    };
}

export function codeDeployFailureMessage(p: { stack: string }): InputTransformer {
    return {
        inputPaths: { state: "$.detail.state", group: "$.detail.deploymentGroup", deployment: "$.detail.deploymentId", time: "$.time", region: "$.region" },
        inputTemplate: template(
            `[${p.stack}] CodeDeploy deployment <deployment> of <group> ended in <state>; auto-rollback restores the previous task set. ` +
                `Time: <time>. Console: https://<region>.console.aws.amazon.com/codesuite/codedeploy/deployments/<deployment>?region=<region>`,
        ),
    };
}
