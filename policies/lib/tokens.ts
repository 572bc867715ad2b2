/**
 * Every @pulumi/aws type token the rules look at, grouped by the AWS resource they stand for.
 *
 * @pulumi/aws 7 registers the same Elastic Load Balancing v2 resources under two modules
 * (`aws:lb/...` and `aws:alb/...`), and each class declares an alias to the token older
 * provider versions used (`aws:elasticloadbalancingv2/...`, `aws:applicationloadbalancing/...`).
 * A rule that only knew one token would report a false "compliant", so every kind lists all of them.
 * Only `aws:*` tokens appear here: the pack works for any Pulumi program on AWS.
 */

export type Kind =
    | "ecsService"
    | "ecsTaskDefinition"
    | "deploymentGroup"
    | "codedeployApp"
    | "deploymentConfig"
    | "metricAlarm"
    | "eventRule"
    | "eventTarget"
    | "snsTopic"
    | "snsTopicPolicy"
    | "targetGroup"
    | "listener"
    | "listenerRule"
    | "loadBalancer"
    | "securityGroup"
    | "sgIngressRule"
    | "sgRule";

export const TOKENS: { readonly [K in Kind]: readonly string[] } = {
    ecsService: ["aws:ecs/service:Service"],
    ecsTaskDefinition: ["aws:ecs/taskDefinition:TaskDefinition"],
    deploymentGroup: ["aws:codedeploy/deploymentGroup:DeploymentGroup"],
    codedeployApp: ["aws:codedeploy/application:Application"],
    deploymentConfig: ["aws:codedeploy/deploymentConfig:DeploymentConfig"],
    metricAlarm: ["aws:cloudwatch/metricAlarm:MetricAlarm"],
    eventRule: ["aws:cloudwatch/eventRule:EventRule"],
    eventTarget: ["aws:cloudwatch/eventTarget:EventTarget"],
    snsTopic: ["aws:sns/topic:Topic"],
    snsTopicPolicy: ["aws:sns/topicPolicy:TopicPolicy"],
    targetGroup: [
        "aws:lb/targetGroup:TargetGroup",
        "aws:alb/targetGroup:TargetGroup",
        "aws:elasticloadbalancingv2/targetGroup:TargetGroup",
        "aws:applicationloadbalancing/targetGroup:TargetGroup",
    ],
    listener: [
        "aws:lb/listener:Listener",
        "aws:alb/listener:Listener",
        "aws:elasticloadbalancingv2/listener:Listener",
        "aws:applicationloadbalancing/listener:Listener",
    ],
    listenerRule: [
        "aws:lb/listenerRule:ListenerRule",
        "aws:alb/listenerRule:ListenerRule",
        "aws:elasticloadbalancingv2/listenerRule:ListenerRule",
        "aws:applicationloadbalancing/listenerRule:ListenerRule",
    ],
    loadBalancer: [
        "aws:lb/loadBalancer:LoadBalancer",
        "aws:alb/loadBalancer:LoadBalancer",
        "aws:elasticloadbalancingv2/loadBalancer:LoadBalancer",
        "aws:applicationloadbalancing/loadBalancer:LoadBalancer",
    ],
    securityGroup: ["aws:ec2/securityGroup:SecurityGroup", "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"],
    sgIngressRule: ["aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"],
    sgRule: ["aws:ec2/securityGroupRule:SecurityGroupRule"],
};

const KIND_OF: ReadonlyMap<string, Kind> = (() => {
    const m = new Map<string, Kind>();
    for (const kind of Object.keys(TOKENS) as Kind[]) {
        for (const t of TOKENS[kind]) m.set(t, kind);
    }
    return m;
})();

/** The kind of a type token, or undefined for tokens no rule looks at. */
export function kindOf(type: unknown): Kind | undefined {
    return typeof type === "string" ? KIND_OF.get(type) : undefined;
}

export function isKind(type: unknown, kind: Kind): boolean {
    return kindOf(type) === kind;
}
