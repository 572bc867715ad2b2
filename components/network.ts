import * as aws from "@pulumi/aws";
// The ec2 module only: the package root also loads awsx.classic (an AWS SDK among it), which
// cost every preview and up about 0.1 s.
import type * as awsx from "@pulumi/awsx";
import { Vpc } from "@pulumi/awsx/ec2";
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
    /** Public addresses of the NAT gateways (empty without NAT, unknown for an existing VPC). */
    public readonly natPublicIps: pulumi.Output<string[]>;

    constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
        super("safe-ecs:index:Network", name, {}, opts);

        if (args.existing) {
            const existing = args.existing;
            this.vpcId = pulumi.output(existing.vpcId);
            this.vpcCidr = aws.ec2.getVpcOutput({ id: existing.vpcId }, { parent: this }).cidrBlock;
            this.publicSubnetIds = pulumi.output(existing.publicSubnetIds);
            this.taskSubnetIds = pulumi.output(existing.privateSubnetIds);
            this.assignPublicIp = false;
            this.natPublicIps = pulumi.output([]);
        } else {
            // Our own Elastic IPs for the NAT gateways, so their addresses are known here (the test
            // listener admits them) and survive a replacement of the gateways.
            const natCount = args.natGateways === "none" ? 0 : args.natGateways === "single" ? 1 : args.availabilityZones;
            const eips = Array.from(
                { length: natCount },
                (_, i) => new aws.ec2.Eip(`${name}-nat-${i + 1}`, { domain: "vpc", tags: { Name: `${name}-nat-${i + 1}` } }, { parent: this }),
            );
            const vpc = new Vpc(
                `${name}-vpc`,
                {
                    cidrBlock: args.cidrBlock,
                    numberOfAvailabilityZones: args.availabilityZones,
                    natGateways: {
                        strategy: NAT_STRATEGY[args.natGateways],
                        ...(eips.length > 0 ? { elasticIpAllocationIds: eips.map((e) => e.allocationId) } : {}),
                    },
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
            this.natPublicIps = pulumi.all(eips.map((e) => e.publicIp));
        }

        this.registerOutputs({
            vpcId: this.vpcId,
            vpcCidr: this.vpcCidr,
            publicSubnetIds: this.publicSubnetIds,
            taskSubnetIds: this.taskSubnetIds,
            natPublicIps: this.natPublicIps,
        });
    }
}
