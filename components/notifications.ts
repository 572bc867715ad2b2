import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import {
    alarmMessage,
    alarmStatePattern,
    codeDeployFailureMessage,
    codeDeployFailurePattern,
    deploymentFailedMessage,
    deploymentFailedPattern,
    serviceActionMessage,
    serviceActionPattern,
    type EventPattern,
    type InputTransformer,
} from "./eventPatterns";
import { arnOf, deploymentEventsQueueName, ecsServiceName, eventRuleName, fitName, shortHash, topicName, type AccountScope } from "./naming";
import { deadLetterQueuePolicy, deploymentTopicPolicy, topicKeyPolicy } from "./policyDocuments";

export interface NotifiedService {
    /** The name in the stack config (EcsService names the ECS service after it: naming.ts ecsServiceName). */
    name: string;
    /** The ECS service's name output: known at a preview (an input), and it ties the rule to the service. */
    ecsServiceName: pulumi.Input<string>;
    /** ECS-controller services report SERVICE_DEPLOYMENT_FAILED; CODE_DEPLOY ones report through CodeDeploy. */
    controller: "ECS" | "CODE_DEPLOY";
}

export interface DeploymentNotificationsArgs {
    project: string;
    stack: string;
    region: string;
    accountId: pulumi.Input<string>;
    partition: pulumi.Input<string>;
    clusterName: string;
    services: NotifiedService[];
    alarmNames: string[];
    codeDeployGroups: { application: pulumi.Input<string>; deploymentGroup: pulumi.Input<string> }[];
    emails: string[];
    kmsEncryption: boolean;
}

/**
 * One SNS topic per stack that hears about every failed or rolled-back deployment: EventBridge
 * rules for this stack's services, CodeDeploy groups and alarms, each delivering a readable
 * message, with a dead-letter queue for what cannot be delivered. A rollback is reported by
 * `pulumi up` as a successful update, so these events are the reliable signal.
 */
export class DeploymentNotifications extends pulumi.ComponentResource {
    public readonly topic: aws.sns.Topic;
    public readonly topicArn: pulumi.Output<string>;
    public readonly deadLetterQueue: aws.sqs.Queue;
    public readonly rules: aws.cloudwatch.EventRule[] = [];
    public readonly key?: aws.kms.Key;

    constructor(name: string, args: DeploymentNotificationsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("safe-ecs:index:DeploymentNotifications", name, {}, opts);
        const parent = { parent: this };
        // ARNs built from each resource's name output and the account, not taken from its ARN output:
        // the name is an input, so known at a first preview, and it still ties the value to the
        // resource (the engine records the dependency). The event patterns and policies that the
        // policy pack decides on are then known before anything is created.
        const scope: pulumi.Output<AccountScope> = pulumi.all([args.partition, args.accountId]).apply(([partition, accountId]) => ({ partition, accountId, region: args.region }));
        const serviceArn = (svc: NotifiedService) => pulumi.all([scope, svc.ecsServiceName]).apply(([a, n]) => arnOf.ecsService(a, args.clusterName, n));
        const ruleArns: pulumi.Output<string>[] = [];

        if (args.kmsEncryption) {
            // A customer-managed key: EventBridge cannot use alias/aws/sns, and events would be dropped.
            this.key = new aws.kms.Key(
                name,
                {
                    description: `${args.project}/${args.stack} deployment notifications`,
                    enableKeyRotation: true,
                    deletionWindowInDays: 30,
                    policy: pulumi
                        .all([args.accountId, args.partition])
                        .apply(([accountId, partition]) => JSON.stringify(topicKeyPolicy({ accountId, partition }))),
                },
                parent,
            );
            new aws.kms.Alias(name, { name: `alias/${fitName([args.project, args.stack, "deployments"], 200)}`, targetKeyId: this.key.keyId }, parent);
        }

        this.topic = new aws.sns.Topic(
            name,
            {
                name: topicName(args.project, args.stack),
                displayName: `${args.project} ${args.stack} deployments`,
                kmsMasterKeyId: this.key?.arn,
            },
            parent,
        );
        this.topicArn = this.topic.arn;
        const topicArn = pulumi.all([scope, this.topic.name]).apply(([a, n]) => arnOf.snsTopic(a, n));

        this.deadLetterQueue = new aws.sqs.Queue(
            `${name}-dlq`,
            {
                name: deploymentEventsQueueName(args.project, args.stack),
                messageRetentionSeconds: 14 * 24 * 3600,
                sqsManagedSseEnabled: true,
            },
            parent,
        );
        const queueArn = pulumi.all([scope, this.deadLetterQueue.name]).apply(([a, n]) => arnOf.sqsQueue(a, n));

        const rule = (purpose: string, description: string, pattern: pulumi.Input<EventPattern>, message: InputTransformer) => {
            const r = new aws.cloudwatch.EventRule(
                `${name}-${purpose}`,
                {
                    name: eventRuleName(args.project, args.stack, purpose),
                    description,
                    eventPattern: pulumi.output(pattern).apply((p) => JSON.stringify(p)),
                },
                parent,
            );
            new aws.cloudwatch.EventTarget(
                `${name}-${purpose}`,
                {
                    rule: r.name,
                    arn: topicArn,
                    inputTransformer: message,
                    deadLetterConfig: { arn: queueArn },
                    retryPolicy: { maximumEventAgeInSeconds: 24 * 3600, maximumRetryAttempts: 185 },
                },
                parent,
            );
            this.rules.push(r);
            ruleArns.push(pulumi.all([scope, r.name]).apply(([a, n]) => arnOf.eventRule(a, n)));
        };

        const ecsServices = args.services.filter((s) => s.controller === "ECS");
        for (const svc of ecsServices) {
            rule(
                `${svc.name}-deployment-failed`,
                `${svc.name}: ECS deployment failed (circuit breaker or alarm rollback)`,
                serviceArn(svc).apply((arn) => deploymentFailedPattern(arn)),
                deploymentFailedMessage({ cluster: args.clusterName, service: svc.name, ecsService: ecsServiceName(args.stack, svc.name), stack: args.stack }),
            );
        }
        if (args.services.length > 0) {
            rule(
                "service-action",
                "ECS warnings and errors about this stack's services",
                pulumi.all(args.services.map(serviceArn)).apply((arns) => serviceActionPattern(arns)),
                serviceActionMessage({ cluster: args.clusterName, stack: args.stack }),
            );
        }
        if (args.alarmNames.length > 0) {
            rule("alarms", "This stack's deployment alarms entering ALARM", alarmStatePattern(args.alarmNames), alarmMessage({ stack: args.stack }));
        }
        if (args.codeDeployGroups.length > 0) {
            rule(
                "codedeploy-failed",
                "CodeDeploy deployments of this stack that fail or are stopped",
                pulumi
                    .all([pulumi.all(args.codeDeployGroups.map((g) => g.application)), pulumi.all(args.codeDeployGroups.map((g) => g.deploymentGroup))])
                    .apply(([apps, groups]) => codeDeployFailurePattern([...new Set(apps)], groups)),
                codeDeployFailureMessage({ stack: args.stack }),
            );
        }

        const allRuleArns = pulumi.all(ruleArns);
        new aws.sns.TopicPolicy(
            name,
            {
                arn: this.topic.arn,
                policy: pulumi
                    .all([topicArn, allRuleArns, args.accountId])
                    .apply(([topic, arns, accountId]) => JSON.stringify(deploymentTopicPolicy({ topicArn: topic, ruleArns: arns, accountId }))),
            },
            parent,
        );
        new aws.sqs.QueuePolicy(
            `${name}-dlq`,
            {
                queueUrl: this.deadLetterQueue.url,
                policy: pulumi
                    .all([queueArn, allRuleArns, args.accountId])
                    .apply(([queue, arns, accountId]) => JSON.stringify(deadLetterQueuePolicy({ queueArn: queue, ruleArns: arns, accountId }))),
            },
            parent,
        );

        // Named by address, not position: reordering the list must not re-subscribe anyone.
        for (const email of new Set(args.emails)) {
            new aws.sns.TopicSubscription(`${name}-email-${shortHash(email.toLowerCase(), 10)}`, { topic: this.topic.arn, protocol: "email", endpoint: email }, parent);
        }

        this.registerOutputs({ topicArn: this.topicArn });
    }
}
