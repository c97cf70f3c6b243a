// The permissions boundary of every role the program creates (cluster, nodes, addons, Karpenter, Loki) in one
// environment: the most they may ever do, shaped like what they need (aws-managed.ts, components/iam-documents.ts,
// components/autoscaling/karpenter-policy.ts). One per environment, so a role staging's deploy role creates cannot reach
// production's cluster, queue, bucket, keys or node role.
//   - IAM only to hand the environment's own program roles (its stack's path) to EC2 and to read instance profiles
//     (Karpenter launches nodes with them); nothing that creates or changes a role, policy or user;
//   - S3 only on the environment's buckets (eks-app-<stack>-*: Loki's), SQS only on its queues, SNS publishing only
//     to its alert topics (Alertmanager's), no CloudWatch Logs;
//   - KMS only on keys tagged project=eks-app and the environment, EKS only on the environment's cluster;
//   - EC2, load balancers and Auto Scaling as the EKS policies need them, in either environment: Kubernetes'
//     controllers act on instances, volumes and load balancers the cluster creates at run time, which carry no
//     name of the environment's; but nothing tagged with the other environment (a Deny);
//   - pulling images from any registry (the addons' images live in AWS's own accounts), pushing to none.
import { awsManagedPolicyActions } from "./aws-managed";
import { AwsContext, DeliveryEnvironment, document, iamArn, PolicyDocument, programRoles, projectName, regional, resourceName, resourceTags } from "./context";
import { ebsCsiPolicy, vpcCniPolicy } from "../../components/iam-documents";
import { karpenterControllerPolicy } from "../../components/autoscaling/karpenter-policy";

const managed = Object.values(awsManagedPolicyActions).flat();
const ofService = (service: string, extra: string[] = []) =>
    [...new Set([...managed.filter((action) => action.startsWith(`${service}:`)), ...extra])].sort();

/**
 * EC2 actions the program's own policies grant (VPC CNI, EBS CSI, Karpenter), read from those documents rather than
 * restated, so a new action there reaches the boundary without a second list to keep in step.
 */
function programEc2Actions(ctx: AwsContext): string[] {
    const placeholder = "arn:aws:placeholder";
    const documents = [
        vpcCniPolicy(ctx),
        ebsCsiPolicy(ctx, projectName, placeholder),
        karpenterControllerPolicy(ctx, { clusterName: projectName, nodeRoleArn: placeholder, interruptionQueueArn: placeholder, volumeKeyArn: placeholder }),
    ];
    return documents
        .flatMap((document) => document.Statement)
        .filter((statement) => statement.Effect === "Allow")
        .flatMap((statement) => ([] as string[]).concat(statement.Action))
        .filter((action) => action.startsWith("ec2:"));
}

export const programKeyActions = [
    "kms:DescribeKey",
    "kms:Encrypt",
    "kms:Decrypt",
    "kms:ReEncryptFrom",
    "kms:ReEncryptTo",
    "kms:GenerateDataKey",
    "kms:GenerateDataKeyWithoutPlaintext",
    "kms:CreateGrant",
    "kms:ListGrants",
    "kms:RevokeGrant",
];

/** The services a role of either environment may use on resources that carry no name of its own (Deny only). */
const sharedServices = ["ec2:*", "elasticloadbalancing:*", "autoscaling:*"];
const otherEnvironment = (environment: DeliveryEnvironment): DeliveryEnvironment => (environment === "staging" ? "production" : "staging");

export function programBoundary(ctx: AwsContext, environment: DeliveryEnvironment): PolicyDocument {
    const name = resourceName(environment);
    return document(
        {
            Sid: "NodesVolumesAndInterfaces",
            Effect: "Allow",
            Action: ofService("ec2", programEc2Actions(ctx)),
            Resource: "*",
        },
        { Sid: "LoadBalancersOfServices", Effect: "Allow", Action: ofService("elasticloadbalancing"), Resource: "*" },
        { Sid: "NodeGroupScaling", Effect: "Allow", Action: ofService("autoscaling"), Resource: "*" },
        {
            // Those three in either environment, but never on what carries the other's tag (its network, cluster
            // security group, launch templates, Karpenter's nodes and the EBS CSI driver's volumes), nor tagging
            // anything as the other's. Describe calls name no resource, so they still see everything.
            Sid: "NothingOfTheOtherEnvironment",
            Effect: "Deny",
            Action: sharedServices,
            Resource: "*",
            Condition: { StringEquals: { "aws:ResourceTag/environment": otherEnvironment(environment) } },
        },
        {
            Sid: "NothingTaggedAsTheOtherEnvironment",
            Effect: "Deny",
            Action: sharedServices,
            Resource: "*",
            Condition: { StringEquals: { "aws:RequestTag/environment": otherEnvironment(environment) } },
        },
        {
            Sid: "EnvironmentClusterOnly",
            Effect: "Allow",
            Action: [...ofService("eks"), ...ofService("eks-auth")],
            Resource: regional(ctx, "eks", `cluster/${name}`),
        },
        { Sid: "PullImages", Effect: "Allow", Action: ofService("ecr"), Resource: "*" },
        {
            // By path, not tag: IAM never puts a passed role's tags in the request (User Guide, "Grant a user
            // permissions to pass a role").
            Sid: "HandTheNodeRoleToEc2",
            Effect: "Allow",
            Action: "iam:PassRole",
            Resource: programRoles(ctx, environment),
            Condition: { StringEquals: { "iam:PassedToService": ["ec2.amazonaws.com", "ec2.amazonaws.com.cn"] } },
        },
        { Sid: "ReadInstanceProfiles", Effect: "Allow", Action: ["iam:GetInstanceProfile", "iam:ListInstanceProfiles"], Resource: [iamArn(ctx, "instance-profile/*"), "*"] },
        { Sid: "Prices", Effect: "Allow", Action: "pricing:GetProducts", Resource: "*" },
        { Sid: "PublicAmiParameters", Effect: "Allow", Action: "ssm:GetParameter", Resource: `arn:${ctx.partition}:ssm:${ctx.region}::parameter/aws/service/*` },
        {
            Sid: "EnvironmentQueuesOnly",
            Effect: "Allow",
            Action: ["sqs:DeleteMessage", "sqs:GetQueueUrl", "sqs:ReceiveMessage"],
            Resource: regional(ctx, "sqs", `${name}-*`),
        },
        { Sid: "EnvironmentBucketsOnly", Effect: "Allow", Action: "s3:ListBucket", Resource: `arn:${ctx.partition}:s3:::${name}-*` },
        {
            Sid: "EnvironmentBucketObjectsOnly",
            Effect: "Allow",
            Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
            Resource: `arn:${ctx.partition}:s3:::${name}-*/*`,
        },
        { Sid: "EnvironmentAlertTopicsOnly", Effect: "Allow", Action: "sns:Publish", Resource: regional(ctx, "sns", `${name}-alerts-*`) },
        {
            Sid: "EnvironmentKeysOnly",
            Effect: "Allow",
            Action: programKeyActions,
            Resource: regional(ctx, "kms", "key/*"),
            Condition: { StringEquals: resourceTags(environment) },
        },
    );
}
