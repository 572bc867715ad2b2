/**
 * Builds stacks of RegisteredResource (offline/types.ts) the way the engine would record them, for
 * `pulumi up` (everything known) or for a new stack's `pulumi preview` (every value that comes from
 * another resource's output is the unknown sentinel), with dependencies and property dependencies.
 */
import type { RegisteredResource } from "../../offline/types";

export const U = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
export const ACCOUNT = "123456789012";
export const REGION = "eu-west-1";

interface Ref { __ref: true; res: string; prop: string }
interface Json { __json: unknown }

export function ref(res: string, prop: string): Ref {
    return { __ref: true, res, prop };
}
/** A JSON document built from values that may be outputs (like pulumi.jsonStringify). */
export function json(doc: unknown): Json {
    return { __json: doc };
}

export function urnOf(type: string, name: string): string {
    return `urn:pulumi:test::shop::${type}::${name}`;
}

interface Pending {
    type: string;
    name: string;
    inputs: Record<string, unknown>;
    /** Extra outputs the provider computes (arn, id, ...). */
    computed: Record<string, unknown>;
    custom: boolean;
}

export class StackBuilder {
    private readonly pending: Pending[] = [];

    add(type: string, name: string, inputs: Record<string, unknown>, computed: Record<string, unknown> = {}): this {
        this.pending.push({ type, name, inputs, computed, custom: true });
        return this;
    }

    /** Builds the stack as `pulumi up` (preview=false) or a new stack's preview (preview=true) would see it. */
    build(preview: boolean): RegisteredResource[] {
        const outputs = new Map<string, Record<string, unknown>>();
        const byName = new Map(this.pending.map((p) => [p.name, p] as const));
        // outputs as they are after `up`
        const upOutputs = (name: string): Record<string, unknown> => {
            let o = outputs.get(name);
            if (!o) {
                const p = byName.get(name);
                if (!p) throw new Error(`no resource ${name}`);
                o = { ...(this.resolve(p.inputs, false, upOutputs, new Set()).value as Record<string, unknown>), ...p.computed };
                outputs.set(name, o);
            }
            return o;
        };
        return this.pending.map((p) => {
            const deps = new Set<string>();
            const propertyDependencies: Record<string, string[]> = {};
            const inputs: Record<string, unknown> = {};
            for (const [k, v] of Object.entries(p.inputs)) {
                const used = new Set<string>();
                inputs[k] = this.resolve(v, preview, upOutputs, used).value;
                if (used.size > 0) {
                    propertyDependencies[k] = [...used].map((n) => urnOf(byName.get(n)!.type, n));
                    for (const u of propertyDependencies[k]) deps.add(u);
                }
            }
            const up = upOutputs(p.name);
            const out: Record<string, unknown> = preview
                ? { ...inputs, ...Object.fromEntries(Object.keys(p.computed).map((k) => [k, U])) }
                : up;
            return {
                urn: urnOf(p.type, p.name),
                type: p.type,
                name: p.name,
                custom: p.custom,
                inputs,
                outputs: out,
                dependencies: [...deps],
                propertyDependencies,
                options: { ignoreChanges: [], protect: false, deleteBeforeReplace: false, replaceOnChanges: [] },
            };
        });
    }

    private resolve(v: unknown, preview: boolean, out: (n: string) => Record<string, unknown>, used: Set<string>): { value: unknown; unknown: boolean } {
        if (v && typeof v === "object" && (v as Ref).__ref) {
            const r = v as Ref;
            used.add(r.res);
            const p = this.pending.find((x) => x.name === r.res)!;
            // During a new stack's preview, computed outputs are unknown; inputs echoed as outputs are known.
            const isComputed = r.prop in p.computed;
            if (preview && isComputed) return { value: U, unknown: true };
            return { value: out(r.res)[r.prop], unknown: false };
        }
        if (v && typeof v === "object" && "__json" in (v as Json)) {
            const inner = this.resolve((v as Json).__json, preview, out, used);
            return inner.unknown ? { value: U, unknown: true } : { value: JSON.stringify(inner.value), unknown: false };
        }
        if (Array.isArray(v)) {
            let unknown = false;
            const value = v.map((x) => { const r = this.resolve(x, preview, out, used); unknown ||= r.unknown; return r.value; });
            return { value, unknown };
        }
        if (v && typeof v === "object") {
            let unknown = false;
            const value: Record<string, unknown> = {};
            for (const [k, x] of Object.entries(v)) { const r = this.resolve(x, preview, out, used); unknown ||= r.unknown; value[k] = r.value; }
            return { value, unknown };
        }
        return { value: v, unknown: false };
    }
}

const arn = (service: string, resource: string) => `arn:aws:${service}:${REGION}:${ACCOUNT}:${resource}`;

/**
 * A compliant stack: a rolling ECS service ("web") and a CodeDeploy blue/green service ("api")
 * behind one ALB (prod listener 443, test listener 8080 open only to 10.0.0.0/8), EventBridge rules
 * for both kinds of failure, an encrypted SNS topic with a topic policy for EventBridge.
 * Uses both `aws:lb/...` and `aws:alb/...` tokens.
 */
export function compliantStack(): StackBuilder {
    const b = new StackBuilder();
    b.add("aws:ecs/cluster:Cluster", "cluster", { name: "main" }, { arn: arn("ecs", "cluster/main"), id: arn("ecs", "cluster/main") });
    b.add("aws:kms/key:Key", "alerts-key", { description: "alerts" }, { arn: arn("kms", "key/1111-2222"), id: "1111-2222" });
    b.add("aws:ec2/securityGroup:SecurityGroup", "alb-sg", {
        vpcId: "vpc-1",
        ingress: [
            { protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"] },
            { protocol: "tcp", fromPort: 80, toPort: 80, cidrBlocks: ["0.0.0.0/0"], ipv6CidrBlocks: ["::/0"] },
        ],
    }, { id: "sg-0alb", arn: arn("ec2", "security-group/sg-0alb") });
    b.add("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "alb-test-ingress", {
        securityGroupId: ref("alb-sg", "id"), ipProtocol: "tcp", fromPort: 8080, toPort: 8080, cidrIpv4: "10.0.0.0/8",
    }, { id: "sgr-1" });
    b.add("aws:lb/loadBalancer:LoadBalancer", "alb", {
        loadBalancerType: "application", securityGroups: [ref("alb-sg", "id")], subnets: ["subnet-a", "subnet-b"],
    }, { arn: arn("elasticloadbalancing", "loadbalancer/app/alb/abc"), id: arn("elasticloadbalancing", "loadbalancer/app/alb/abc") });
    b.add("aws:lb/targetGroup:TargetGroup", "web-tg", {
        port: 8080, protocol: "HTTP", targetType: "ip", vpcId: "vpc-1",
        healthCheck: { enabled: true, path: "/health", matcher: "200", interval: 10 },
    }, { arn: arn("elasticloadbalancing", "targetgroup/web/1"), id: arn("elasticloadbalancing", "targetgroup/web/1") });
    b.add("aws:alb/targetGroup:TargetGroup", "api-blue", {
        port: 8080, protocol: "HTTP", targetType: "ip", vpcId: "vpc-1", healthCheck: { path: "/healthz" },
    }, { arn: arn("elasticloadbalancing", "targetgroup/api-blue/2"), id: arn("elasticloadbalancing", "targetgroup/api-blue/2") });
    b.add("aws:alb/targetGroup:TargetGroup", "api-green", {
        port: 8080, protocol: "HTTP", targetType: "ip", vpcId: "vpc-1", healthCheck: { path: "/healthz" },
    }, { arn: arn("elasticloadbalancing", "targetgroup/api-green/3"), id: arn("elasticloadbalancing", "targetgroup/api-green/3") });
    b.add("aws:lb/listener:Listener", "https", {
        loadBalancerArn: ref("alb", "arn"), port: 443, protocol: "HTTPS", certificateArn: "arn:aws:acm:eu-west-1:123456789012:certificate/x",
        defaultActions: [{ type: "forward", targetGroupArn: ref("api-blue", "arn") }],
    }, { arn: arn("elasticloadbalancing", "listener/app/alb/abc/443"), id: arn("elasticloadbalancing", "listener/app/alb/abc/443") });
    b.add("aws:alb/listener:Listener", "test", {
        loadBalancerArn: ref("alb", "arn"), port: 8080, protocol: "HTTP",
        defaultActions: [{ type: "forward", targetGroupArn: ref("api-green", "arn") }],
    }, { arn: arn("elasticloadbalancing", "listener/app/alb/abc/8080"), id: arn("elasticloadbalancing", "listener/app/alb/abc/8080") });
    b.add("aws:lb/listenerRule:ListenerRule", "web-rule", {
        listenerArn: ref("https", "arn"), priority: 10,
        actions: [{ type: "forward", targetGroupArn: ref("web-tg", "arn") }],
        conditions: [{ pathPattern: { values: ["/web/*"] } }],
    }, { arn: arn("elasticloadbalancing", "listener-rule/app/alb/abc/443/10") });
    b.add("aws:ecs/service:Service", "web", {
        name: "web", cluster: ref("cluster", "arn"), desiredCount: 2, launchType: "FARGATE",
        deploymentCircuitBreaker: { enable: true, rollback: true },
        alarms: { alarmNames: ["web-5xx"], enable: true, rollback: true },
        loadBalancers: [{ targetGroupArn: ref("web-tg", "arn"), containerName: "web", containerPort: 8080 }],
        healthCheckGracePeriodSeconds: 60,
    }, { arn: arn("ecs", "service/main/web"), id: arn("ecs", "service/main/web") });
    b.add("aws:ecs/service:Service", "api", {
        // no `name` input: the provider names it, so during a new stack's preview its name is unknown
        cluster: ref("cluster", "arn"), desiredCount: 2, launchType: "FARGATE",
        deploymentController: { type: "CODE_DEPLOY" },
        loadBalancers: [{ targetGroupArn: ref("api-blue", "arn"), containerName: "api", containerPort: 8080 }],
        healthCheckGracePeriodSeconds: 30,
    }, { name: "api", arn: arn("ecs", "service/main/api"), id: arn("ecs", "service/main/api") });
    b.add("aws:codedeploy/application:Application", "api-app", { name: "api-app", computePlatform: "ECS" },
        { arn: arn("codedeploy", "application:api-app"), id: "api-app" });
    b.add("aws:codedeploy/deploymentGroup:DeploymentGroup", "api-dg", {
        appName: ref("api-app", "name"), deploymentGroupName: "api-dg", serviceRoleArn: "arn:aws:iam::123456789012:role/cd",
        deploymentConfigName: "CodeDeployDefault.ECSCanary10Percent5Minutes",
        deploymentStyle: { deploymentOption: "WITH_TRAFFIC_CONTROL", deploymentType: "BLUE_GREEN" },
        ecsService: { clusterName: ref("cluster", "name"), serviceName: ref("api", "name") },
        autoRollbackConfiguration: { enabled: true, events: ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"] },
        alarmConfiguration: { enabled: true, alarms: ["api-5xx"] },
        blueGreenDeploymentConfig: {
            deploymentReadyOption: { actionOnTimeout: "CONTINUE_DEPLOYMENT" },
            terminateBlueInstancesOnDeploymentSuccess: { action: "TERMINATE", terminationWaitTimeInMinutes: 15 },
        },
        loadBalancerInfo: { targetGroupPairInfo: {
            prodTrafficRoute: { listenerArns: [ref("https", "arn")] },
            testTrafficRoute: { listenerArns: [ref("test", "arn")] },
            targetGroups: [{ name: "api-blue" }, { name: "api-green" }],
        } },
    }, { arn: arn("codedeploy", "deploymentgroup:api-app/api-dg"), id: "dg-id-1" });
    b.add("aws:sns/topic:Topic", "alerts", { name: "deploy-alerts", kmsMasterKeyId: ref("alerts-key", "arn") },
        { arn: arn("sns", "deploy-alerts"), id: arn("sns", "deploy-alerts") });
    b.add("aws:cloudwatch/eventRule:EventRule", "ecs-failures", {
        eventPattern: json({
            source: ["aws.ecs"], "detail-type": ["ECS Deployment State Change"],
            detail: { eventName: ["SERVICE_DEPLOYMENT_FAILED"] },
            resources: [ref("web", "arn")],
        }),
    }, { arn: arn("events", "rule/ecs-failures-123"), id: "ecs-failures-123", name: "ecs-failures-123" });
    b.add("aws:cloudwatch/eventRule:EventRule", "cd-failures", {
        name: "cd-failures",
        eventPattern: json({
            source: ["aws.codedeploy"], "detail-type": ["CodeDeploy Deployment State-change Notification"],
            detail: { state: ["FAILURE", "STOP"], deploymentGroup: ["api-dg"] },
        }),
    }, { arn: arn("events", "rule/cd-failures"), id: "cd-failures" });
    b.add("aws:cloudwatch/eventTarget:EventTarget", "ecs-failures-to-sns", { rule: ref("ecs-failures", "name"), arn: ref("alerts", "arn") }, { id: "t1" });
    b.add("aws:cloudwatch/eventTarget:EventTarget", "cd-failures-to-sns", { rule: ref("cd-failures", "name"), arn: ref("alerts", "arn") }, { id: "t2" });
    b.add("aws:sns/topicPolicy:TopicPolicy", "alerts-policy", {
        arn: ref("alerts", "arn"),
        policy: json({
            Version: "2012-10-17",
            Statement: [{
                Sid: "AllowEventBridge", Effect: "Allow", Principal: { Service: "events.amazonaws.com" },
                Action: "sns:Publish", Resource: ref("alerts", "arn"),
                Condition: { ArnEquals: { "aws:SourceArn": [ref("ecs-failures", "arn"), ref("cd-failures", "arn")] } },
            }, {
                Sid: "DenyInsecureTransport", Effect: "Deny", Principal: "*", Action: "sns:Publish", Resource: ref("alerts", "arn"),
                Condition: { Bool: { "aws:SecureTransport": "false" } },
            }],
        }),
    }, { id: arn("sns", "deploy-alerts") });
    return b;
}

/** Returns a copy of the stack with one resource's inputs (and outputs) changed. */
export function mutate(stack: RegisteredResource[], name: string, f: (inputs: Record<string, any>) => void): RegisteredResource[] {
    let found = false;
    const out = stack.map((r) => {
        if (r.name !== name) return r;
        found = true;
        const inputs = structuredClone(r.inputs);
        f(inputs);
        const outputs = { ...structuredClone(r.outputs) };
        for (const k of Object.keys(r.inputs)) if (!(k in inputs)) delete outputs[k];
        Object.assign(outputs, structuredClone(inputs));
        return { ...r, inputs, outputs };
    });
    if (!found) throw new Error(`no resource named ${name}`);
    return out;
}

export function without(stack: RegisteredResource[], ...names: string[]): RegisteredResource[] {
    return stack.filter((r) => !names.includes(r.name));
}

/** A single resource as the engine records it, with no dependencies. */
export function single(type: string, name: string, inputs: Record<string, unknown>, outputs?: Record<string, unknown>): RegisteredResource {
    return {
        urn: urnOf(type, name), type, name, custom: true, inputs, outputs: outputs ?? inputs,
        dependencies: [], propertyDependencies: {},
        options: { ignoreChanges: [], protect: false, deleteBeforeReplace: false, replaceOnChanges: [] },
    };
}
