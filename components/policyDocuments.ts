/**
 * IAM, topic, key and queue policy documents as pure functions: tests read them without the
 * engine, and the policy pack's rules check the same shapes.
 */

export interface PolicyStatement {
    Sid?: string;
    Effect: "Allow" | "Deny";
    Principal?: "*" | { Service?: string | string[]; AWS?: string | string[] };
    Action: string | string[];
    Resource?: string | string[];
    Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyDocument {
    Version: "2012-10-17";
    Statement: PolicyStatement[];
}

const doc = (...Statement: PolicyStatement[]): PolicyDocument => ({ Version: "2012-10-17", Statement });

/**
 * Only EventBridge rules of this stack, in this account, may publish; nobody may use the
 * topic without TLS. No statement allows a wildcard principal.
 */
export function deploymentTopicPolicy(p: { topicArn: string; ruleArns: string[]; accountId: string }): PolicyDocument {
    return doc(
        {
            Sid: "EventBridgeRulesOfThisStackMayPublish",
            Effect: "Allow",
            Principal: { Service: "events.amazonaws.com" },
            Action: "sns:Publish",
            Resource: p.topicArn,
            Condition: {
                ArnEquals: { "aws:SourceArn": [...p.ruleArns] },
                StringEquals: { "aws:SourceAccount": p.accountId },
            },
        },
        {
            Sid: "DenyInsecureTransport",
            Effect: "Deny",
            Principal: "*",
            Action: ["sns:Publish", "sns:Subscribe"],
            Resource: p.topicArn,
            Condition: { Bool: { "aws:SecureTransport": "false" } },
        },
    );
}

/** Dead-letter queue for rule targets: only this stack's rules may send to it. */
export function deadLetterQueuePolicy(p: { queueArn: string; ruleArns: string[]; accountId: string }): PolicyDocument {
    return doc({
        Sid: "EventBridgeRulesOfThisStackMaySend",
        Effect: "Allow",
        Principal: { Service: "events.amazonaws.com" },
        Action: "sqs:SendMessage",
        Resource: p.queueArn,
        Condition: {
            ArnEquals: { "aws:SourceArn": [...p.ruleArns] },
            StringEquals: { "aws:SourceAccount": p.accountId },
        },
    });
}

/**
 * Customer-managed key for the topic. EventBridge must be able to generate data keys with it;
 * the AWS-managed `alias/aws/sns` key does not allow that and every event is silently dropped.
 */
export function topicKeyPolicy(p: { accountId: string; partition: string }): PolicyDocument {
    return doc(
        {
            Sid: "AccountAdministersTheKey",
            Effect: "Allow",
            Principal: { AWS: `arn:${p.partition}:iam::${p.accountId}:root` },
            Action: "kms:*",
            Resource: "*",
        },
        {
            Sid: "EventBridgeEncryptsForTheTopic",
            Effect: "Allow",
            Principal: { Service: "events.amazonaws.com" },
            Action: ["kms:GenerateDataKey*", "kms:Decrypt"],
            Resource: "*",
        },
    );
}

export function assumeRolePolicy(service: string, sourceAccount?: string): PolicyDocument {
    const statement: PolicyStatement = {
        Effect: "Allow",
        Principal: { Service: service },
        Action: "sts:AssumeRole",
    };
    // Guards against the confused deputy where the service supports the condition.
    if (sourceAccount) statement.Condition = { StringEquals: { "aws:SourceAccount": sourceAccount } };
    return doc(statement);
}

export function managedPolicyArn(partition: string, name: string): string {
    return `arn:${partition}:iam::aws:policy/${name}`;
}

/** The AWS managed policies each role gets, and nothing more. */
export const MANAGED_POLICIES = {
    taskExecution: "service-role/AmazonECSTaskExecutionRolePolicy",
    codeDeployForEcs: "AWSCodeDeployRoleForECS",
    ecsInfrastructureForLoadBalancers: "AmazonECSInfrastructureRolePolicyForLoadBalancers",
} as const;

/**
 * What the execution role may read to fill a task's secrets: exactly the configured secrets
 * and parameters, no wildcard. A Secrets Manager reference with `:json-key:stage:version` is
 * granted on the secret's ARN, which is all GetSecretValue checks.
 */
export function secretsReadPolicy(p: { secretArns: string[]; kmsKeyArn?: string }): PolicyDocument | undefined {
    const secretsManager = [...new Set(p.secretArns.filter((a) => a.includes(":secretsmanager:")).map(secretArnOf))].sort();
    const parameters = [...new Set(p.secretArns.filter((a) => a.includes(":ssm:")))].sort();
    const statements: PolicyStatement[] = [];
    if (secretsManager.length > 0) statements.push({ Sid: "ReadTheServiceSecrets", Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: secretsManager });
    if (parameters.length > 0) statements.push({ Sid: "ReadTheServiceParameters", Effect: "Allow", Action: "ssm:GetParameters", Resource: parameters });
    if (p.kmsKeyArn && statements.length > 0) statements.push({ Sid: "DecryptThem", Effect: "Allow", Action: "kms:Decrypt", Resource: p.kmsKeyArn });
    return statements.length > 0 ? doc(...statements) : undefined;
}

/** `arn:…:secret:name-AbCdEf:json-key:stage:version` → `arn:…:secret:name-AbCdEf`. */
export function secretArnOf(reference: string): string {
    return reference.split(":").slice(0, 7).join(":");
}

/** A worker's task role: consume its own queue, nothing else. */
export function queueConsumerPolicy(p: { queueArn: string }): PolicyDocument {
    return doc({
        Sid: "ConsumeTheWorkerQueue",
        Effect: "Allow",
        Action: ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes"],
        Resource: p.queueArn,
    });
}
