import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { StackConfig } from "../config";
import type { DeploymentMode, ServiceConfig } from "../config/schema";
import { appSpecTemplate } from "../deploy/appspec";
import { DeploymentAlarms } from "./alarms";
import { EcsCluster } from "./cluster";
import { CodeDeployBlueGreen, deploymentConfigName, trafficShiftMinutes } from "./codedeploy";
import { primaryColour, readLiveService, type LiveService } from "./liveState";
import { BlueGreenLoadBalancer, targetGroupNames, type LoadBalancedService } from "./loadBalancer";
import { clusterName, ecsServiceName } from "./naming";
import { Network } from "./network";
import { DeploymentNotifications } from "./notifications";
import { ServiceAutoScaling } from "./autoScaling";
import { QueueAlarms } from "./queueAlarms";
import { EcsService } from "./service";
import { WorkerQueue } from "./workerQueue";

export interface ServiceOutputs {
    kind: "web" | "worker";
    mode: DeploymentMode;
    clusterName: pulumi.Output<string>;
    serviceName: pulumi.Output<string>;
    serviceArn: pulumi.Output<string>;
    containerName: string;
    /** Web services: the load balancer side. */
    containerPort?: number;
    url?: pulumi.Output<string>;
    testUrl?: pulumi.Output<string>;
    targetGroups?: { blue: pulumi.Output<string>; green: pulumi.Output<string> };
    /** Which colour served production when this stack was last updated. */
    primaryColour?: "blue" | "green";
    /** Workers: the queue they consume and its dead-letter queue. */
    queue?: { arn: pulumi.Output<string>; deadLetterArn: pulumi.Output<string> };
    scaling?: { min: number; max: number };
    /** The task-definition revision the stack declares (a CodeDeploy release starts from it). */
    taskDefinitionArn: pulumi.Output<string>;
    /** The image the stack declares (what a pipeline releases to a CodeDeploy service). */
    image: string;
    alarmNames: string[];
    codeDeploy?: {
        applicationName: pulumi.Output<string>;
        deploymentGroupName: pulumi.Output<string>;
        deploymentConfigName: string;
        /** Minutes from the first to the last traffic shift. */
        trafficShiftMinutes: number;
        /** Minutes the old tasks are kept after success: the deployment stays in progress meanwhile. */
        terminationWaitMinutes: number;
    };
    /**
     * AppSpec with a `<TASK_DEFINITION>` placeholder, for the deploy command and pipelines. It
     * carries what UpdateService refuses on a CODE_DEPLOY service (network configuration,
     * platform version, capacity strategy): they reach the service with the next release.
     */
    appSpecTemplate?: pulumi.Output<string>;
}

export interface StackOutputs {
    region: string;
    clusterName: pulumi.Output<string>;
    /** The shared load balancer (absent when every service owns a CodeDeploy load balancer). */
    albDnsName?: pulumi.Output<string>;
    url?: pulumi.Output<string>;
    testUrl?: pulumi.Output<string>;
    topicArn: pulumi.Output<string>;
    services: Record<string, ServiceOutputs>;
}

/**
 * Builds every component of one stack from its validated configuration. First reads what the
 * deployment controllers changed since the last `pulumi up` (which colour serves production),
 * and refuses to touch a stack while a release is running, before any AWS resource is registered.
 */
export async function createStack(cfg: StackConfig): Promise<StackOutputs> {
    const { project, stack } = cfg;
    // Default tags put project and stack on everything taggable; components add `service`.
    const provider = new aws.Provider("aws", {
        region: cfg.region as aws.Region,
        defaultTags: { tags: { project, stack, "managed-by": "pulumi" } },
    });
    const opts: pulumi.ComponentResourceOptions = { providers: { aws: provider } };
    const invokeOpts = { provider };
    const live = await readLiveServices(cfg, provider);
    const accountId = aws.getCallerIdentityOutput({}, invokeOpts).accountId;
    const partition = aws.getPartitionOutput({}, invokeOpts).partition;

    const network = new Network(
        "network",
        {
            existing: cfg.vpcId ? { vpcId: cfg.vpcId, publicSubnetIds: cfg.publicSubnetIds!, privateSubnetIds: cfg.privateSubnetIds! } : undefined,
            cidrBlock: cfg.vpcCidr,
            availabilityZones: cfg.availabilityZones,
            natGateways: cfg.natGateways,
        },
        opts,
    );
    const cluster = new EcsCluster(
        "cluster",
        {
            name: clusterName(project, stack),
            containerInsights: cfg.containerInsights,
            fargate: { weight: cfg.fargateWeight, base: cfg.fargateBase },
            fargateSpot: { weight: cfg.fargateSpotWeight },
        },
        opts,
    );

    // Web services only: workers have no load balancer.
    const indexed: LoadBalancedService[] = cfg.services.flatMap((config, index) =>
        config.kind === "web" ? [{ config, index, primary: primaryColour(live.get(config.name), targetGroupNames(stack, config)) }] : [],
    );
    const loadBalancer = (group: string, services: LoadBalancedService[], routing: "rules" | "default-action") =>
        new BlueGreenLoadBalancer(
            group === "shared" ? "alb" : `${group}-alb`,
            {
                stack,
                group,
                vpcId: network.vpcId,
                vpcCidr: network.vpcCidr,
                natPublicIps: network.natPublicIps,
                subnetIds: cfg.internal ? network.taskSubnetIds : network.publicSubnetIds,
                internal: cfg.internal,
                certificateArn: cfg.certificateArn,
                sslPolicy: cfg.sslPolicy,
                allowedCidrs: cfg.allowedCidrs,
                testListenerPort: cfg.testListenerPort,
                testListenerCidrs: cfg.testListenerCidrs,
                deletionProtection: cfg.deletionProtection,
                idleTimeoutSeconds: cfg.idleTimeoutSeconds,
                services,
                routing,
            },
            opts,
        );
    // A CODE_DEPLOY service owns its listeners (CodeDeploy re-points their default action), so it
    // gets a load balancer of its own; the others share one through listener rules.
    const shared = indexed.filter((s) => s.config.deployment.mode !== "codedeploy");
    const sharedAlb = shared.length > 0 ? loadBalancer("shared", shared, "rules") : undefined;
    const albOf = new Map<string, BlueGreenLoadBalancer>();
    for (const s of indexed) {
        albOf.set(s.config.name, s.config.deployment.mode === "codedeploy" ? loadBalancer(s.config.name, [s], "default-action") : sharedAlb!);
    }

    const services: Record<string, ServiceOutputs> = {};
    const deployed: { config: ServiceConfig; service: EcsService; codeDeploy?: CodeDeployBlueGreen }[] = [];
    const allAlarmNames: string[] = [];
    const serviceArgs = (svc: ServiceConfig) => ({
        project,
        stack,
        region: cfg.region,
        partition,
        accountId,
        config: svc,
        clusterArn: cluster.arn,
        vpcId: network.vpcId,
        subnetIds: network.taskSubnetIds,
        assignPublicIp: network.assignPublicIp,
        capacityProviderStrategies: cluster.strategies,
        secretEnvironment: cfg.secretKeys.includes("services"),
    });
    const common = (svc: ServiceConfig, service: EcsService, alarmNames: string[]) => ({
        kind: svc.kind,
        clusterName: cluster.name,
        serviceName: service.serviceName,
        serviceArn: service.serviceArn,
        containerName: service.containerName,
        taskDefinitionArn: service.taskDefinitionArn,
        image: svc.image,
        alarmNames,
        ...(svc.scaling ? { scaling: { min: svc.scaling.min, max: svc.scaling.max } } : {}),
    });

    for (const { config: svc, primary } of indexed) {
        const alb = albOf.get(svc.name)!;
        const targets = alb.targets[svc.name];
        const alarms = new DeploymentAlarms(
            `${svc.name}-alarms`,
            {
                project,
                stack,
                service: svc.name,
                thresholds: svc.alarms,
                loadBalancerArnSuffix: alb.arnSuffix,
                targetGroupArnSuffixes: { blue: targets.blue.arnSuffix, green: targets.green.arnSuffix },
            },
            opts,
        );
        allAlarmNames.push(...alarms.alarmNames);

        const service = new EcsService(
            svc.name,
            { ...serviceArgs(svc), web: { albSecurityGroupId: alb.securityGroup.id, targets, primary }, alarmNames: alarms.alarmNames },
            // The target group must be behind a listener, the capacity strategy and alarms in place.
            { ...opts, dependsOn: [cluster.capacityProviders, alb.productionListener, alb.testListener, ...[targets.productionRule, targets.testRule].filter((r) => r !== undefined), alarms] },
        );
        if (svc.scaling) {
            new ServiceAutoScaling(
                `${svc.name}-scaling`,
                {
                    clusterName: cluster.name,
                    serviceName: service.serviceName,
                    scaling: svc.scaling,
                    requests: { loadBalancerArnSuffix: alb.arnSuffix, blueArnSuffix: targets.blue.arnSuffix, greenArnSuffix: targets.green.arnSuffix },
                },
                { ...opts, dependsOn: [service] },
            );
        }

        let codeDeploy: CodeDeployBlueGreen | undefined;
        if (svc.deployment.mode === "codedeploy") {
            codeDeploy = new CodeDeployBlueGreen(
                `${svc.name}-codedeploy`,
                {
                    project,
                    stack,
                    service: svc.name,
                    settings: svc.deployment,
                    partition,
                    accountId,
                    clusterName: cluster.name,
                    ecsServiceName: service.serviceName,
                    blueTargetGroupName: targets.blue.name,
                    greenTargetGroupName: targets.green.name,
                    productionListenerArn: alb.productionListener.arn,
                    testListenerArn: alb.testListener.arn,
                    alarmNames: alarms.alarmNames,
                },
                opts,
            );
        }
        deployed.push({ config: svc, service, codeDeploy });

        services[svc.name] = {
            ...common(svc, service, alarms.alarmNames),
            mode: svc.deployment.mode,
            containerPort: svc.containerPort,
            url: alb.url,
            testUrl: alb.testUrl,
            targetGroups: { blue: targets.blue.arn, green: targets.green.arn },
            primaryColour: primary,
            ...(codeDeploy && svc.deployment.mode === "codedeploy"
                ? {
                      codeDeploy: {
                          applicationName: codeDeploy.applicationName,
                          deploymentGroupName: codeDeploy.deploymentGroupName,
                          deploymentConfigName: deploymentConfigName(project, stack, svc.name, svc.deployment.config),
                          trafficShiftMinutes: trafficShiftMinutes(svc.deployment.config),
                          terminationWaitMinutes: svc.deployment.terminationWaitMinutes,
                      },
                      appSpecTemplate: pulumi
                          .all([network.taskSubnetIds, service.securityGroup.id])
                          .apply(([subnets, securityGroup]) =>
                              appSpecTemplate(service.containerName, svc.containerPort, {
                                  networkConfiguration: { subnets, securityGroups: [securityGroup], assignPublicIp: network.assignPublicIp },
                                  platformVersion: "LATEST",
                                  capacityProviderStrategy: cluster.strategies,
                              }),
                          ),
                  }
                : {}),
        };
    }

    for (const svc of cfg.services) {
        if (svc.kind !== "worker") continue;
        const queue = new WorkerQueue(`${svc.name}-queue`, { project, stack, service: svc.name, queue: svc.queue }, opts);
        const alarms = new QueueAlarms(
            `${svc.name}-alarms`,
            { project, stack, service: svc.name, thresholds: svc.queueAlarms, queueName: queue.queueName, deadLetterName: queue.deadLetterName },
            opts,
        );
        allAlarmNames.push(...alarms.alarmNames);
        const service = new EcsService(
            svc.name,
            { ...serviceArgs(svc), queueArn: queue.queueArn, alarmNames: alarms.alarmNames },
            { ...opts, dependsOn: [cluster.capacityProviders, alarms] },
        );
        if (svc.scaling) {
            new ServiceAutoScaling(
                `${svc.name}-scaling`,
                { clusterName: cluster.name, serviceName: service.serviceName, scaling: svc.scaling, queueName: queue.queueName },
                { ...opts, dependsOn: [service] },
            );
        }
        deployed.push({ config: svc, service });
        services[svc.name] = {
            ...common(svc, service, alarms.alarmNames),
            mode: "rolling",
            queue: { arn: queue.queueArn, deadLetterArn: queue.deadLetterArn },
        };
    }

    const notifications = new DeploymentNotifications(
        "notifications",
        {
            project,
            stack,
            accountId,
            partition,
            clusterName: clusterName(project, stack),
            region: cfg.region,
            services: deployed.map((d) => ({
                name: d.config.name,
                ecsServiceName: d.service.serviceName,
                controller: d.codeDeploy ? "CODE_DEPLOY" : "ECS",
            })),
            alarmNames: allAlarmNames,
            codeDeployGroups: deployed
                .filter((d) => d.codeDeploy)
                .map((d) => ({ application: d.codeDeploy!.applicationName, deploymentGroup: d.codeDeploy!.deploymentGroupName })),
            emails: cfg.alertEmails,
            kmsEncryption: cfg.kmsEncryption,
        },
        opts,
    );

    return {
        region: cfg.region,
        clusterName: cluster.name,
        ...(sharedAlb ? { albDnsName: sharedAlb.dnsName, url: sharedAlb.url, testUrl: sharedAlb.testUrl } : {}),
        topicArn: notifications.topicArn,
        services,
    };
}

/**
 * The live state of every configured service, read in parallel. During `pulumi up` a release
 * in progress stops the program before anything changes: CodeDeploy and ECS own the listeners,
 * rules and task sets until it ends. A preview only warns.
 */
async function readLiveServices(cfg: StackConfig, provider: aws.Provider): Promise<Map<string, LiveService | undefined>> {
    const cluster = clusterName(cfg.project, cfg.stack);
    const entries = await Promise.all(
        cfg.services.map(async (svc) => [svc.name, await readLiveService(cluster, ecsServiceName(cfg.stack, svc.name), { provider })] as const),
    );
    const busy = entries.filter(([, l]) => l?.inProgress).map(([name, l]) => `${name}: ${l!.inProgress}`);
    if (busy.length > 0) {
        const message =
            `A release is in progress, so this stack must not be changed now (the deployment controller owns its listeners and task sets until it ends):\n` +
            busy.map((b) => `  - ${b}`).join("\n") +
            "\nWait for it to finish (npm run verify, or npm run deploy -- ... --wait-for-active), or stop it, then run pulumi up again.";
        if (!pulumi.runtime.isDryRun()) throw new ReleaseInProgressError(message);
        pulumi.log.warn(message);
    }
    return new Map(entries);
}

export class ReleaseInProgressError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "ReleaseInProgressError";
    }
}
