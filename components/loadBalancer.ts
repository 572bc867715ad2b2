import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { effectivePathPatterns, defaultPriority, type WebServiceConfig } from "../config/schema";
import { ignoredProperties } from "./ignoreChanges";
import { loadBalancerName, targetGroupName, type Colour } from "./naming";

/** The blue and green target-group names of a service (the port is in the hash: a port change gets new groups). */
export function targetGroupNames(stack: string, svc: Pick<WebServiceConfig, "name" | "containerPort">): Record<Colour, string> {
    const name = (colour: Colour) => targetGroupName(stack, svc.name, colour, `${svc.containerPort}/HTTP`);
    return { blue: name("blue"), green: name("green") };
}

/**
 * Who may reach the test listener. An internal load balancer is reached from the VPC's own
 * addresses; an internet-facing one is reached from inside the VPC only through the NAT
 * gateways' public addresses (a VPC CIDR rule would admit nothing), so those are listed. Tasks
 * in public subnets (no NAT) and existing VPCs have no addresses we know: testListenerCidrs.
 */
export function testListenerSources(args: { internal: boolean; vpcCidr: string; natPublicIps: string[]; testListenerCidrs: string[] }): string[] {
    const own = args.internal ? [args.vpcCidr] : args.natPublicIps.map((ip) => `${ip}/32`);
    return [...new Set([...own, ...args.testListenerCidrs])];
}

export interface LoadBalancedService {
    config: WebServiceConfig;
    /** Position in the stack's service list: the default listener-rule priority. */
    index: number;
    /** The colour serving production now (after an odd number of blue/green releases, green). */
    primary: Colour;
}

export interface BlueGreenLoadBalancerArgs {
    stack: string;
    /** Names this load balancer: `shared`, or the service that owns a dedicated one. */
    group: string;
    vpcId: pulumi.Input<string>;
    vpcCidr: pulumi.Input<string>;
    /** Public addresses of the VPC's NAT gateways: how tasks inside the VPC reach an internet-facing ALB. */
    natPublicIps: pulumi.Input<string[]>;
    subnetIds: pulumi.Input<string[]>;
    internal: boolean;
    certificateArn?: string;
    sslPolicy: string;
    allowedCidrs: string[];
    testListenerPort: number;
    testListenerCidrs: string[];
    deletionProtection: boolean;
    idleTimeoutSeconds: number;
    services: LoadBalancedService[];
    /**
     * `rules`: services share the listeners through path/host rules.
     * `default-action`: one CODE_DEPLOY service owns the listeners; CodeDeploy re-points their
     * default action, as its documented setup requires.
     */
    routing: "rules" | "default-action";
}

export interface ServiceTargets {
    blue: aws.lb.TargetGroup;
    green: aws.lb.TargetGroup;
    /** Listener rules forwarding to blue (absent when the service owns the default action). */
    productionRule?: aws.lb.ListenerRule;
    testRule?: aws.lb.ListenerRule;
}

/**
 * An ALB with a production listener (80, or 443 with an HTTP→HTTPS redirect on 80), a test
 * listener reachable only from the VPC and the configured CIDRs, and for every service a blue
 * and a green target group, production and test traffic forwarded to blue.
 */
export class BlueGreenLoadBalancer extends pulumi.ComponentResource {
    public readonly loadBalancer: aws.lb.LoadBalancer;
    public readonly securityGroup: aws.ec2.SecurityGroup;
    /** The production listener: port 443 with a certificate, else 80. */
    public readonly productionListener: aws.lb.Listener;
    /** Port 80: production over HTTP, or the redirect to HTTPS. One resource per port, so turning HTTPS on or off never creates a second listener on a port in use. */
    public readonly httpListener: aws.lb.Listener;
    public readonly httpsListener?: aws.lb.Listener;
    public readonly testListener: aws.lb.Listener;
    public readonly targets: Record<string, ServiceTargets>;
    public readonly dnsName: pulumi.Output<string>;
    public readonly arnSuffix: pulumi.Output<string>;
    public readonly url: pulumi.Output<string>;
    public readonly testUrl: pulumi.Output<string>;

    constructor(name: string, args: BlueGreenLoadBalancerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("safe-ecs:index:BlueGreenLoadBalancer", name, {}, opts);
        const parent = { parent: this };
        const https = args.certificateArn !== undefined;
        const productionPort = https ? 443 : 80;
        const anyNativeBlueGreen = args.services.some((s) => s.config.deployment.mode === "bluegreen");
        const ingress = pulumi.all([args.vpcCidr, args.natPublicIps]).apply(([vpcCidr, natPublicIps]) => {
            const testSources = testListenerSources({ internal: args.internal, vpcCidr, natPublicIps, testListenerCidrs: args.testListenerCidrs });
            return [
                ...(https ? [{ protocol: "tcp", fromPort: 80, toPort: 80, cidrBlocks: args.allowedCidrs, description: "HTTP, redirected to HTTPS" }] : []),
                { protocol: "tcp", fromPort: productionPort, toPort: productionPort, cidrBlocks: args.allowedCidrs, description: "production listener" },
                // A rule without sources is refused by AWS: no test listener access at all then.
                ...(testSources.length > 0
                    ? [{ protocol: "tcp", fromPort: args.testListenerPort, toPort: args.testListenerPort, cidrBlocks: testSources, description: "test listener" }]
                    : []),
            ];
        });

        this.securityGroup = new aws.ec2.SecurityGroup(
            `${name}-alb`,
            {
                vpcId: args.vpcId,
                description: `ALB ${args.group}: production from allowed CIDRs, test listener from the VPC and allowed test CIDRs`,
                ingress,
                egress: [{ protocol: "tcp", fromPort: 0, toPort: 65535, cidrBlocks: [args.vpcCidr], description: "to targets in the VPC" }],
            },
            parent,
        );

        this.loadBalancer = new aws.lb.LoadBalancer(
            name,
            {
                name: loadBalancerName(args.stack, args.group),
                loadBalancerType: "application",
                internal: args.internal,
                securityGroups: [this.securityGroup.id],
                subnets: args.subnetIds,
                enableDeletionProtection: args.deletionProtection,
                idleTimeout: args.idleTimeoutSeconds,
                dropInvalidHeaderFields: true,
            },
            parent,
        );

        this.targets = {};
        for (const { config: svc } of args.services) {
            const tg = (colour: Colour) =>
                new aws.lb.TargetGroup(
                    `${svc.name}-${colour}`,
                    {
                        name: targetGroupNames(args.stack, svc)[colour],
                        port: svc.containerPort,
                        protocol: "HTTP",
                        targetType: "ip",
                        vpcId: args.vpcId,
                        deregistrationDelay: svc.deregistrationDelaySeconds,
                        healthCheck: {
                            enabled: true,
                            path: svc.healthCheck.path,
                            protocol: "HTTP",
                            port: "traffic-port",
                            interval: svc.healthCheck.intervalSeconds,
                            timeout: svc.healthCheck.timeoutSeconds,
                            healthyThreshold: svc.healthCheck.healthyThreshold,
                            unhealthyThreshold: svc.healthCheck.unhealthyThreshold,
                            matcher: svc.healthCheck.matcher,
                        },
                        tags: { service: svc.name, colour },
                    },
                    parent,
                );
            this.targets[svc.name] = { blue: tg("blue"), green: tg("green") };
        }

        const owner = args.routing === "default-action" ? args.services[0] : undefined;
        if (owner && args.services.length !== 1) throw new Error(`BlueGreenLoadBalancer ${name}: a default-action load balancer serves exactly one service`);
        // CodeDeploy re-points the owner's listeners during a release; between releases they forward
        // to the colour serving production, which is what is declared (the program refuses to run
        // while a release is in progress, see components/liveState.ts).
        const defaultAction: aws.types.input.lb.ListenerDefaultAction =
            owner
                ? { type: "forward", targetGroupArn: this.targets[owner.config.name][owner.primary].arn }
                : anyNativeBlueGreen
                  ? // ECS native blue/green fails on listeners that mix forward and non-forward actions.
                    { type: "forward", targetGroupArn: this.unroutedTargetGroup(name, args).arn }
                  : { type: "fixed-response", fixedResponse: { contentType: "text/plain", statusCode: "404", messageBody: "no service here" } };
        const listenerOpts = (oldName: string | undefined): pulumi.CustomResourceOptions => ({
            parent: this,
            // Earlier versions named listeners by role; the alias keeps the same listener.
            aliases: oldName ? [{ name: oldName }] : [],
        });

        this.httpListener = new aws.lb.Listener(
            `${name}-http`,
            {
                loadBalancerArn: this.loadBalancer.arn,
                port: 80,
                protocol: "HTTP",
                defaultActions: https ? [{ type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } }] : [defaultAction],
            },
            https ? { parent: this, aliases: [{ name: `${name}-http-redirect` }] } : listenerOpts(`${name}-production`),
        );
        if (https) {
            this.httpsListener = new aws.lb.Listener(
                `${name}-https`,
                {
                    loadBalancerArn: this.loadBalancer.arn,
                    port: 443,
                    protocol: "HTTPS",
                    certificateArn: args.certificateArn,
                    sslPolicy: args.sslPolicy,
                    defaultActions: [defaultAction],
                },
                listenerOpts(`${name}-production`),
            );
        }
        this.productionListener = this.httpsListener ?? this.httpListener;
        this.testListener = new aws.lb.Listener(
            `${name}-test`,
            {
                loadBalancerArn: this.loadBalancer.arn,
                port: args.testListenerPort,
                // Test traffic stays on the same protocol as production so the green tasks see the same requests.
                protocol: https ? "HTTPS" : "HTTP",
                certificateArn: args.certificateArn,
                sslPolicy: https ? args.sslPolicy : undefined,
                defaultActions: [defaultAction],
            },
            listenerOpts(undefined),
        );

        if (!owner) {
            for (const { config: svc, index, primary } of args.services) {
                const targets = this.targets[svc.name];
                const rule = (listener: aws.lb.Listener, kind: string) =>
                    new aws.lb.ListenerRule(
                        `${svc.name}-${kind}`,
                        {
                            listenerArn: listener.arn,
                            priority: svc.routing.priority ?? defaultPriority(index),
                            conditions: ruleConditions(svc),
                            // ECS native blue/green moves this forward between colours; a rule created
                            // now (a new service, or rules moving to the HTTPS listener) starts on the live one.
                            actions: [{ type: "forward", targetGroupArn: targets[primary].arn }],
                            tags: { service: svc.name },
                        },
                        { parent: this, ignoreChanges: ignoredProperties(svc.deployment.mode).listenerRule },
                    );
                targets.productionRule = rule(this.productionListener, "production");
                targets.testRule = rule(this.testListener, "test");
            }
        }

        const scheme = https ? "https" : "http";
        this.dnsName = this.loadBalancer.dnsName;
        this.arnSuffix = this.loadBalancer.arnSuffix;
        this.url = pulumi.interpolate`${scheme}://${this.loadBalancer.dnsName}`;
        this.testUrl = pulumi.interpolate`${scheme}://${this.loadBalancer.dnsName}:${args.testListenerPort}`;
        this.registerOutputs({ dnsName: this.dnsName, url: this.url, testUrl: this.testUrl });
    }

    /** An empty target group for requests no rule matches (answers 503), so every action forwards. */
    private unroutedTargetGroup(name: string, args: BlueGreenLoadBalancerArgs): aws.lb.TargetGroup {
        return new aws.lb.TargetGroup(
            `${name}-unrouted`,
            {
                name: targetGroupName(args.stack, `${args.group}-unrouted`, "blue", "80/HTTP"),
                port: 80,
                protocol: "HTTP",
                targetType: "ip",
                vpcId: args.vpcId,
                healthCheck: { enabled: true, path: "/health", protocol: "HTTP", matcher: "200" },
            },
            { parent: this },
        );
    }
}

export function ruleConditions(svc: WebServiceConfig): aws.types.input.lb.ListenerRuleCondition[] {
    const conditions: aws.types.input.lb.ListenerRuleCondition[] = [];
    const paths = effectivePathPatterns(svc.routing);
    if (paths) conditions.push({ pathPattern: { values: paths } });
    if (svc.routing.hostHeaders) conditions.push({ hostHeader: { values: svc.routing.hostHeaders } });
    return conditions;
}
