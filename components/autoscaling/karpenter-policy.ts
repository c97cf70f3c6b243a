// The Karpenter controller's IAM policy as plain data, after Karpenter's own reference policy for v1.14
// (aws/karpenter-provider-aws, website/content/en/v1.14/getting-started/getting-started-with-karpenter/cloudformation.yaml
// at c88abbbad455186e69e30296c595e474123e9bc1). tests/autoscaling/karpenter-policy.test.ts compares the two statement by statement;
// every difference is listed in `differencesFromReference` and commented where it is made.
import { AwsContext, PolicyDocument, PolicyStatement } from "../iam-documents";

export interface KarpenterPolicyArgs {
    /** The EKS cluster's name: Karpenter tags what it launches with it, and the policy only reaches what carries it. */
    clusterName: string;
    /** The only role Karpenter may hand to the instances it launches. */
    nodeRoleArn: string;
    interruptionQueueArn: string;
    /** The customer-managed key the EC2NodeClass encrypts root volumes with. */
    volumeKeyArn: string;
}

/** Reference statements (by Sid) this policy leaves out or changes on purpose, and why. */
export const differencesFromReference = {
    omitted: {
        // The program creates the nodes' instance profile and the EC2NodeClass names it (spec.instanceProfile), so the
        // controller never creates, tags, fills or deletes one: no IAM write at all, and nothing left behind on destroy.
        AllowScopedInstanceProfileCreationActions: "the program owns the instance profile",
        AllowScopedInstanceProfileTagActions: "the program owns the instance profile",
        AllowScopedInstanceProfileActions: "the program owns the instance profile",
        // Zonal shift awareness (settings.enableZonalShift) is off, so the controller never asks.
        AllowZonalShiftStatusReadOnly: "zonal shift awareness is off",
    },
    added: {
        // The reference relies on EBS default encryption; here root volumes use the project's key, and whoever launches
        // an instance with a customer-managed key must be allowed to use it through EC2 (Karpenter troubleshooting,
        // "Node terminates before ready on failed encrypted EBS volume").
        AllowNodeVolumeKeyThroughEc2: "root volumes are encrypted with the project's key",
    },
    // Where the reference leaves the account open (`:*:`) to allow resources shared from other accounts, this policy
    // names this account: nothing here is shared across accounts.
    accountScoped: [
        "AllowScopedEC2InstanceAccessActions",
        "AllowScopedEC2LaunchTemplateAccessActions",
        "AllowScopedEC2InstanceActionsWithTags",
        "AllowScopedResourceCreationTagging",
        "AllowScopedResourceTagging",
        "AllowScopedDeletion",
    ],
} as const;

export function karpenterControllerPolicy(ctx: AwsContext, args: KarpenterPolicyArgs): PolicyDocument {
    const { partition, region, accountId } = ctx;
    const ec2 = (type: string) => `arn:${partition}:ec2:${region}:${accountId}:${type}/*`;
    const ownedByCluster = { [`aws:ResourceTag/kubernetes.io/cluster/${args.clusterName}`]: "owned" };
    const launchedByNodePool = { "aws:ResourceTag/karpenter.sh/nodepool": "*" };
    const requestTagsOfCluster = {
        [`aws:RequestTag/kubernetes.io/cluster/${args.clusterName}`]: "owned",
        "aws:RequestTag/eks:eks-cluster-name": args.clusterName,
    };
    const requestedForNodePool = { "aws:RequestTag/karpenter.sh/nodepool": "*" };
    const launchedResources = ["fleet", "instance", "volume", "network-interface", "launch-template", "spot-instances-request"].map(ec2);
    const launchActions = ["ec2:RunInstances", "ec2:CreateFleet"];

    const statements: PolicyStatement[] = [
        // Node lifecycle: launch into this cluster's subnets and security groups, from Amazon's images.
        {
            Sid: "AllowScopedEC2InstanceAccessActions",
            Effect: "Allow",
            Resource: [
                `arn:${partition}:ec2:${region}::image/*`,
                `arn:${partition}:ec2:${region}::snapshot/*`,
                ...["security-group", "subnet", "capacity-reservation", "placement-group"].map(ec2),
            ],
            Action: launchActions,
        },
        {
            Sid: "AllowScopedEC2LaunchTemplateAccessActions",
            Effect: "Allow",
            Resource: ec2("launch-template"),
            Action: launchActions,
            Condition: { StringEquals: ownedByCluster, StringLike: launchedByNodePool },
        },
        // What Karpenter creates must carry this cluster's tags, which every later statement requires.
        {
            Sid: "AllowScopedEC2InstanceActionsWithTags",
            Effect: "Allow",
            Resource: launchedResources,
            Action: [...launchActions, "ec2:CreateLaunchTemplate"],
            Condition: { StringEquals: requestTagsOfCluster, StringLike: requestedForNodePool },
        },
        {
            Sid: "AllowScopedResourceCreationTagging",
            Effect: "Allow",
            Resource: launchedResources,
            Action: "ec2:CreateTags",
            Condition: {
                StringEquals: { ...requestTagsOfCluster, "ec2:CreateAction": ["RunInstances", "CreateFleet", "CreateLaunchTemplate"] },
                StringLike: requestedForNodePool,
            },
        },
        {
            Sid: "AllowScopedResourceTagging",
            Effect: "Allow",
            Resource: ec2("instance"),
            Action: "ec2:CreateTags",
            Condition: {
                StringEquals: ownedByCluster,
                StringLike: launchedByNodePool,
                StringEqualsIfExists: { "aws:RequestTag/eks:eks-cluster-name": args.clusterName },
                "ForAllValues:StringEquals": { "aws:TagKeys": ["eks:eks-cluster-name", "karpenter.sh/nodeclaim", "Name"] },
            },
        },
        {
            Sid: "AllowScopedDeletion",
            Effect: "Allow",
            Resource: [ec2("instance"), ec2("launch-template")],
            Action: ["ec2:TerminateInstances", "ec2:DeleteLaunchTemplate"],
            Condition: { StringEquals: ownedByCluster, StringLike: launchedByNodePool },
        },
        // IAM integration: only the Karpenter node role, only to EC2.
        {
            Sid: "AllowPassingInstanceRole",
            Effect: "Allow",
            Resource: args.nodeRoleArn,
            Action: "iam:PassRole",
            Condition: { StringEquals: { "iam:PassedToService": ["ec2.amazonaws.com", "ec2.amazonaws.com.cn"] } },
        },
        // EKS integration: the API endpoint and CA of this cluster only.
        {
            Sid: "AllowAPIServerEndpointDiscovery",
            Effect: "Allow",
            Resource: `arn:${partition}:eks:${region}:${accountId}:cluster/${args.clusterName}`,
            Action: "eks:DescribeCluster",
        },
        // Interruption: read and acknowledge this cluster's queue.
        {
            Sid: "AllowInterruptionQueueActions",
            Effect: "Allow",
            Resource: args.interruptionQueueArn,
            Action: ["sqs:DeleteMessage", "sqs:GetQueueUrl", "sqs:ReceiveMessage"],
        },
        {
            Sid: "AllowNodeVolumeKeyThroughEc2",
            Effect: "Allow",
            Resource: args.volumeKeyArn,
            Action: [
                "kms:CreateGrant",
                "kms:Decrypt",
                "kms:DescribeKey",
                "kms:GenerateDataKeyWithoutPlaintext",
                "kms:ReEncryptFrom",
                "kms:ReEncryptTo",
            ],
            // Only as EC2 uses it for the volumes of instances being launched, never directly.
            Condition: { StringEquals: { "kms:ViaService": `ec2.${region}.amazonaws.com` } },
        },
        // Resource discovery. These Describe calls, pricing and ListInstanceProfiles have no resource-level
        // permissions, hence Resource "*"; the Describe calls are held to this region.
        {
            Sid: "AllowRegionalReadActions",
            Effect: "Allow",
            Resource: "*",
            Action: [
                "ec2:DescribeCapacityReservations",
                "ec2:DescribeImages",
                "ec2:DescribeInstances",
                "ec2:DescribeInstanceStatus",
                "ec2:DescribeInstanceTypeOfferings",
                "ec2:DescribeInstanceTypes",
                "ec2:DescribeLaunchTemplates",
                "ec2:DescribePlacementGroups",
                "ec2:DescribeSecurityGroups",
                "ec2:DescribeSpotPriceHistory",
                "ec2:DescribeSubnets",
            ],
            Condition: { StringEquals: { "aws:RequestedRegion": region } },
        },
        // The AMI alias resolves through Amazon's public SSM parameters.
        {
            Sid: "AllowSSMReadActions",
            Effect: "Allow",
            Resource: `arn:${partition}:ssm:${region}::parameter/aws/service/*`,
            Action: "ssm:GetParameter",
        },
        { Sid: "AllowPricingReadActions", Effect: "Allow", Resource: "*", Action: "pricing:GetProducts" },
        { Sid: "AllowUnscopedInstanceProfileListAction", Effect: "Allow", Resource: "*", Action: "iam:ListInstanceProfiles" },
        {
            Sid: "AllowInstanceProfileReadActions",
            Effect: "Allow",
            Resource: `arn:${partition}:iam::${accountId}:instance-profile/*`,
            Action: "iam:GetInstanceProfile",
        },
    ];
    return { Version: "2012-10-17", Statement: statements };
}
