import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { ScalingConfig } from "../config/schema";

export interface ServiceAutoScalingArgs {
    clusterName: pulumi.Input<string>;
    serviceName: pulumi.Input<string>;
    scaling: ScalingConfig;
    /** Web services: the load balancer and both target groups (ARN suffixes), for requests per target. */
    requests?: RequestMetricRefs;
    /** The worker's queue, for backlog per task. */
    queueName?: pulumi.Input<string>;
}

export interface RequestMetricRefs {
    loadBalancerArnSuffix: pulumi.Input<string>;
    blueArnSuffix: pulumi.Input<string>;
    greenArnSuffix: pulumi.Input<string>;
}

/** Target-tracking metrics as data: a pure function the tests read without the engine. */
export function targetTrackingMetrics(
    scaling: ScalingConfig,
    refs: { requests?: RequestMetricRefs; queueName?: pulumi.Input<string>; clusterName: pulumi.Input<string>; serviceName: pulumi.Input<string> },
): { name: string; target: number; metric: Partial<aws.types.input.appautoscaling.PolicyTargetTrackingScalingPolicyConfiguration> }[] {
    const out: ReturnType<typeof targetTrackingMetrics> = [];
    if (scaling.cpuTargetPercent !== undefined)
        out.push({ name: "cpu", target: scaling.cpuTargetPercent, metric: { predefinedMetricSpecification: { predefinedMetricType: "ECSServiceAverageCPUUtilization" } } });
    if (scaling.memoryTargetPercent !== undefined)
        out.push({ name: "memory", target: scaling.memoryTargetPercent, metric: { predefinedMetricSpecification: { predefinedMetricType: "ECSServiceAverageMemoryUtilization" } } });
    if (scaling.requestsPerTarget !== undefined && refs.requests) {
        // Requests per target of both colours, summed: the idle group adds nothing, so the sum follows
        // whichever group serves production after a blue/green release. ALBRequestCountPerTarget
        // names one group and would scale on an idle one after every other release (AWS does not
        // support it with blue/green; the metric-math sum is AWS's own sample workaround).
        const perTarget = (id: string, targetGroup: pulumi.Input<string>) => ({
            id,
            returnData: false,
            metricStat: {
                stat: "Sum",
                metric: {
                    namespace: "AWS/ApplicationELB",
                    metricName: "RequestCountPerTarget",
                    dimensions: [
                        { name: "LoadBalancer", value: refs.requests!.loadBalancerArnSuffix },
                        { name: "TargetGroup", value: targetGroup },
                    ],
                },
            },
        });
        out.push({
            name: "requests",
            target: scaling.requestsPerTarget,
            metric: {
                customizedMetricSpecification: {
                    metrics: [
                        perTarget("blue", refs.requests.blueArnSuffix),
                        perTarget("green", refs.requests.greenArnSuffix),
                        { id: "requests", expression: "FILL(blue, 0) + FILL(green, 0)", label: "requests per target, either colour", returnData: true },
                    ],
                },
            },
        });
    }
    if (scaling.backlogPerTask !== undefined && refs.queueName)
        out.push({
            name: "backlog",
            target: scaling.backlogPerTask,
            metric: {
                // Messages waiting per running task (Container Insights' RunningTaskCount); with no task
                // running, the whole backlog, so a stopped worker scales out.
                customizedMetricSpecification: {
                    metrics: [
                        {
                            id: "waiting",
                            returnData: false,
                            metricStat: {
                                stat: "Sum",
                                metric: { namespace: "AWS/SQS", metricName: "ApproximateNumberOfMessagesVisible", dimensions: [{ name: "QueueName", value: refs.queueName }] },
                            },
                        },
                        {
                            id: "tasks",
                            returnData: false,
                            metricStat: {
                                stat: "Average",
                                metric: {
                                    namespace: "ECS/ContainerInsights",
                                    metricName: "RunningTaskCount",
                                    dimensions: [
                                        { name: "ClusterName", value: refs.clusterName },
                                        { name: "ServiceName", value: refs.serviceName },
                                    ],
                                },
                            },
                        },
                        { id: "backlog", expression: "IF(tasks > 0, waiting / tasks, waiting)", label: "messages waiting per task", returnData: true },
                    ],
                },
            },
        });
    return out;
}

/**
 * Application Auto Scaling of one ECS service's task count between `min` and `max`, with a
 * target-tracking policy per configured target. ECS suspends scale-in during its deployments.
 */
export class ServiceAutoScaling extends pulumi.ComponentResource {
    public readonly target: aws.appautoscaling.Target;

    constructor(name: string, args: ServiceAutoScalingArgs, opts?: pulumi.ComponentResourceOptions) {
        super("safe-ecs:index:ServiceAutoScaling", name, {}, opts);
        const sc = args.scaling;
        this.target = new aws.appautoscaling.Target(
            name,
            {
                serviceNamespace: "ecs",
                scalableDimension: "ecs:service:DesiredCount",
                resourceId: pulumi.interpolate`service/${args.clusterName}/${args.serviceName}`,
                minCapacity: sc.min,
                maxCapacity: sc.max,
            },
            { parent: this },
        );
        for (const m of targetTrackingMetrics(sc, args)) {
            new aws.appautoscaling.Policy(
                `${name}-${m.name}`,
                {
                    policyType: "TargetTrackingScaling",
                    serviceNamespace: this.target.serviceNamespace,
                    scalableDimension: this.target.scalableDimension,
                    resourceId: this.target.resourceId,
                    targetTrackingScalingPolicyConfiguration: {
                        ...m.metric,
                        targetValue: m.target,
                        scaleInCooldown: sc.scaleInCooldownSeconds,
                        scaleOutCooldown: sc.scaleOutCooldownSeconds,
                    },
                },
                { parent: this },
            );
        }
        this.registerOutputs({ resourceId: this.target.resourceId });
    }
}
