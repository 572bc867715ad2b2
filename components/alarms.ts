import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { AlarmConfig } from "../config/schema";
import { alarmName, type AlarmSignal, type Colour } from "./naming";

export interface DeploymentAlarmsArgs {
    project: string;
    stack: string;
    service: string;
    thresholds: AlarmConfig;
    loadBalancerArnSuffix: pulumi.Input<string>;
    targetGroupArnSuffixes: Record<Colour, pulumi.Input<string>>;
}

/** The RED-signal alarms of one colour, by signal. */
export type ColourAlarms = Record<AlarmSignal, aws.cloudwatch.MetricAlarm>;

/**
 * CloudWatch alarms on the RED signals of one service, for each of its target groups: target
 * 5xx (count or rate), p99 response time, unhealthy hosts. Names are computed, not generated,
 * so deployment configuration and event rules can list them. The 5xx and latency alarms use the
 * configured window; the unhealthy-hosts alarm one sized from the health check (alarmWindows.ts).
 */
export class DeploymentAlarms extends pulumi.ComponentResource {
    public readonly alarms: Record<Colour, ColourAlarms>;
    /** Every alarm name of this service, blue then green. */
    public readonly alarmNames: string[];

    constructor(name: string, args: DeploymentAlarmsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("safe-ecs:index:DeploymentAlarms", name, {}, opts);
        const t = args.thresholds;
        const common = {
            evaluationPeriods: t.evaluationPeriods,
            datapointsToAlarm: t.datapointsToAlarm,
            // No traffic is no evidence of a bad version (green is idle most of the time).
            treatMissingData: "notBreaching",
            tags: { service: args.service },
        };
        const colourAlarms = (colour: Colour): ColourAlarms => {
            const dimensions = { LoadBalancer: args.loadBalancerArnSuffix, TargetGroup: args.targetGroupArnSuffixes[colour] };
            const nameOf = (signal: AlarmSignal) => alarmName(args.project, args.stack, args.service, colour, signal);
            const metric = (metricName: string, stat: string) => ({
                metricName,
                namespace: "AWS/ApplicationELB",
                period: t.periodSeconds,
                stat,
                dimensions,
            });
            const alarm = (signal: AlarmSignal, description: string, query: Partial<aws.cloudwatch.MetricAlarmArgs>) =>
                new aws.cloudwatch.MetricAlarm(
                    `${name}-${colour}-${signal}`,
                    { ...common, ...query, name: nameOf(signal), alarmDescription: `${args.service} (${colour}): ${description}` },
                    { parent: this },
                );
            const single = (metricName: string, statistic: { statistic?: string; extendedStatistic?: string }) => ({
                namespace: "AWS/ApplicationELB",
                metricName,
                ...statistic,
                period: t.periodSeconds,
                dimensions,
            });
            const errors =
                t.http5xxRatePercent !== undefined
                    ? alarm("5xx", `target 5xx at or above ${t.http5xxRatePercent}% of requests`, {
                          comparisonOperator: "GreaterThanOrEqualToThreshold",
                          threshold: t.http5xxRatePercent,
                          metricQueries: [
                              { id: "errors", metric: metric("HTTPCode_Target_5XX_Count", "Sum"), returnData: false },
                              { id: "requests", metric: metric("RequestCount", "Sum"), returnData: false },
                              { id: "rate", expression: "IF(requests > 0, 100 * errors / requests, 0)", label: "5xx rate (%)", returnData: true },
                          ],
                      })
                    : alarm("5xx", `${t.http5xxCount} or more target 5xx per ${t.periodSeconds}s`, {
                          comparisonOperator: "GreaterThanOrEqualToThreshold",
                          threshold: t.http5xxCount,
                          ...single("HTTPCode_Target_5XX_Count", { statistic: "Sum" }),
                      });
            const latency = alarm("p99-latency", `p99 target response time above ${t.p99LatencySeconds}s`, {
                comparisonOperator: "GreaterThanThreshold",
                threshold: t.p99LatencySeconds,
                ...single("TargetResponseTime", { extendedStatistic: "p99" }),
            });
            // The load balancer counts a starting task unhealthy whatever the ECS grace period, so this
            // alarm waits longer than the others: a release whose tasks start within their grace period
            // must not roll back (window and reasoning in alarmWindows.ts).
            const w = t.unhealthyHostsWindow;
            const unhealthy = alarm(
                "unhealthy-hosts",
                `${t.unhealthyHosts} or more unhealthy targets in ${w.datapointsToAlarm} of ${w.evaluationPeriods} periods (a task starting within its grace period breaches at most ${w.startupDatapoints})`,
                {
                    comparisonOperator: "GreaterThanOrEqualToThreshold",
                    threshold: t.unhealthyHosts,
                    evaluationPeriods: w.evaluationPeriods,
                    datapointsToAlarm: w.datapointsToAlarm,
                    ...single("UnHealthyHostCount", { statistic: "Maximum" }),
                },
            );
            return { "5xx": errors, "p99-latency": latency, "unhealthy-hosts": unhealthy };
        };

        this.alarms = { blue: colourAlarms("blue"), green: colourAlarms("green") };
        this.alarmNames = (["blue", "green"] as const).flatMap((c) =>
            (["5xx", "p99-latency", "unhealthy-hosts"] as const).map((s) => alarmName(args.project, args.stack, args.service, c, s)),
        );
        this.registerOutputs({ alarmNames: this.alarmNames });
    }
}
