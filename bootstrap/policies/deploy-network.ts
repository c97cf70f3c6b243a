// A deploy role's network policy: the program's VPC (awsx.ec2.Vpc: VPC, subnets, route tables, routes, internet and
// NAT gateways, Elastic IPs) and its node launch template, for one environment. Every write is conditioned on the
// default tags the program's AWS provider sets (project, environment): created with them, or already carrying them.
// The provider tags on create (TagSpecifications), so creating needs ec2:CreateTags for the same request tags.
import { DeliveryContext, DeliveryEnvironment, document, PolicyDocument, regional, requestTags, resourceTags } from "./context";

/** What the AWS provider reads to plan and refresh these resources; EC2 Describe calls take no resource ARN. */
export const networkReadActions = [
    "ec2:DescribeAddresses",
    "ec2:DescribeAddressesAttribute",
    "ec2:DescribeAvailabilityZones",
    "ec2:DescribeInternetGateways",
    "ec2:DescribeLaunchTemplates",
    "ec2:DescribeLaunchTemplateVersions",
    "ec2:DescribeNatGateways",
    "ec2:DescribeNetworkAcls",
    "ec2:DescribeRouteTables",
    "ec2:DescribeSecurityGroups",
    "ec2:DescribeSubnets",
    "ec2:DescribeTags",
    "ec2:DescribeVpcAttribute",
    "ec2:DescribeVpcs",
];

/** Creates, and the resource types they make (Service Authorization Reference, Amazon EC2). */
const creates: Record<string, string> = {
    "ec2:CreateVpc": "vpc",
    "ec2:CreateSubnet": "subnet",
    "ec2:CreateRouteTable": "route-table",
    "ec2:CreateInternetGateway": "internet-gateway",
    "ec2:CreateNatGateway": "natgateway",
    "ec2:AllocateAddress": "elastic-ip",
    "ec2:CreateLaunchTemplate": "launch-template",
};

/** Changes to resources that carry the environment's tags (and creates, for the existing resources they name). */
const changes = [
    ...Object.keys(creates).filter((action) => action !== "ec2:AllocateAddress"),
    "ec2:ModifyVpcAttribute",
    "ec2:DeleteVpc",
    "ec2:ModifySubnetAttribute",
    "ec2:DeleteSubnet",
    "ec2:DeleteRouteTable",
    "ec2:CreateRoute",
    "ec2:ReplaceRoute",
    "ec2:DeleteRoute",
    "ec2:AssociateRouteTable",
    "ec2:DisassociateRouteTable",
    "ec2:ReplaceRouteTableAssociation",
    "ec2:AttachInternetGateway",
    "ec2:DetachInternetGateway",
    "ec2:DeleteInternetGateway",
    "ec2:DeleteNatGateway",
    "ec2:ReleaseAddress",
    "ec2:CreateLaunchTemplateVersion",
    "ec2:ModifyLaunchTemplate",
    "ec2:DeleteLaunchTemplate",
    "ec2:DeleteLaunchTemplateVersions",
    "ec2:CreateTags",
    "ec2:DeleteTags",
];

export function deployNetworkPolicy(ctx: DeliveryContext, environment: DeliveryEnvironment): PolicyDocument {
    const ec2 = (resource: string) => regional(ctx, "ec2", resource);
    const created = [...new Set(Object.values(creates))].map((type) => ec2(`${type}/*`));
    return document(
        { Sid: "ReadNetwork", Effect: "Allow", Action: networkReadActions, Resource: "*" },
        // One statement per create, so each action creates only its own type: the VPC a subnet goes into, say, must
        // already carry the environment's tags (ChangeTaggedNetwork).
        ...Object.entries(creates).map(([action, type]) => ({
            Sid: `Tagged${action.slice(4)}`,
            Effect: "Allow" as const,
            Action: action,
            Resource: ec2(`${type}/*`),
            Condition: { StringEquals: requestTags(environment) },
        })),
        {
            Sid: "TagWhileCreating",
            Effect: "Allow",
            Action: "ec2:CreateTags",
            Resource: created,
            Condition: { StringEquals: { "ec2:CreateAction": Object.keys(creates).map((action) => action.slice(4)), ...requestTags(environment) } },
        },
        { Sid: "ChangeTaggedNetwork", Effect: "Allow", Action: changes, Resource: ec2("*"), Condition: { StringEquals: resourceTags(environment) } },
        {
            // EKS checks that whoever creates a node group may launch instances from its launch template: only from
            // one of this environment's templates (the other resources are named by the template).
            Sid: "LaunchFromTaggedTemplates",
            Effect: "Allow",
            Action: "ec2:RunInstances",
            Resource: ec2("launch-template/*"),
            Condition: { StringEquals: resourceTags(environment) },
        },
        {
            Sid: "LaunchOnlyFromTemplates",
            Effect: "Allow",
            Action: "ec2:RunInstances",
            Resource: [ec2("instance/*"), ec2("volume/*"), `arn:${ctx.partition}:ec2:${ctx.region}::image/*`],
            Condition: { ArnLike: { "ec2:LaunchTemplate": ec2("launch-template/*") } },
        },
        {
            // Only into this environment's subnets and security groups (EKS's cluster security group carries the
            // tags too: components/cluster), so a staging template cannot put a host in production's network.
            Sid: "LaunchIntoTaggedNetwork",
            Effect: "Allow",
            Action: "ec2:RunInstances",
            Resource: [ec2("subnet/*"), ec2("security-group/*")],
            Condition: { ArnLike: { "ec2:LaunchTemplate": ec2("launch-template/*") }, StringEquals: resourceTags(environment) },
        },
        {
            // The interface RunInstances creates has no tags yet; an existing one it is given must be this environment's.
            Sid: "LaunchWithOwnInterfaces",
            Effect: "Allow",
            Action: "ec2:RunInstances",
            Resource: ec2("network-interface/*"),
            Condition: { ArnLike: { "ec2:LaunchTemplate": ec2("launch-template/*") }, StringEqualsIfExists: resourceTags(environment) },
        },
    );
}
