// What a deploy role is asked for when `pulumi up` and `pulumi destroy` create, update and delete each AWS resource
// type the program uses: the API calls the AWS provider (terraform-provider-aws, internal/service/<service>/<type>.go)
// makes, as IAM authorizes them: one request per resource the Service Authorization Reference lists for the action
// (docs.aws.amazon.com/service-authorization/latest/reference/list_amazonec2.html, list_amazoneks.html,
// list_awskeymanagementservice.html, list_awsidentityandaccessmanagementiam.html, list_amazonelasticcontainerregistry.html,
// list_amazoncloudwatchlogs.html), with the condition keys the request carries: the tags the program's provider adds
// to everything it creates (index.ts: project, environment) and the permissions boundary the program sets on roles.
import type { DeliveryEnvironment } from "../../bootstrap/policies";
import { programIamPath } from "../../stacks/naming";
import type { Request } from "./iam-evaluator";

export interface CallContext {
    environment: DeliveryEnvironment;
    /** dev / prod: the program's roles and instance profiles live under /eks-app/<stack>/. */
    stack: string;
    /** eks-app-dev / eks-app-prod: the cluster, repository and log group. */
    name: string;
    accountId: string;
    region: string;
    programBoundaryArn: string;
    deployRoleArn: string;
}

type Calls = (c: CallContext) => Request[];

const arn = (c: CallContext, service: string, resource: string) => `arn:aws:${service}:${c.region}:${c.accountId}:${resource}`;
const tagsOf = (c: CallContext, kind: "RequestTag" | "ResourceTag") => ({ [`aws:${kind}/project`]: "eks-app", [`aws:${kind}/environment`]: c.environment });
const creating = (c: CallContext) => tagsOf(c, "RequestTag");
const existing = (c: CallContext) => tagsOf(c, "ResourceTag");

// EC2: a create names the new resource (request tags) and the existing ones it goes into (their resource tags).
const ec2 = (c: CallContext, type: string, id: string) => arn(c, "ec2", `${type}/${id}`);
const ec2Create = (c: CallContext, action: string, type: string, into: [string, string][] = []): Request[] => [
    { action: `ec2:${action}`, resource: ec2(c, type, "*"), context: creating(c) },
    { action: "ec2:CreateTags", resource: ec2(c, type, "*"), context: { ...creating(c), "ec2:CreateAction": action } },
    ...into.map(([intoType, id]) => ({ action: `ec2:${action}`, resource: ec2(c, intoType, id), context: { ...creating(c), ...existing(c) } })),
];
const ec2Change = (c: CallContext, actions: string[], resources: [string, string][]): Request[] =>
    actions.flatMap((action) => resources.map(([type, id]) => ({ action: `ec2:${action}`, resource: ec2(c, type, id), context: existing(c) })));
const reads = (actions: string[], resource = "*"): Request[] => actions.map((action) => ({ action, resource }));
const tagChanges = (c: CallContext, type: string, id: string) => ec2Change(c, ["CreateTags", "DeleteTags"], [[type, id]]);

// EKS authorizes by name (cluster, nodegroup/<cluster>/<group>/<uuid>, addon/…, access-entry/…).
const eks = (c: CallContext, resource: string) => arn(c, "eks", resource);
const eksCalls = (c: CallContext, actions: string[], resources: string[]): Request[] =>
    actions.flatMap((action) => resources.map((resource) => ({ action: `eks:${action}`, resource: eks(c, resource), context: creating(c) })));

const programRole = (c: CallContext, name: string) => `arn:aws:iam::${c.accountId}:role${programIamPath(c.stack)}${name}`;
const passRole = (c: CallContext, role: string, service: string): Request => ({
    action: "iam:PassRole",
    resource: programRole(c, role),
    context: { ...existing(c), "iam:PassedToService": service },
});
const key = (c: CallContext, id: string) => arn(c, "kms", `key/${id}`);
const logGroup = (c: CallContext) => arn(c, "logs", `log-group:/aws/eks/${c.name}/cluster`);
const repository = (c: CallContext, name = c.name) => arn(c, "ecr", `repository/${name}`);

/** Calls per Pulumi resource type, over the resource's create, read, update and delete. */
export const callsByType: Record<string, Calls> = {
    "aws:ec2/vpc:Vpc": (c) => [
        ...ec2Create(c, "CreateVpc", "vpc"),
        ...ec2Change(c, ["ModifyVpcAttribute", "DeleteVpc"], [["vpc", "vpc-1"]]),
        ...tagChanges(c, "vpc", "vpc-1"),
        ...reads(["ec2:DescribeVpcs", "ec2:DescribeVpcAttribute", "ec2:DescribeNetworkAcls", "ec2:DescribeRouteTables", "ec2:DescribeSecurityGroups"]),
    ],
    "aws:ec2/subnet:Subnet": (c) => [
        ...ec2Create(c, "CreateSubnet", "subnet", [["vpc", "vpc-1"]]),
        ...ec2Change(c, ["ModifySubnetAttribute", "DeleteSubnet"], [["subnet", "subnet-1"]]),
        ...tagChanges(c, "subnet", "subnet-1"),
        ...reads(["ec2:DescribeSubnets"]),
    ],
    "aws:ec2/routeTable:RouteTable": (c) => [
        ...ec2Create(c, "CreateRouteTable", "route-table", [["vpc", "vpc-1"]]),
        ...ec2Change(c, ["DeleteRouteTable"], [["route-table", "rtb-1"]]),
        ...tagChanges(c, "route-table", "rtb-1"),
        ...reads(["ec2:DescribeRouteTables"]),
    ],
    "aws:ec2/route:Route": (c) => [...ec2Change(c, ["CreateRoute", "ReplaceRoute", "DeleteRoute"], [["route-table", "rtb-1"]]), ...reads(["ec2:DescribeRouteTables"])],
    "aws:ec2/routeTableAssociation:RouteTableAssociation": (c) => [
        ...ec2Change(c, ["AssociateRouteTable", "ReplaceRouteTableAssociation"], [["route-table", "rtb-1"], ["subnet", "subnet-1"]]),
        ...ec2Change(c, ["DisassociateRouteTable"], [["route-table", "rtb-1"]]),
        ...reads(["ec2:DescribeRouteTables"]),
    ],
    "aws:ec2/internetGateway:InternetGateway": (c) => [
        ...ec2Create(c, "CreateInternetGateway", "internet-gateway"),
        ...ec2Change(c, ["AttachInternetGateway", "DetachInternetGateway"], [["internet-gateway", "igw-1"], ["vpc", "vpc-1"]]),
        ...ec2Change(c, ["DeleteInternetGateway"], [["internet-gateway", "igw-1"]]),
        ...tagChanges(c, "internet-gateway", "igw-1"),
        ...reads(["ec2:DescribeInternetGateways"]),
    ],
    "aws:ec2/eip:Eip": (c) => [
        ...ec2Create(c, "AllocateAddress", "elastic-ip"),
        ...ec2Change(c, ["ReleaseAddress"], [["elastic-ip", "eipalloc-1"]]),
        ...tagChanges(c, "elastic-ip", "eipalloc-1"),
        ...reads(["ec2:DescribeAddresses", "ec2:DescribeAddressesAttribute"]),
    ],
    "aws:ec2/natGateway:NatGateway": (c) => [
        ...ec2Create(c, "CreateNatGateway", "natgateway", [["subnet", "subnet-1"], ["elastic-ip", "eipalloc-1"]]),
        ...ec2Change(c, ["DeleteNatGateway"], [["natgateway", "nat-1"]]),
        ...tagChanges(c, "natgateway", "nat-1"),
        ...reads(["ec2:DescribeNatGateways"]),
    ],
    "aws:ec2/launchTemplate:LaunchTemplate": (c) => [
        ...ec2Create(c, "CreateLaunchTemplate", "launch-template"),
        ...ec2Change(c, ["CreateLaunchTemplateVersion", "ModifyLaunchTemplate", "DeleteLaunchTemplate", "DeleteLaunchTemplateVersions"], [["launch-template", "lt-1"]]),
        ...tagChanges(c, "launch-template", "lt-1"),
        ...reads(["ec2:DescribeLaunchTemplates", "ec2:DescribeLaunchTemplateVersions"]),
    ],
    "aws:eks/cluster:Cluster": (c) => [
        ...eksCalls(c, ["CreateCluster", "DescribeCluster", "UpdateClusterConfig", "UpdateClusterVersion", "DescribeUpdate", "DeleteCluster", "TagResource", "UntagResource", "ListTagsForResource"], [`cluster/${c.name}`]),
        passRole(c, "cluster-cluster-1", "eks.amazonaws.com"),
        // Secrets encryption: EKS describes the key and grants itself its use, on the caller's behalf.
        { action: "kms:DescribeKey", resource: key(c, "secrets"), context: existing(c) },
        { action: "kms:CreateGrant", resource: key(c, "secrets"), context: { ...existing(c), "kms:ViaService": `eks.${c.region}.amazonaws.com`, "kms:GrantIsForAWSResource": "true" } },
        { action: "iam:CreateServiceLinkedRole", resource: `arn:aws:iam::${c.accountId}:role/aws-service-role/eks.amazonaws.com/AWSServiceRoleForAmazonEKS`, context: { "iam:AWSServiceName": "eks.amazonaws.com" } },
        ...reads(["ec2:DescribeSubnets", "ec2:DescribeSecurityGroups", "ec2:DescribeVpcs", "eks:DescribeClusterVersions"]),
    ],
    "aws:eks/nodeGroup:NodeGroup": (c) => [
        ...eksCalls(c, ["CreateNodegroup", "TagResource"], [`cluster/${c.name}`, `nodegroup/${c.name}/nodes/*`]),
        ...eksCalls(c, ["DescribeNodegroup", "UpdateNodegroupConfig", "UpdateNodegroupVersion", "DeleteNodegroup", "UntagResource"], [`nodegroup/${c.name}/nodes/1`]),
        passRole(c, "cluster-node-1", "eks.amazonaws.com"),
        { action: "ec2:RunInstances", resource: ec2(c, "launch-template", "lt-1"), context: existing(c) },
        // The template's instance goes into the node group's subnets with the cluster security group, both tagged
        // with the environment (awsx's subnets by the provider's default tags, the security group by components/cluster).
        ...([["subnet", "subnet-1"], ["security-group", "sg-1"]] as const).map(
            ([type, id]): Request => ({ action: "ec2:RunInstances", resource: ec2(c, type, id), context: { ...existing(c), "ec2:LaunchTemplate": ec2(c, "launch-template", "lt-1") } }),
        ),
        { action: "ec2:RunInstances", resource: ec2(c, "network-interface", "*"), context: { "ec2:LaunchTemplate": ec2(c, "launch-template", "lt-1") } },
        { action: "ec2:RunInstances", resource: ec2(c, "instance", "*"), context: { "ec2:LaunchTemplate": ec2(c, "launch-template", "lt-1") } },
        { action: "iam:CreateServiceLinkedRole", resource: `arn:aws:iam::${c.accountId}:role/aws-service-role/eks-nodegroup.amazonaws.com/AWSServiceRoleForAmazonEKSNodegroup`, context: { "iam:AWSServiceName": "eks-nodegroup.amazonaws.com" } },
        ...reads(["ec2:DescribeLaunchTemplateVersions", "ec2:DescribeSubnets"]),
    ],
    "aws:eks/addon:Addon": (c) => [
        ...eksCalls(c, ["CreateAddon", "TagResource"], [`cluster/${c.name}`, `addon/${c.name}/vpc-cni/*`]),
        ...eksCalls(c, ["DescribeAddon", "UpdateAddon", "DeleteAddon", "UntagResource"], [`addon/${c.name}/vpc-cni/1`]),
        // Pod Identity associations the addon creates for its service account, with the role handed to Pod Identity.
        ...eksCalls(c, ["CreatePodIdentityAssociation", "DescribePodIdentityAssociation", "UpdatePodIdentityAssociation", "DeletePodIdentityAssociation"], [`podidentityassociation/${c.name}/a-1`]),
        passRole(c, "cluster-vpc-cni-1", "pods.eks.amazonaws.com"),
        ...reads(["eks:DescribeAddonVersions"]),
    ],
    "aws:eks/accessEntry:AccessEntry": (c) =>
        eksCalls(c, ["CreateAccessEntry", "DescribeAccessEntry", "UpdateAccessEntry", "DeleteAccessEntry", "TagResource"], [`cluster/${c.name}`, `access-entry/${c.name}/role/${c.accountId}/deployer/1`]),
    "aws:eks/accessPolicyAssociation:AccessPolicyAssociation": (c) =>
        eksCalls(c, ["AssociateAccessPolicy", "ListAssociatedAccessPolicies", "DisassociateAccessPolicy"], [`access-entry/${c.name}/role/${c.accountId}/deployer/1`]),
    "aws:kms/key:Key": (c) => [
        { action: "kms:CreateKey", resource: "*", context: creating(c) },
        // Tags given to CreateKey are a TagResource of a key that has none yet.
        { action: "kms:TagResource", resource: key(c, "new"), context: creating(c) },
        ...["DescribeKey", "GetKeyPolicy", "GetKeyRotationStatus", "ListResourceTags", "EnableKeyRotation", "UpdateKeyDescription", "UntagResource", "ScheduleKeyDeletion"].map(
            (action): Request => ({ action: `kms:${action}`, resource: key(c, "volumes"), context: existing(c) }),
        ),
        { action: "kms:TagResource", resource: key(c, "volumes"), context: { ...existing(c), ...creating(c) } },
    ],
    "aws:cloudwatch/logGroup:LogGroup": (c) => [
        ...["CreateLogGroup", "PutRetentionPolicy", "DeleteRetentionPolicy", "TagResource", "UntagResource", "ListTagsForResource", "DeleteLogGroup"].map(
            (action): Request => ({ action: `logs:${action}`, resource: logGroup(c) }),
        ),
        { action: "logs:DescribeLogGroups", resource: arn(c, "logs", "log-group:*") },
    ],
    "aws:iam/role:Role": (c) => [
        {
            action: "iam:CreateRole",
            resource: programRole(c, "cluster-node-1"),
            context: { ...creating(c), "iam:PermissionsBoundary": c.programBoundaryArn },
        },
        { action: "iam:TagRole", resource: programRole(c, "cluster-node-1"), context: creating(c) },
        ...["GetRole", "ListRolePolicies", "ListAttachedRolePolicies", "ListInstanceProfilesForRole"].map((action) => ({ action: `iam:${action}`, resource: programRole(c, "cluster-node-1") })),
        ...["UpdateAssumeRolePolicy", "UpdateRole", "UpdateRoleDescription", "UntagRole", "DeleteRole"].map((action) => ({
            action: `iam:${action}`,
            resource: programRole(c, "cluster-node-1"),
            context: existing(c),
        })),
        { action: "iam:PutRolePermissionsBoundary", resource: programRole(c, "cluster-node-1"), context: { ...existing(c), "iam:PermissionsBoundary": c.programBoundaryArn } },
    ],
    "aws:iam/rolePolicy:RolePolicy": (c) => [
        ...["PutRolePolicy", "DeleteRolePolicy"].map((action) => ({
            action: `iam:${action}`,
            resource: programRole(c, "cluster-ebs-csi-1"),
            context: { ...existing(c), "iam:PermissionsBoundary": c.programBoundaryArn },
        })),
        { action: "iam:GetRolePolicy", resource: programRole(c, "cluster-ebs-csi-1") },
    ],
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": (c) => [
        ...["AttachRolePolicy", "DetachRolePolicy"].map((action) => ({
            action: `iam:${action}`,
            resource: programRole(c, "cluster-node-1"),
            context: { ...existing(c), "iam:PermissionsBoundary": c.programBoundaryArn, "iam:PolicyARN": "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy" },
        })),
        { action: "iam:ListAttachedRolePolicies", resource: programRole(c, "cluster-node-1") },
    ],
};

const queue = (c: CallContext) => arn(c, "sqs", `${c.name}-karpenter`);
const rule = (c: CallContext) => arn(c, "events", "rule/autoscaling-interruption-spot-1");
const bucket = (c: CallContext) => `arn:aws:s3:::${c.name}-logs-${c.accountId}-${c.region}`;
const instanceProfile = (c: CallContext) => `arn:aws:iam::${c.accountId}:instance-profile${programIamPath(c.stack)}autoscaling-karpenter-node-1`;

Object.assign(callsByType, {
    "aws:eks/podIdentityAssociation:PodIdentityAssociation": (c: CallContext) => [
        ...eksCalls(c, ["CreatePodIdentityAssociation", "TagResource"], [`cluster/${c.name}`, `podidentityassociation/${c.name}/*`]),
        ...eksCalls(c, ["DescribePodIdentityAssociation", "UpdatePodIdentityAssociation", "DeletePodIdentityAssociation", "UntagResource"], [`podidentityassociation/${c.name}/a-1`]),
        passRole(c, "monitoring-logs-loki-1", "pods.eks.amazonaws.com"),
    ],
    "aws:sqs/queue:Queue": (c: CallContext) =>
        ["CreateQueue", "GetQueueAttributes", "SetQueueAttributes", "GetQueueUrl", "ListQueueTags", "TagQueue", "UntagQueue", "DeleteQueue"].map((action) => ({ action: `sqs:${action}`, resource: queue(c) })),
    "aws:sqs/queuePolicy:QueuePolicy": (c: CallContext) => ["SetQueueAttributes", "GetQueueAttributes"].map((action) => ({ action: `sqs:${action}`, resource: queue(c) })),
    "aws:cloudwatch/eventRule:EventRule": (c: CallContext) => [
        { action: "events:PutRule", resource: rule(c), context: creating(c) },
        { action: "events:TagResource", resource: rule(c), context: creating(c) },
        ...["PutRule", "DeleteRule", "TagResource", "UntagResource"].map((action) => ({ action: `events:${action}`, resource: rule(c), context: existing(c) })),
        ...reads(["events:DescribeRule", "events:ListTagsForResource"], rule(c)),
    ],
    "aws:cloudwatch/eventTarget:EventTarget": (c: CallContext) => [
        ...["PutTargets", "RemoveTargets"].map((action) => ({ action: `events:${action}`, resource: rule(c), context: existing(c) })),
        ...reads(["events:ListTargetsByRule"], rule(c)),
    ],
    // The cluster security group is EKS's: it carries EKS's aws:eks:cluster-name tag, not the program's.
    "aws:ec2/tag:Tag": (c: CallContext) => [
        ...["CreateTags", "DeleteTags"].map((action) => ({ action: `ec2:${action}`, resource: ec2(c, "security-group", "sg-1"), context: { "aws:ResourceTag/aws:eks:cluster-name": c.name } })),
        ...reads(["ec2:DescribeTags"]),
    ],
    "aws:iam/instanceProfile:InstanceProfile": (c: CallContext) => [
        ...["CreateInstanceProfile", "TagInstanceProfile"].map((action) => ({ action: `iam:${action}`, resource: instanceProfile(c), context: creating(c) })),
        ...["AddRoleToInstanceProfile", "RemoveRoleFromInstanceProfile", "DeleteInstanceProfile", "UntagInstanceProfile"].map((action) => ({
            action: `iam:${action}`,
            resource: instanceProfile(c),
            context: existing(c),
        })),
        { action: "iam:GetInstanceProfile", resource: instanceProfile(c) },
        // Adding the role passes it to EC2.
        passRole(c, "autoscaling-karpenter-node-1", "ec2.amazonaws.com"),
    ],
    "aws:s3/bucket:Bucket": (c: CallContext) => [
        ...["CreateBucket", "DeleteBucket", "ListBucket", "ListBucketVersions", "GetBucketTagging", "PutBucketTagging", "GetBucketPolicy", "GetBucketAcl", "GetBucketCORS", "GetBucketWebsite", "GetBucketVersioning", "GetAccelerateConfiguration", "GetBucketRequestPayment", "GetBucketLogging", "GetReplicationConfiguration", "GetBucketObjectLockConfiguration", "GetEncryptionConfiguration", "GetLifecycleConfiguration", "GetBucketPublicAccessBlock"].map((action) => ({ action: `s3:${action}`, resource: bucket(c) })),
        // forceDestroy empties it first.
        ...["DeleteObject", "DeleteObjectVersion"].map((action) => ({ action: `s3:${action}`, resource: `${bucket(c)}/chunks/1` })),
    ],
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": (c: CallContext) =>
        ["PutEncryptionConfiguration", "GetEncryptionConfiguration"].map((action) => ({ action: `s3:${action}`, resource: bucket(c) })),
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": (c: CallContext) =>
        ["PutBucketPublicAccessBlock", "GetBucketPublicAccessBlock"].map((action) => ({ action: `s3:${action}`, resource: bucket(c) })),
    "aws:s3/bucketPolicy:BucketPolicy": (c: CallContext) => ["PutBucketPolicy", "GetBucketPolicy", "DeleteBucketPolicy"].map((action) => ({ action: `s3:${action}`, resource: bucket(c) })),
    // Alertmanager's SNS topics, named after the stack (components/monitoring/alert-topics.ts).
    "aws:sns/topic:Topic": (c: CallContext) =>
        ["CreateTopic", "GetTopicAttributes", "SetTopicAttributes", "ListTagsForResource", "TagResource", "UntagResource", "DeleteTopic"].map((action) => ({
            action: `sns:${action}`,
            resource: arn(c, "sns", `${c.name}-alerts-page`),
            context: creating(c),
        })),
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": (c: CallContext) =>
        ["PutLifecycleConfiguration", "GetLifecycleConfiguration"].map((action) => ({ action: `s3:${action}`, resource: bucket(c) })),
});

/** Calls the program makes whatever it creates: its data sources, as the CI path runs them (imageTag set). */
export const programDataSourceCalls: Calls = (c) => [
    // aws.iam.getSessionContext resolves the role behind the session.
    { action: "iam:GetRole", resource: c.deployRoleArn },
    // aws.eks.getAddonVersion, awsx's availability zones, aws.ecr.getImage of the deployed tag.
    { action: "eks:DescribeAddonVersions", resource: "*" },
    { action: "ec2:DescribeAvailabilityZones", resource: "*" },
    { action: "ecr:DescribeImages", resource: repository(c) },
    // aws.ecr.getRepository: bootstrap's repository, with its tags (and newest images, DescribeImages above).
    { action: "ecr:DescribeRepositories", resource: repository(c) },
    { action: "ecr:ListTagsForResource", resource: repository(c) },
    // aws.s3.getBucket: whether Loki's bucket is there to adopt (HeadBucket, then its website settings).
    { action: "s3:ListBucket", resource: bucket(c) },
    { action: "s3:GetBucketWebsite", resource: bucket(c) },
];

/** Program types that are components under the harness's mocks, and the resources they create in a real run. */
export const componentChildren: Record<string, string[]> = {
    "awsx:ec2:Vpc": [
        "aws:ec2/vpc:Vpc",
        "aws:ec2/subnet:Subnet",
        "aws:ec2/routeTable:RouteTable",
        "aws:ec2/routeTableAssociation:RouteTableAssociation",
        "aws:ec2/route:Route",
        "aws:ec2/internetGateway:InternetGateway",
        "aws:ec2/eip:Eip",
        "aws:ec2/natGateway:NatGateway",
    ],
    // skipDefaultSecurityGroups, skipDefaultNodeGroup, no OIDC provider (components/cluster): the cluster alone.
    "eks:index:Cluster": ["aws:eks/cluster:Cluster"],
};

/**
 * Requests no environment owns: the parts of RunInstances that do not exist before it (the instance, a new
 * interface). The template, subnet and security group it uses are the environment's, and IAM refuses the whole
 * request when one part is refused.
 */
export function environmentNeutral(call: Request): boolean {
    return call.action === "ec2:RunInstances" && /:(instance|network-interface)\/\*$/.test(call.resource);
}
