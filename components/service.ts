import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { ServiceConfig, WebServiceConfig } from "../config/schema";
import type { CapacityProviderStrategy } from "./cluster";
import { ignoredProperties } from "./ignoreChanges";
import { otherColour } from "./liveState";
import type { ServiceTargets } from "./loadBalancer";
import { ecsServiceName, logGroupName, roleName, type Colour } from "./naming";
import { assumeRolePolicy, MANAGED_POLICIES, managedPolicyArn, queueConsumerPolicy, secretsReadPolicy } from "./policyDocuments";

/** What a web service is wired to: its load balancer's target groups and the colour serving production. */
export interface WebWiring {
    albSecurityGroupId: pulumi.Input<string>;
    targets: ServiceTargets;
    /** The colour serving production now: the service's primary target group. */
    primary: Colour;
}

export interface EcsServiceArgs {
    project: string;
    stack: string;
    region: string;
    partition: pulumi.Input<string>;
    accountId: pulumi.Input<string>;
    config: ServiceConfig;
    clusterArn: pulumi.Input<string>;
    vpcId: pulumi.Input<string>;
    subnetIds: pulumi.Input<string[]>;
    assignPublicIp: boolean;
    /** Web services: the load balancer. */
    web?: WebWiring;
    /** Workers: the queue the task role may consume. */
    queueArn?: pulumi.Input<string>;
    /** The cluster's capacity-provider strategy, declared on the service too. */
    capacityProviderStrategies: CapacityProviderStrategy[];
    /** The service's RED (web) or USE (worker) alarms: ECS rolls back when one fires during a deployment. */
    alarmNames: string[];
    /** The environment came from a config key holding secrets: keep the task definition secret. */
    secretEnvironment: boolean;
}

/**
 * A Fargate service that can always go back: rolling with the circuit breaker and alarm
 * rollback, ECS native blue/green (same safety nets, plus a bake time), or CODE_DEPLOY, where
 * the deployment group (see CodeDeployBlueGreen) owns rollout and rollback. A worker has no
 * load balancer: its container health check is what the circuit breaker watches.
 */
export class EcsService extends pulumi.ComponentResource {
    public readonly service: aws.ecs.Service;
    public readonly taskDefinition: aws.ecs.TaskDefinition;
    public readonly securityGroup: aws.ec2.SecurityGroup;
    public readonly logGroup: aws.cloudwatch.LogGroup;
    public readonly executionRole: aws.iam.Role;
    public readonly taskRole: aws.iam.Role;
    /** Lets ECS re-point listener rules during a native blue/green deployment. */
    public readonly infrastructureRole?: aws.iam.Role;
    public readonly serviceName: pulumi.Output<string>;
    public readonly serviceArn: pulumi.Output<string>;
    /** The revision the stack declares: what the next CodeDeploy release starts from. */
    public readonly taskDefinitionArn: pulumi.Output<string>;
    public readonly containerName: string;

    constructor(name: string, args: EcsServiceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("safe-ecs:index:EcsService", name, {}, opts);
        const svc = args.config;
        const mode = svc.deployment.mode;
        const tags = { service: svc.name };
        this.containerName = svc.name;
        const web = svc.kind === "web" ? svc : undefined;
        if (web && !args.web) throw new Error(`EcsService ${name}: a web service needs its load balancer wiring`);

        this.logGroup = new aws.cloudwatch.LogGroup(
            name,
            { name: logGroupName(args.project, args.stack, svc.name), retentionInDays: svc.logRetentionDays, tags },
            { parent: this },
        );

        const role = (purpose: string, service: string, managedPolicy?: string, sourceAccount?: pulumi.Input<string>): { role: aws.iam.Role; attachment?: aws.iam.RolePolicyAttachment } => {
            const r = new aws.iam.Role(
                `${name}-${purpose}`,
                {
                    name: roleName(args.project, args.stack, `${svc.name}-${purpose}`),
                    assumeRolePolicy: pulumi.output(sourceAccount).apply((acct) => JSON.stringify(assumeRolePolicy(service, acct))),
                    tags,
                },
                { parent: this },
            );
            const attachment = managedPolicy
                ? new aws.iam.RolePolicyAttachment(
                      `${name}-${purpose}`,
                      { role: r.name, policyArn: pulumi.output(args.partition).apply((p) => managedPolicyArn(p, managedPolicy)) },
                      { parent: this },
                  )
                : undefined;
            return { role: r, attachment };
        };
        // The managed execution policy (pull images, write logs) and, with secrets, reading exactly
        // those. The app's own permissions go on the task role.
        const execution = role("execution", "ecs-tasks.amazonaws.com", MANAGED_POLICIES.taskExecution, args.accountId);
        this.executionRole = execution.role;
        this.taskRole = role("task", "ecs-tasks.amazonaws.com", undefined, args.accountId).role;
        const secretsPolicy = secretsReadPolicy({ secretArns: Object.values(svc.secrets), kmsKeyArn: svc.secretsKmsKeyArn });
        const executionPolicies: pulumi.Resource[] = [...(execution.attachment ? [execution.attachment] : [])];
        if (secretsPolicy) {
            executionPolicies.push(
                new aws.iam.RolePolicy(`${name}-secrets`, { role: this.executionRole.name, name: "read-secrets", policy: JSON.stringify(secretsPolicy) }, { parent: this }),
            );
        }
        if (args.queueArn) {
            new aws.iam.RolePolicy(
                `${name}-queue`,
                { role: this.taskRole.name, name: "consume-queue", policy: pulumi.output(args.queueArn).apply((queueArn) => JSON.stringify(queueConsumerPolicy({ queueArn }))) },
                { parent: this },
            );
        }

        const environment = Object.entries(svc.environment).map(([n, value]) => ({ name: n, value }));
        const secrets = Object.entries(svc.secrets).map(([n, valueFrom]) => ({ name: n, valueFrom }));
        const health = svc.kind === "worker" ? svc.containerHealthCheck : undefined;
        const containerDefinitions = JSON.stringify([
            {
                name: this.containerName,
                image: svc.image,
                essential: true,
                ...(web ? { portMappings: [{ containerPort: web.containerPort, protocol: "tcp" }] } : {}),
                environment,
                ...(secrets.length > 0 ? { secrets } : {}),
                ...(health
                    ? {
                          healthCheck: {
                              command: health.command,
                              interval: health.intervalSeconds,
                              timeout: health.timeoutSeconds,
                              retries: health.retries,
                              startPeriod: health.startPeriodSeconds,
                          },
                      }
                    : {}),
                logConfiguration: {
                    logDriver: "awslogs",
                    options: {
                        "awslogs-group": logGroupName(args.project, args.stack, svc.name),
                        "awslogs-region": args.region,
                        "awslogs-stream-prefix": svc.name,
                    },
                },
            },
        ]);
        this.taskDefinition = new aws.ecs.TaskDefinition(
            name,
            {
                family: ecsServiceName(args.stack, svc.name),
                cpu: String(svc.cpu),
                memory: String(svc.memory),
                networkMode: "awsvpc",
                requiresCompatibilities: ["FARGATE"],
                runtimePlatform: { operatingSystemFamily: "LINUX", cpuArchitecture: "X86_64" },
                executionRoleArn: this.executionRole.arn,
                taskRoleArn: this.taskRole.arn,
                containerDefinitions: args.secretEnvironment ? pulumi.secret(containerDefinitions) : containerDefinitions,
                // Replacing a revision (any change) must not deregister the old one: it is what a
                // rollback returns to, and what a CodeDeploy service's blue task set still runs.
                skipDestroy: true,
                tags,
            },
            // The secrets policy must be in place before a task starts with this revision.
            { parent: this, dependsOn: [this.logGroup, ...executionPolicies] },
        );

        this.securityGroup = new aws.ec2.SecurityGroup(
            name,
            {
                vpcId: args.vpcId,
                description: web ? `${svc.name} tasks: only the load balancer may connect` : `${svc.name} tasks: no inbound connections`,
                ingress: web
                    ? [
                          {
                              protocol: "tcp",
                              fromPort: web.containerPort,
                              toPort: web.containerPort,
                              securityGroups: [args.web!.albSecurityGroupId],
                              description: "from the load balancer",
                          },
                      ]
                    : [],
                egress: [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"], description: "image pulls, logs, dependencies" }],
                tags,
            },
            { parent: this },
        );

        // The service must wait for the role's permissions, not just the role: ECS uses the role to
        // re-point listener rules as soon as the first deployment starts.
        let infrastructurePolicy: aws.iam.RolePolicyAttachment | undefined;
        if (mode === "bluegreen") {
            const infrastructure = role("infrastructure", "ecs.amazonaws.com", MANAGED_POLICIES.ecsInfrastructureForLoadBalancers);
            this.infrastructureRole = infrastructure.role;
            infrastructurePolicy = infrastructure.attachment;
        }

        const loadBalancers = web ? [this.loadBalancer(web, args.web!, mode)] : [];

        const ecsController = mode !== "codedeploy";
        this.service = new aws.ecs.Service(
            name,
            {
                name: ecsServiceName(args.stack, svc.name),
                cluster: args.clusterArn,
                taskDefinition: this.taskDefinition.arn,
                desiredCount: svc.desiredCount,
                platformVersion: "LATEST",
                networkConfiguration: {
                    subnets: args.subnetIds,
                    securityGroups: [this.securityGroup.id],
                    assignPublicIp: args.assignPublicIp,
                },
                // One target group: with CODE_DEPLOY, attaching both makes CodeDeploy hang; blue/green names the other as alternate.
                loadBalancers,
                // Without a load balancer there are no ELB health checks to ignore; the container
                // health check's start period plays that part.
                healthCheckGracePeriodSeconds: web?.healthCheck.gracePeriodSeconds,
                deploymentController: { type: ecsController ? "ECS" : "CODE_DEPLOY" },
                capacityProviderStrategies: args.capacityProviderStrategies,
                // The provider refuses to change the strategy of an ECS-controller service without a
                // new deployment; CODE_DEPLOY services take it from the next release's AppSpec.
                forceNewDeployment: ecsController ? true : undefined,
                deploymentMinimumHealthyPercent: 100,
                deploymentMaximumPercent: 200,
                // The circuit breaker and deployment alarms only act under the ECS controller; on
                // CODE_DEPLOY the deployment group's auto-rollback and alarms take their place.
                deploymentCircuitBreaker: ecsController ? { enable: true, rollback: true } : undefined,
                alarms: ecsController ? { alarmNames: args.alarmNames, enable: true, rollback: true } : undefined,
                // Stated for rolling too: left out, the strategy ECS has stays (a blue/green service
                // switched back to rolling would remain blue/green).
                deploymentConfiguration:
                    web?.deployment.mode === "bluegreen"
                        ? { strategy: "BLUE_GREEN", bakeTimeInMinutes: String(web.deployment.bakeTimeMinutes) }
                        : mode === "rolling"
                          ? { strategy: "ROLLING" }
                          : undefined,
                propagateTags: "SERVICE",
                enableEcsManagedTags: true,
                tags,
            },
            {
                parent: this,
                ignoreChanges: ignoredProperties(mode, { autoscaling: svc.scaling !== undefined }).service,
                dependsOn: infrastructurePolicy ? [infrastructurePolicy] : [],
            },
        );

        this.serviceName = this.service.name;
        this.serviceArn = this.service.arn;
        this.taskDefinitionArn = this.taskDefinition.arn;
        this.registerOutputs({ serviceName: this.serviceName, serviceArn: this.serviceArn, taskDefinitionArn: this.taskDefinitionArn });
    }

    /** The pair as ECS has it now: after each blue/green release the roles of the groups swap. */
    private loadBalancer(svc: WebServiceConfig, wiring: WebWiring, mode: string): aws.types.input.ecs.ServiceLoadBalancer {
        const lb: aws.types.input.ecs.ServiceLoadBalancer = {
            targetGroupArn: wiring.targets[wiring.primary].arn,
            containerName: this.containerName,
            containerPort: svc.containerPort,
        };
        if (mode === "bluegreen") {
            lb.advancedConfiguration = {
                alternateTargetGroupArn: wiring.targets[otherColour(wiring.primary)].arn,
                productionListenerRule: wiring.targets.productionRule!.arn,
                testListenerRule: wiring.targets.testRule!.arn,
                roleArn: this.infrastructureRole!.arn,
            };
        }
        return lb;
    }
}
