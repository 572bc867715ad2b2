import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { WorkerServiceConfig } from "../config/schema";
import { queueName } from "./naming";

export interface WorkerQueueArgs {
    project: string;
    stack: string;
    service: string;
    queue: WorkerServiceConfig["queue"];
}

/**
 * The queue a worker consumes: created with a dead-letter queue that takes a message after
 * `maxReceiveCount` failed receives, or an existing queue and its dead-letter queue, named by ARN.
 */
export class WorkerQueue extends pulumi.ComponentResource {
    public readonly queueArn: pulumi.Output<string>;
    public readonly queueName: pulumi.Output<string>;
    public readonly deadLetterArn: pulumi.Output<string>;
    public readonly deadLetterName: pulumi.Output<string>;

    constructor(name: string, args: WorkerQueueArgs, opts?: pulumi.ComponentResourceOptions) {
        super("safe-ecs:index:WorkerQueue", name, {}, opts);
        const q = args.queue;
        if (q.arn && q.deadLetterArn) {
            const nameOf = (arn: string) => arn.split(":").pop()!;
            this.queueArn = pulumi.output(q.arn);
            this.queueName = pulumi.output(nameOf(q.arn));
            this.deadLetterArn = pulumi.output(q.deadLetterArn);
            this.deadLetterName = pulumi.output(nameOf(q.deadLetterArn));
        } else {
            const tags = { service: args.service };
            const retention = q.retentionDays * 86_400;
            const dlq = new aws.sqs.Queue(
                `${name}-dlq`,
                // Longer than the queue's, so a message reaching it late is not already expiring.
                { name: queueName(args.project, args.stack, args.service, "dlq"), messageRetentionSeconds: 14 * 86_400, sqsManagedSseEnabled: true, tags },
                { parent: this },
            );
            const queue = new aws.sqs.Queue(
                name,
                {
                    name: queueName(args.project, args.stack, args.service, "queue"),
                    visibilityTimeoutSeconds: q.visibilityTimeoutSeconds,
                    messageRetentionSeconds: retention,
                    sqsManagedSseEnabled: true,
                    redrivePolicy: dlq.arn.apply((deadLetterTargetArn) => JSON.stringify({ deadLetterTargetArn, maxReceiveCount: q.maxReceiveCount })),
                    tags,
                },
                { parent: this },
            );
            this.queueArn = queue.arn;
            this.queueName = queue.name;
            this.deadLetterArn = dlq.arn;
            this.deadLetterName = dlq.name;
        }
        this.registerOutputs({ queueArn: this.queueArn, deadLetterArn: this.deadLetterArn });
    }
}
