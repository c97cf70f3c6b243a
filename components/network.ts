import * as awsx from "@pulumi/awsx";
import * as pulumi from "@pulumi/pulumi";
import { NatGatewayStrategy } from "../stacks/profiles";

export interface NetworkArgs {
    /** The VPC's IPv4 range (/16 to /20), split evenly between AZs. */
    cidrBlock: string;
    /** AZs to spread subnets, nodes and NAT over (2 to 6). */
    availabilityZoneCount: number;
    natGateways: NatGatewayStrategy;
    /** Tags the private subnets `karpenter.sh/discovery: <this>` (the cluster's name): where Karpenter launches nodes. */
    karpenterDiscoveryName: string;
}

/**
 * Subnet sizes for a VPC split evenly across AZs: a large private subnet per AZ for nodes and pods
 * (the VPC CNI gives every pod a VPC address) and a small public one per AZ for load balancers and NAT.
 */
export function subnetMasks(cidrBlock: string, availabilityZoneCount: number): { privateMask: number; publicMask: number } {
    const vpcPrefix = Number(cidrBlock.split("/")[1]);
    const perAzPrefix = vpcPrefix + Math.ceil(Math.log2(availabilityZoneCount));
    return { privateMask: perAzPrefix + 1, publicMask: perAzPrefix + 4 };
}

/** A VPC with nodes in private subnets and internet-facing load balancers in public ones. */
export class Network extends pulumi.ComponentResource {
    readonly vpcId: pulumi.Output<string>;
    readonly privateSubnetIds: pulumi.Output<string[]>;
    readonly publicSubnetIds: pulumi.Output<string[]>;

    constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
        super("eks-app:platform:Network", name, {}, opts);
        const { privateMask, publicMask } = subnetMasks(args.cidrBlock, args.availabilityZoneCount);

        const vpc = new awsx.ec2.Vpc(
            name,
            {
                cidrBlock: args.cidrBlock,
                numberOfAvailabilityZones: args.availabilityZoneCount,
                enableDnsHostnames: true,
                enableDnsSupport: true,
                subnetStrategy: "Auto",
                subnetSpecs: [
                    // The role tags are how Kubernetes Services of type LoadBalancer find their subnets.
                    {
                        type: "Private",
                        cidrMask: privateMask,
                        tags: { "kubernetes.io/role/internal-elb": "1", "karpenter.sh/discovery": args.karpenterDiscoveryName },
                    },
                    { type: "Public", cidrMask: publicMask, tags: { "kubernetes.io/role/elb": "1" } },
                ],
                natGateways: { strategy: args.natGateways === "single" ? "Single" : "OnePerAz" },
            },
            { parent: this },
        );

        this.vpcId = vpc.vpcId;
        this.privateSubnetIds = vpc.privateSubnetIds;
        this.publicSubnetIds = vpc.publicSubnetIds;
        this.registerOutputs({ vpcId: this.vpcId, privateSubnetIds: this.privateSubnetIds, publicSubnetIds: this.publicSubnetIds });
    }
}
