import { createHash } from "crypto";
import type * as pulumi from "@pulumi/pulumi";
import type { LiveAccount } from "./types";

export interface MockAccount {
    accountId: string;
    region: string;
    partition: string;
}

export const DEFAULT_ACCOUNT: MockAccount = { accountId: "123456789012", region: "eu-west-1", partition: "aws" };

const hex = (seed: string, n: number) => createHash("sha256").update(seed).digest("hex").slice(0, n);

/** The name segment of an ARN after `marker/` (cluster and load-balancer names inside child ARNs). */
function arnPart(arn: unknown, marker: string): string {
    const text = typeof arn === "string" ? arn : "";
    const i = text.indexOf(marker);
    return i < 0 ? "unknown" : text.slice(i + marker.length).split("/")[0];
}

/**
 * A mock AWS provider: every resource gets a realistic id, ARN and the computed outputs the
 * program reads (DNS names, ARN suffixes, subnet ids), every invoke the program makes is answered.
 * Deterministic: the same program gives the same ids, so plans can be compared.
 */
export class AwsMocks implements pulumi.runtime.Mocks {
    constructor(
        private readonly account: MockAccount = DEFAULT_ACCOUNT,
        /** What exists in AWS already (runs against an earlier state); nothing when absent. */
        private readonly live?: LiveAccount,
    ) {}

    /** `generation` > 0 for a replacement: AWS gives the new resource new ids and ARNs. */
    newResource(args: pulumi.runtime.MockResourceArgs, generation = 0): { id: string | undefined; state: Record<string, any> } {
        const { accountId: acct, partition } = this.account;
        const region = (args.inputs.region as string | undefined) ?? this.account.region;
        const seed = `${args.type}::${args.name}::${args.inputs.name ?? ""}${generation > 0 ? `#${generation}` : ""}`;
        const name: string = args.inputs.name ?? `${args.name}-${hex(seed, 7)}`;
        const arn = (service: string, resource: string, r = region) => `arn:${partition}:${service}:${r}:${acct}:${resource}`;
        const state: Record<string, any> = { ...args.inputs };
        const done = (id: string, extra: Record<string, any> = {}) => ({ id, state: { ...state, ...extra } });

        switch (args.type) {
            case "pulumi:providers:aws":
                return done(`${hex(seed, 8)}-provider`);
            case "awsx:ec2:Vpc": {
                const azs = Number(args.inputs.numberOfAvailabilityZones ?? 3);
                const subnets = (kind: string) => Array.from({ length: azs }, (_, i) => `subnet-${hex(`${seed}/${kind}/${i}`, 17)}`);
                return done(`${args.name}`, {
                    vpcId: `vpc-${hex(seed, 17)}`,
                    publicSubnetIds: subnets("public"),
                    privateSubnetIds: subnets("private"),
                    isolatedSubnetIds: [],
                });
            }
            case "aws:ecs/cluster:Cluster":
                return done(arn("ecs", `cluster/${name}`), { name, arn: arn("ecs", `cluster/${name}`) });
            case "aws:ecs/service:Service": {
                const a = arn("ecs", `service/${arnPart(args.inputs.cluster, "cluster/")}/${name}`);
                return done(a, { name, arn: a });
            }
            case "aws:ecs/taskDefinition:TaskDefinition": {
                const revision = 1 + generation;
                const a = arn("ecs", `task-definition/${args.inputs.family}:${revision}`);
                return done(args.inputs.family, { arn: a, revision, arnWithoutRevision: arn("ecs", `task-definition/${args.inputs.family}`) });
            }
            case "aws:lb/loadBalancer:LoadBalancer":
            case "aws:alb/loadBalancer:LoadBalancer": {
                const suffix = `app/${name}/${hex(seed, 16)}`;
                const a = arn("elasticloadbalancing", `loadbalancer/${suffix}`);
                const dns = `${args.inputs.internal ? "internal-" : ""}${name}-${parseInt(hex(seed, 8), 16)}.${region}.elb.amazonaws.com`;
                return done(a, { name, arn: a, arnSuffix: suffix, dnsName: dns, zoneId: "Z32O12XQLNTSW2" });
            }
            case "aws:lb/targetGroup:TargetGroup":
            case "aws:alb/targetGroup:TargetGroup": {
                const suffix = `targetgroup/${name}/${hex(seed, 16)}`;
                const a = arn("elasticloadbalancing", suffix);
                return done(a, { name, arn: a, arnSuffix: suffix });
            }
            case "aws:lb/listener:Listener":
            case "aws:alb/listener:Listener": {
                const lb = String(args.inputs.loadBalancerArn ?? "").split(":loadbalancer/")[1] ?? "app/unknown/0";
                const a = arn("elasticloadbalancing", `listener/${lb}/${hex(seed, 16)}`);
                return done(a, { arn: a });
            }
            case "aws:lb/listenerRule:ListenerRule":
            case "aws:alb/listenerRule:ListenerRule": {
                const listener = String(args.inputs.listenerArn ?? "").split(":listener/")[1] ?? "app/unknown/0/0";
                const a = arn("elasticloadbalancing", `listener-rule/${listener}/${hex(seed, 16)}`);
                return done(a, { arn: a });
            }
            case "aws:ec2/securityGroup:SecurityGroup": {
                const id = `sg-${hex(seed, 17)}`;
                return done(id, { arn: arn("ec2", `security-group/${id}`), name });
            }
            case "aws:ec2/eip:Eip": {
                const n = parseInt(hex(seed, 6), 16);
                return done(`eipalloc-${hex(seed, 17)}`, {
                    allocationId: `eipalloc-${hex(seed, 17)}`,
                    publicIp: `203.0.${(n >> 8) % 256}.${n % 256}`,
                    arn: arn("ec2", `elastic-ip/eipalloc-${hex(seed, 17)}`),
                });
            }
            case "aws:iam/role:Role":
                return done(name, { name, arn: `arn:${partition}:iam::${acct}:role/${name}`, uniqueId: `AROA${hex(seed, 16).toUpperCase()}` });
            case "aws:iam/rolePolicyAttachment:RolePolicyAttachment":
                return done(`${args.inputs.role}-${hex(seed, 8)}`);
            case "aws:cloudwatch/logGroup:LogGroup":
                return done(name, { name, arn: arn("logs", `log-group:${name}`) });
            case "aws:cloudwatch/metricAlarm:MetricAlarm":
                return done(name, { name, arn: arn("cloudwatch", `alarm:${name}`) });
            case "aws:cloudwatch/eventRule:EventRule":
                return done(name, { name, arn: arn("events", `rule/${name}`) });
            case "aws:cloudwatch/eventTarget:EventTarget":
                return done(`${args.inputs.rule}-${hex(seed, 8)}`, { targetId: hex(seed, 12) });
            case "aws:sns/topic:Topic": {
                const a = arn("sns", name);
                return done(a, { name, arn: a });
            }
            case "aws:sns/topicSubscription:TopicSubscription":
                return done(`${args.inputs.topic}:${hex(seed, 8)}`, { arn: `${args.inputs.topic}:${hex(seed, 8)}` });
            case "aws:sqs/queue:Queue": {
                const url = `https://sqs.${region}.amazonaws.com/${acct}/${name}`;
                return done(url, { name, arn: arn("sqs", name), url });
            }
            case "aws:kms/key:Key": {
                const keyId = `${hex(seed, 8)}-${hex(seed + 1, 4)}-${hex(seed + 2, 4)}-${hex(seed + 3, 4)}-${hex(seed + 4, 12)}`;
                return done(keyId, { keyId, arn: arn("kms", `key/${keyId}`) });
            }
            case "aws:kms/alias:Alias":
                return done(args.inputs.name, { arn: arn("kms", String(args.inputs.name)) });
            case "aws:codedeploy/application:Application":
                return done(`${hex(seed, 8)}:${name}`, { name, arn: arn("codedeploy", `application:${name}`), applicationId: hex(seed, 8) });
            case "aws:codedeploy/deploymentGroup:DeploymentGroup": {
                const group = args.inputs.deploymentGroupName;
                return done(hex(seed, 8), { arn: arn("codedeploy", `deploymentgroup:${args.inputs.appName}/${group}`), deploymentGroupId: hex(seed, 8) });
            }
            case "aws:codedeploy/deploymentConfig:DeploymentConfig":
                return done(args.inputs.deploymentConfigName, { deploymentConfigId: hex(seed, 8), arn: arn("codedeploy", `deploymentconfig:${args.inputs.deploymentConfigName}`) });
            default:
                // An `arn` input (e.g. a topic policy's topic) is the resource's own state, not a new ARN.
                return done(
                    `${args.name}-${hex(seed, 8)}`,
                    args.type.startsWith("aws:") && args.inputs.arn === undefined ? { arn: arn(args.type.split(":")[1].split("/")[0], `${args.name}`) } : {},
                );
        }
    }

    call(args: pulumi.runtime.MockCallArgs): Record<string, any> {
        const { accountId, region, partition } = this.account;
        switch (args.token) {
            case "aws:index/getCallerIdentity:getCallerIdentity":
                return { accountId, arn: `arn:${partition}:iam::${accountId}:user/offline`, userId: "AIDAOFFLINEUSER", id: accountId };
            case "aws:index/getPartition:getPartition":
                return { partition, dnsSuffix: "amazonaws.com", reverseDnsPrefix: "com.amazonaws", id: partition };
            case "aws:index/getRegion:getRegion":
                return { name: region, region, id: region, endpoint: `ec2.${region}.amazonaws.com`, description: region };
            case "aws:index/getAvailabilityZones:getAvailabilityZones":
                return { names: ["a", "b", "c"].map((z) => `${region}${z}`), zoneIds: ["1", "2", "3"].map((z) => `euw1-az${z}`), id: region };
            case "aws:ecs/getService:getService":
                return this.ecsService(String(args.inputs.clusterArn), String(args.inputs.serviceName));
            case "aws:ec2/getVpc:getVpc":
                return { id: args.inputs.id, cidrBlock: "10.0.0.0/16", arn: `arn:${partition}:ec2:${region}:${accountId}:vpc/${args.inputs.id}` };
            default:
                // An invoke the mocks do not know would silently return nothing: fail loudly instead.
                throw new Error(`offline mocks: no answer for invoke ${args.token}`);
        }
    }

    /** aws.ecs.getService as the provider answers it: the service's live state, or the provider's not-found error. */
    private ecsService(cluster: string, name: string): Record<string, any> {
        const clusterName = cluster.includes(":cluster/") ? cluster.split(":cluster/")[1] : cluster;
        const svc = this.live?.ecsService(clusterName, name);
        if (!svc) {
            // The SDK reports a failed invoke by the gRPC error's `details`, as the engine sends it.
            const message = `invoking aws:ecs/getService:getService: reading ECS Service (${name}): couldn't find resource`;
            throw Object.assign(new Error(message), { details: message });
        }
        const { accountId, region, partition } = this.account;
        return {
            id: `arn:${partition}:ecs:${region}:${accountId}:service/${clusterName}/${name}`,
            arn: `arn:${partition}:ecs:${region}:${accountId}:service/${clusterName}/${name}`,
            serviceName: name,
            clusterArn: `arn:${partition}:ecs:${region}:${accountId}:cluster/${clusterName}`,
            status: "ACTIVE",
            deploymentControllers: [{ type: svc.deploymentController }],
            taskDefinition: svc.taskDefinition ?? "",
            loadBalancers: svc.loadBalancers.map((lb) => ({
                targetGroupArn: lb.targetGroupArn,
                containerName: lb.containerName ?? "",
                containerPort: lb.containerPort ?? 0,
                elbName: "",
                advancedConfigurations: lb.advancedConfiguration ? [lb.advancedConfiguration] : [],
            })),
            taskSets: (svc.taskSets ?? []).map((t) => ({ status: t.status, taskDefinition: t.taskDefinition ?? "" })),
            deployments: (svc.deployments ?? []).map((d) => ({ status: d.status, taskDefinition: d.taskDefinition ?? "" })),
        };
    }
}
