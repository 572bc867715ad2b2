import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export interface CapacityProviderStrategy {
    capacityProvider: "FARGATE" | "FARGATE_SPOT";
    weight: number;
    base: number;
}

export interface EcsClusterArgs {
    name: string;
    containerInsights: boolean;
    fargate: { weight: number; base: number };
    fargateSpot: { weight: number };
}

/** The ECS cluster and its Fargate capacity-provider strategy. */
export class EcsCluster extends pulumi.ComponentResource {
    public readonly cluster: aws.ecs.Cluster;
    public readonly name: pulumi.Output<string>;
    public readonly arn: pulumi.Output<string>;
    /** Services depend on it: created without the default strategy in place, they would fail. */
    public readonly capacityProviders: aws.ecs.ClusterCapacityProviders;
    /**
     * The strategy, for services to declare too: a service that inherits the cluster default has
     * it filled in by AWS, and the next refresh then fails on the diff (pulumi/pulumi-aws#5903).
     */
    public readonly strategies: CapacityProviderStrategy[];

    constructor(name: string, args: EcsClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("safe-ecs:index:EcsCluster", name, {}, opts);

        this.cluster = new aws.ecs.Cluster(
            name,
            {
                name: args.name,
                settings: [{ name: "containerInsights", value: args.containerInsights ? "enabled" : "disabled" }],
            },
            { parent: this },
        );

        const strategies: CapacityProviderStrategy[] = [
            { capacityProvider: "FARGATE" as const, weight: args.fargate.weight, base: args.fargate.base },
            { capacityProvider: "FARGATE_SPOT" as const, weight: args.fargateSpot.weight, base: 0 },
        ].filter((s) => s.weight > 0 || s.base > 0);
        this.strategies = strategies;

        this.capacityProviders = new aws.ecs.ClusterCapacityProviders(
            name,
            {
                clusterName: this.cluster.name,
                capacityProviders: ["FARGATE", "FARGATE_SPOT"],
                defaultCapacityProviderStrategies: strategies,
            },
            { parent: this },
        );

        this.name = this.cluster.name;
        this.arn = this.cluster.arn;
        this.registerOutputs({ name: this.name, arn: this.arn });
    }
}
