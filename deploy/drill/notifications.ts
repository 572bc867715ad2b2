/**
 * Proof that the team hears about a failure: a temporary SQS queue subscribed to the stack's
 * deployment topic (the one EventBridge publishes failures to, and the team's e-mail
 * subscriptions hang off), read until the message about this drill's deployment arrives.
 *
 * The queue's policy lets only that topic send to it (`aws:SourceArn`), it is encrypted with
 * SQS-managed keys, keeps messages an hour, and is deleted with its subscription when the drill
 * ends, whatever happens. Raw message delivery stays off: each SQS body is SNS's JSON envelope,
 * whose `Message` is the text EventBridge's input transformer wrote (components/eventPatterns.ts).
 */
import { CreateQueueCommand, DeleteMessageBatchCommand, DeleteQueueCommand, ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { SNSClient, SubscribeCommand, UnsubscribeCommand } from "@aws-sdk/client-sns";
import type { Clock } from "../console";
import { DeployError } from "../errors";

/** The account, partition and region of an SNS topic ARN. */
export function topicScope(topicArn: string): { partition: string; region: string; accountId: string } {
    const [, partition, , region, accountId] = topicArn.split(":");
    return { partition, region, accountId };
}

/** `rollback-drill-<service>-<stamp>`, within SQS's 80 characters of `[A-Za-z0-9_-]`. */
export function drillQueueName(service: string, stamp: string): string {
    const safe = service.replace(/[^A-Za-z0-9_-]/g, "-");
    const suffix = `-${stamp}`;
    return `rollback-drill-${safe}`.slice(0, 80 - suffix.length) + suffix;
}

/** The queue is in the topic's account and region (the drill runs where the stack is). */
export function drillQueueArn(topicArn: string, queueName: string): string {
    const { partition, region, accountId } = topicScope(topicArn);
    return `arn:${partition}:sqs:${region}:${accountId}:${queueName}`;
}

/** Only the stack's topic may send to the drill's queue. */
export function drillQueuePolicy(queueArn: string, topicArn: string): object {
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "TheStacksDeploymentTopicMaySend",
                Effect: "Allow",
                Principal: { Service: "sns.amazonaws.com" },
                Action: "sqs:SendMessage",
                Resource: queueArn,
                Condition: { ArnEquals: { "aws:SourceArn": topicArn } },
            },
        ],
    };
}

/** The notification text of an SQS body: the SNS envelope's Message (raw delivery off), or the body itself. */
export function notificationText(body: string | undefined): string {
    if (!body) return "";
    try {
        const envelope = JSON.parse(body) as { Type?: string; Message?: unknown };
        if (envelope && typeof envelope === "object" && typeof envelope.Message === "string") {
            // EventBridge's template is a JSON string: SNS may pass its quotes along.
            const message = envelope.Message;
            try {
                const inner = JSON.parse(message);
                return typeof inner === "string" ? inner : message;
            } catch {
                return message;
            }
        }
    } catch {
        // Not JSON: raw delivery.
    }
    return body;
}

export interface ReceivedNotification {
    text: string;
    /** When SNS handed it to the queue (SentTimestamp), else when the drill read it; epoch ms. */
    sentAt: number;
}

export interface WaitResult {
    found?: ReceivedNotification;
    /** Other messages seen meanwhile (other services, alarms, warnings), for the report. */
    others: string[];
    interrupted: boolean;
}

export interface ListenerOptions {
    topicArn: string;
    queueName: string;
}

export class NotificationListener {
    queueUrl?: string;
    queueArn?: string;
    subscriptionArn?: string;

    constructor(
        private readonly sqs: SQSClient,
        private readonly sns: SNSClient,
        readonly options: ListenerOptions,
    ) {}

    /** Creates the queue with its policy. Not abortable: a created queue must be known, to be deleted. */
    async createQueue(): Promise<string> {
        const { topicArn, queueName } = this.options;
        const queueArn = drillQueueArn(topicArn, queueName);
        const created = await this.sqs.send(
            new CreateQueueCommand({
                QueueName: queueName,
                Attributes: {
                    Policy: JSON.stringify(drillQueuePolicy(queueArn, topicArn)),
                    MessageRetentionPeriod: "3600",
                    SqsManagedSseEnabled: "true",
                },
                tags: { purpose: "rollback-drill" },
            }),
        );
        if (!created?.QueueUrl) throw new DeployError(`CreateQueue returned no URL for ${queueName}.`);
        this.queueUrl = created.QueueUrl;
        this.queueArn = queueArn;
        return created.QueueUrl;
    }

    /** Subscribes the queue to the topic (same account: confirmed at once). */
    async subscribe(): Promise<string> {
        if (!this.queueArn) throw new DeployError("subscribe() before createQueue().");
        const subscribed = await this.sns.send(
            new SubscribeCommand({ TopicArn: this.options.topicArn, Protocol: "sqs", Endpoint: this.queueArn, ReturnSubscriptionArn: true }),
        );
        if (!subscribed?.SubscriptionArn) throw new DeployError(`Subscribe returned no subscription ARN for ${this.queueArn}.`);
        this.subscriptionArn = subscribed.SubscriptionArn;
        return subscribed.SubscriptionArn;
    }

    /**
     * Reads the queue until a message whose text `matches` arrives, or `deadline` (clock ms) has
     * passed; the queue is read at least once even when the deadline has passed already.
     */
    async waitFor(matches: (text: string) => boolean, deadline: number, opts: { clock: Clock; pollMs: number; signal?: AbortSignal }): Promise<WaitResult> {
        const { clock, signal } = opts;
        const result: WaitResult = { others: [], interrupted: false };
        if (!this.queueUrl) return result;
        for (;;) {
            if (signal?.aborted) return { ...result, interrupted: true };
            const remaining = deadline - clock.now();
            const before = clock.now();
            let messages;
            try {
                const response = await this.sqs.send(
                    new ReceiveMessageCommand({
                        QueueUrl: this.queueUrl,
                        MaxNumberOfMessages: 10,
                        WaitTimeSeconds: Math.max(0, Math.min(20, Math.floor(remaining / 1000))),
                        MessageSystemAttributeNames: ["SentTimestamp"],
                    }),
                    { abortSignal: signal },
                );
                messages = response?.Messages ?? [];
            } catch (e) {
                if (signal?.aborted) return { ...result, interrupted: true };
                throw e;
            }
            const handles: { Id: string; ReceiptHandle: string }[] = [];
            for (const [i, message] of messages.entries()) {
                if (message.ReceiptHandle) handles.push({ Id: String(i), ReceiptHandle: message.ReceiptHandle });
                const text = notificationText(message.Body);
                if (!result.found && matches(text)) {
                    const sent = Number(message.Attributes?.SentTimestamp);
                    result.found = { text, sentAt: Number.isFinite(sent) && sent > 0 ? sent : clock.now() };
                } else {
                    result.others.push(text);
                }
            }
            if (handles.length > 0) {
                // Best effort: the queue is deleted at the end anyway.
                await this.sqs.send(new DeleteMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: handles })).catch(() => undefined);
            }
            if (result.found) return result;
            if (clock.now() >= deadline) return result;
            // A long poll took its time; an immediate answer (or a test's clock) needs a pause.
            if (clock.now() - before < 1000) await clock.sleep(Math.min(opts.pollMs, Math.max(0, deadline - clock.now())), signal);
        }
    }

    async unsubscribe(): Promise<string> {
        if (!this.subscriptionArn) return "no subscription";
        const arn = this.subscriptionArn;
        await this.sns.send(new UnsubscribeCommand({ SubscriptionArn: arn }));
        this.subscriptionArn = undefined;
        return `unsubscribed ${arn}`;
    }

    async deleteQueue(): Promise<string> {
        if (!this.queueUrl) return "no queue";
        await this.sqs.send(new DeleteQueueCommand({ QueueUrl: this.queueUrl }));
        this.queueUrl = undefined;
        return `deleted queue ${this.options.queueName}`;
    }
}
