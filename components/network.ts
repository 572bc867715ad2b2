import * as aws from "@pulumi/aws";
import * as awsx from "@pulumi/awsx";
import * as pulumi from "@pulumi/pulumi";

export type NatGatewayMode = "none" | "single" | "one-per-az";

export interface NetworkArgs {
    /** Use this VPC and these subnets instead of creating a VPC. */
    existing?: { vpcId: string; publicSubnetIds: string[]; privateSubnetIds: string[] };
    cidrBlock: string;
    availabilityZones: number;
    natGateways: NatGatewayMode;
}

const NAT_STRATEGY: Record<NatGatewayMode, awsx.types.enums.ec2.NatGatewayStrategy> = {
    none: "None",
    single: "Single",
    "one-per-az": "OnePerAz",
};

/** The VPC the stack runs in: created with awsx, or an existing one. */
export class Network extends pulumi.ComponentResource {
    public readonly vpcId: pulumi.Output<string>;
    public readonly vpcCidr: pulumi.Output<string>;
    public readonly publicSubnetIds: pulumi.Output<string[]>;
    /** Where tasks run: private subnets, or public ones when there is no NAT to reach registries. */
    public readonly taskSubnetIds: pulumi.Output<string[]>;
    public readonly assignPublicIp: boolean;

    constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
        super("safe-ecs:index:Network", name, {}, opts);

        if (args.existing) {
            const existing = args.existing;
            this.vpcId = pulumi.output(existing.vpcId);
            this.vpcCidr = aws.ec2.getVpcOutput({ id: existing.vpcId }, { parent: this }).cidrBlock;
            this.publicSubnetIds = pulumi.output(existing.publicSubnetIds);
            this.taskSubnetIds = pulumi.output(existing.privateSubnetIds);
            this.assignPublicIp = false;
        } else {
            const vpc = new awsx.ec2.Vpc(
                `${name}-vpc`,
                {
                    cidrBlock: args.cidrBlock,
                    numberOfAvailabilityZones: args.availabilityZones,
                    natGateways: { strategy: NAT_STRATEGY[args.natGateways] },
                    subnetStrategy: "Auto",
                    enableDnsHostnames: true,
                },
                { parent: this },
            );
            this.vpcId = vpc.vpcId;
            this.vpcCidr = pulumi.output(args.cidrBlock);
            this.publicSubnetIds = vpc.publicSubnetIds;
            // Without NAT, private subnets cannot pull images: tasks run in public subnets with a public IP.
            this.assignPublicIp = args.natGateways === "none";
            this.taskSubnetIds = this.assignPublicIp ? vpc.publicSubnetIds : vpc.privateSubnetIds;
        }

        this.registerOutputs({
            vpcId: this.vpcId,
            vpcCidr: this.vpcCidr,
            publicSubnetIds: this.publicSubnetIds,
            taskSubnetIds: this.taskSubnetIds,
        });
    }
}
