import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { ServiceConfig } from "../config/schema";
import { codeDeployName, roleName } from "./naming";
import { assumeRolePolicy, MANAGED_POLICIES, managedPolicyArn } from "./policyDocuments";

type CodeDeploySettings = Extract<ServiceConfig["deployment"], { mode: "codedeploy" }>;

export interface CodeDeployBlueGreenArgs {
    project: string;
    stack: string;
    service: string;
    settings: CodeDeploySettings;
    partition: pulumi.Input<string>;
    accountId: pulumi.Input<string>;
    clusterName: pulumi.Input<string>;
    ecsServiceName: pulumi.Input<string>;
    blueTargetGroupName: pulumi.Input<string>;
    greenTargetGroupName: pulumi.Input<string>;
    productionListenerArn: pulumi.Input<string>;
    testListenerArn: pulumi.Input<string>;
    /** RED alarms for both target groups: any of them stops the deployment and rolls back. */
    alarmNames: string[];
}

/** The deployment config name CodeDeploy should use: a predefined one, or the one this component creates. */
export function deploymentConfigName(project: string, stack: string, service: string, config: CodeDeploySettings["config"]): string {
    if (typeof config === "string") return config;
    return codeDeployName(project, stack, `${service}-${config.type}-${config.percent}pct-${config.intervalMinutes}min`);
}

/** Minutes from the first to the last traffic shift of a deployment config (0 for all at once). */
export function trafficShiftMinutes(config: CodeDeploySettings["config"]): number {
    if (typeof config === "string") {
        const linear = /Linear(\d+)PercentEvery(\d+)Minutes?$/.exec(config);
        if (linear) return (Math.ceil(100 / Number(linear[1])) - 1) * Number(linear[2]);
        const canary = /Canary\d+Percent(\d+)Minutes?$/.exec(config);
        return canary ? Number(canary[1]) : 0;
    }
    return config.type === "canary" ? config.intervalMinutes : (Math.ceil(100 / config.percent) - 1) * config.intervalMinutes;
}

/**
 * CodeDeploy blue/green for one CODE_DEPLOY service: application, deployment group with
 * traffic control over both target groups, alarm-triggered and failure-triggered rollback, and
 * a termination wait that keeps the old tasks for a manual rollback.
 */
export class CodeDeployBlueGreen extends pulumi.ComponentResource {
    public readonly application: aws.codedeploy.Application;
    public readonly deploymentGroup: aws.codedeploy.DeploymentGroup;
    public readonly role: aws.iam.Role;
    public readonly applicationName: pulumi.Output<string>;
    public readonly deploymentGroupName: pulumi.Output<string>;

    constructor(name: string, args: CodeDeployBlueGreenArgs, opts?: pulumi.ComponentResourceOptions) {
        super("safe-ecs:index:CodeDeployBlueGreen", name, {}, opts);
        const tags = { service: args.service };
        const groupName = codeDeployName(args.project, args.stack, args.service);

        this.role = new aws.iam.Role(
            name,
            {
                name: roleName(args.project, args.stack, `${args.service}-codedeploy`),
                assumeRolePolicy: pulumi.output(args.accountId).apply((acct) => JSON.stringify(assumeRolePolicy("codedeploy.amazonaws.com", acct))),
                tags,
            },
            { parent: this },
        );
        // The AWS managed policy for ECS blue/green, and nothing more.
        const attachment = new aws.iam.RolePolicyAttachment(
            name,
            { role: this.role.name, policyArn: pulumi.output(args.partition).apply((p) => managedPolicyArn(p, MANAGED_POLICIES.codeDeployForEcs)) },
            { parent: this },
        );

        this.application = new aws.codedeploy.Application(name, { name: groupName, computePlatform: "ECS", tags }, { parent: this });

        const config = args.settings.config;
        const configName = deploymentConfigName(args.project, args.stack, args.service, config);
        const customConfig =
            typeof config === "string"
                ? undefined
                : new aws.codedeploy.DeploymentConfig(
                      name,
                      {
                          deploymentConfigName: configName,
                          computePlatform: "ECS",
                          trafficRoutingConfig:
                              config.type === "linear"
                                  ? { type: "TimeBasedLinear", timeBasedLinear: { percentage: config.percent, interval: config.intervalMinutes } }
                                  : { type: "TimeBasedCanary", timeBasedCanary: { percentage: config.percent, interval: config.intervalMinutes } },
                      },
                      { parent: this },
                  );

        this.deploymentGroup = new aws.codedeploy.DeploymentGroup(
            name,
            {
                appName: this.application.name,
                deploymentGroupName: groupName,
                serviceRoleArn: this.role.arn,
                deploymentConfigName: customConfig ? customConfig.deploymentConfigName : configName,
                deploymentStyle: { deploymentOption: "WITH_TRAFFIC_CONTROL", deploymentType: "BLUE_GREEN" },
                blueGreenDeploymentConfig: {
                    deploymentReadyOption: { actionOnTimeout: "CONTINUE_DEPLOYMENT" },
                    terminateBlueInstancesOnDeploymentSuccess: {
                        action: "TERMINATE",
                        terminationWaitTimeInMinutes: args.settings.terminationWaitMinutes,
                    },
                },
                ecsService: { clusterName: args.clusterName, serviceName: args.ecsServiceName },
                loadBalancerInfo: {
                    targetGroupPairInfo: {
                        prodTrafficRoute: { listenerArns: [args.productionListenerArn] },
                        testTrafficRoute: { listenerArns: [args.testListenerArn] },
                        targetGroups: [{ name: args.blueTargetGroupName }, { name: args.greenTargetGroupName }],
                    },
                },
                alarmConfiguration: { enabled: true, alarms: args.alarmNames },
                autoRollbackConfiguration: { enabled: true, events: ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"] },
                tags,
            },
            { parent: this, dependsOn: [attachment] },
        );

        this.applicationName = this.application.name;
        this.deploymentGroupName = this.deploymentGroup.deploymentGroupName;
        this.registerOutputs({ applicationName: this.applicationName, deploymentGroupName: this.deploymentGroupName });
    }
}
