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
import { ecsServiceName, eventRuleName, fitName, shortHash } from "./naming";
import { deadLetterQueuePolicy, deploymentTopicPolicy, topicKeyPolicy } from "./policyDocuments";

export interface NotifiedService {
    /** The name in the stack config (EcsService names the ECS service after it: naming.ts ecsServiceName). */
    name: string;
    serviceArn: pulumi.Input<string>;
    /** ECS-controller services report SERVICE_DEPLOYMENT_FAILED; CODE_DEPLOY ones report through CodeDeploy. */
    controller: "ECS" | "CODE_DEPLOY";
}

export interface DeploymentNotificationsArgs {
    project: string;
    stack: string;
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
                name: fitName([args.project, args.stack, "deployments"], 256),
                displayName: `${args.project} ${args.stack} deployments`,
                kmsMasterKeyId: this.key?.arn,
            },
            parent,
        );
        this.topicArn = this.topic.arn;

        this.deadLetterQueue = new aws.sqs.Queue(
            `${name}-dlq`,
            {
                name: fitName([args.project, args.stack, "deployment-events-dlq"], 80),
                messageRetentionSeconds: 14 * 24 * 3600,
                sqsManagedSseEnabled: true,
            },
            parent,
        );

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
                    arn: this.topic.arn,
                    inputTransformer: message,
                    deadLetterConfig: { arn: this.deadLetterQueue.arn },
                    retryPolicy: { maximumEventAgeInSeconds: 24 * 3600, maximumRetryAttempts: 185 },
                },
                parent,
            );
            this.rules.push(r);
        };

        const ecsServices = args.services.filter((s) => s.controller === "ECS");
        for (const svc of ecsServices) {
            rule(
                `${svc.name}-deployment-failed`,
                `${svc.name}: ECS deployment failed (circuit breaker or alarm rollback)`,
                pulumi.output(svc.serviceArn).apply((arn) => deploymentFailedPattern(arn)),
                deploymentFailedMessage({ cluster: args.clusterName, service: svc.name, ecsService: ecsServiceName(args.stack, svc.name), stack: args.stack }),
            );
        }
        if (args.services.length > 0) {
            rule(
                "service-action",
                "ECS warnings and errors about this stack's services",
                pulumi.all(args.services.map((s) => s.serviceArn)).apply((arns) => serviceActionPattern(arns)),
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

        const ruleArns = pulumi.all(this.rules.map((r) => r.arn));
        new aws.sns.TopicPolicy(
            name,
            {
                arn: this.topic.arn,
                policy: pulumi
                    .all([this.topic.arn, ruleArns, args.accountId])
                    .apply(([topicArn, arns, accountId]) => JSON.stringify(deploymentTopicPolicy({ topicArn, ruleArns: arns, accountId }))),
            },
            parent,
        );
        new aws.sqs.QueuePolicy(
            `${name}-dlq`,
            {
                queueUrl: this.deadLetterQueue.url,
                policy: pulumi
                    .all([this.deadLetterQueue.arn, ruleArns, args.accountId])
                    .apply(([queueArn, arns, accountId]) => JSON.stringify(deadLetterQueuePolicy({ queueArn, ruleArns: arns, accountId }))),
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
