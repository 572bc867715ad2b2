import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { StackConfig } from "../config";
import type { DeploymentMode, ServiceConfig } from "../config/schema";
import { appSpecTemplate } from "../deploy/appspec";
import { DeploymentAlarms } from "./alarms";
import { EcsCluster } from "./cluster";
import { CodeDeployBlueGreen } from "./codedeploy";
import { BlueGreenLoadBalancer, type LoadBalancedService } from "./loadBalancer";
import { clusterName } from "./naming";
import { Network } from "./network";
import { DeploymentNotifications } from "./notifications";
import { EcsService } from "./service";

export interface ServiceOutputs {
    mode: DeploymentMode;
    clusterName: pulumi.Output<string>;
    serviceName: pulumi.Output<string>;
    serviceArn: pulumi.Output<string>;
    containerName: string;
    containerPort: number;
    url: pulumi.Output<string>;
    testUrl: pulumi.Output<string>;
    targetGroups: { blue: pulumi.Output<string>; green: pulumi.Output<string> };
    alarmNames: string[];
    codeDeploy?: { applicationName: pulumi.Output<string>; deploymentGroupName: pulumi.Output<string> };
    /** AppSpec with a `<TASK_DEFINITION>` placeholder, for the deploy command and pipelines. */
    appSpecTemplate?: string;
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

/** Builds every component of one stack from its validated configuration. */
export function createStack(cfg: StackConfig): StackOutputs {
    const { project, stack } = cfg;
    // Default tags put project and stack on everything taggable; components add `service`.
    const provider = new aws.Provider("aws", {
        region: cfg.region as aws.Region,
        defaultTags: { tags: { project, stack, "managed-by": "pulumi" } },
    });
    const opts: pulumi.ComponentResourceOptions = { providers: { aws: provider } };
    const invokeOpts = { provider };
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

    const indexed: LoadBalancedService[] = cfg.services.map((config, index) => ({ config, index }));
    const loadBalancer = (group: string, services: LoadBalancedService[], routing: "rules" | "default-action") =>
        new BlueGreenLoadBalancer(
            group === "shared" ? "alb" : `${group}-alb`,
            {
                stack,
                group,
                vpcId: network.vpcId,
                vpcCidr: network.vpcCidr,
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
    for (const svc of cfg.services) {
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
            {
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
                albSecurityGroupId: alb.securityGroup.id,
                targets,
                alarmNames: alarms.alarmNames,
                secretEnvironment: cfg.secretKeys.includes("services"),
            },
            // The target group must be behind a listener, the capacity strategy and alarms in place.
            { ...opts, dependsOn: [cluster.capacityProviders, alb.productionListener, alb.testListener, ...[targets.productionRule, targets.testRule].filter((r) => r !== undefined), alarms] },
        );

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
            mode: svc.deployment.mode,
            clusterName: cluster.name,
            serviceName: service.serviceName,
            serviceArn: service.serviceArn,
            containerName: service.containerName,
            containerPort: service.containerPort,
            url: alb.url,
            testUrl: alb.testUrl,
            targetGroups: { blue: targets.blue.arn, green: targets.green.arn },
            alarmNames: alarms.alarmNames,
            ...(codeDeploy
                ? {
                      codeDeploy: { applicationName: codeDeploy.applicationName, deploymentGroupName: codeDeploy.deploymentGroupName },
                      appSpecTemplate: appSpecTemplate(service.containerName, service.containerPort),
                  }
                : {}),
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
            services: deployed.map((d) => ({
                name: d.config.name,
                serviceArn: d.service.serviceArn,
                controller: d.config.deployment.mode === "codedeploy" ? "CODE_DEPLOY" : "ECS",
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
