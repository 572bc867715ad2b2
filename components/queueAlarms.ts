import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { QueueAlarmConfig } from "../config/schema";
import { queueAlarmName, type QueueAlarmSignal } from "./naming";

export interface QueueAlarmsArgs {
    project: string;
    stack: string;
    service: string;
    thresholds: QueueAlarmConfig;
    queueName: pulumi.Input<string>;
    deadLetterName: pulumi.Input<string>;
}

export const QUEUE_ALARM_SIGNALS: readonly QueueAlarmSignal[] = ["oldest-message-age", "visible-messages", "dead-letter"];

/**
 * A worker's USE alarms, its deployment alarms: saturation (the oldest message's age and the
 * backlog, which grow when a version stops consuming) and errors (messages arriving in the
 * dead-letter queue, which a version that fails its messages sends there).
 */
export class QueueAlarms extends pulumi.ComponentResource {
    public readonly alarmNames: string[];

    constructor(name: string, args: QueueAlarmsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("safe-ecs:index:QueueAlarms", name, {}, opts);
        const t = args.thresholds;
        const nameOf = (signal: QueueAlarmSignal) => queueAlarmName(args.project, args.stack, args.service, signal);
        const common = {
            comparisonOperator: "GreaterThanOrEqualToThreshold",
            evaluationPeriods: t.evaluationPeriods,
            datapointsToAlarm: t.datapointsToAlarm,
            // An idle queue reports nothing: no evidence of a bad version.
            treatMissingData: "notBreaching",
            tags: { service: args.service },
        };
        const queueMetric = (metricName: string, queue: pulumi.Input<string>) => ({
            namespace: "AWS/SQS",
            metricName,
            statistic: "Maximum",
            period: t.periodSeconds,
            dimensions: { QueueName: queue },
        });
        const alarm = (signal: QueueAlarmSignal, description: string, query: Partial<aws.cloudwatch.MetricAlarmArgs>) =>
            new aws.cloudwatch.MetricAlarm(
                `${name}-${signal}`,
                { ...common, ...query, name: nameOf(signal), alarmDescription: `${args.service}: ${description}` },
                { parent: this },
            );
        alarm("oldest-message-age", `oldest message waiting ${t.oldestMessageAgeSeconds}s or more`, {
            threshold: t.oldestMessageAgeSeconds,
            ...queueMetric("ApproximateAgeOfOldestMessage", args.queueName),
        });
        alarm("visible-messages", `${t.visibleMessages} or more messages waiting`, {
            threshold: t.visibleMessages,
            ...queueMetric("ApproximateNumberOfMessagesVisible", args.queueName),
        });
        // Messages the redrive policy moves do not count in the dead-letter queue's
        // NumberOfMessagesSent; the growth of its visible messages shows them arriving, and
        // messages already waiting there do not keep the alarm on.
        alarm("dead-letter", `${t.deadLetterMessages} or more new messages in the dead-letter queue per ${t.periodSeconds}s`, {
            threshold: t.deadLetterMessages,
            metricQueries: [
                {
                    id: "visible",
                    returnData: false,
                    metric: { namespace: "AWS/SQS", metricName: "ApproximateNumberOfMessagesVisible", stat: "Maximum", period: t.periodSeconds, dimensions: { QueueName: args.deadLetterName } },
                },
                { id: "arrived", expression: "DIFF(visible)", label: "new dead-letter messages", returnData: true },
            ],
        });
        this.alarmNames = QUEUE_ALARM_SIGNALS.map(nameOf);
        this.registerOutputs({ alarmNames: this.alarmNames });
    }
}
