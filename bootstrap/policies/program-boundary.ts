// The permissions boundary of every role the program creates (cluster, nodes, addons, Karpenter, Loki): the most they
// may ever do, shaped like what they need (aws-managed.ts, components/iam-documents.ts, components/karpenter-policy.ts).
//   - IAM only to hand the program's own node role to EC2 and to read instance profiles (Karpenter launches nodes
//     with them); nothing that creates or changes a role, policy or user;
//   - S3 only on the project's buckets (eks-app-*: Loki's), SQS only on its queues, no CloudWatch Logs;
//   - KMS only on keys tagged project=eks-app, EKS only on the project's clusters;
//   - EC2, load balancers and Auto Scaling as the EKS policies need them: Kubernetes' controllers act on
//     instances, volumes and load balancers the cluster creates at run time, which carry no project tag;
//   - pulling images from any registry (the addons' images live in AWS's own accounts), pushing to none.
import { awsManagedPolicyActions } from "./aws-managed";
import { AwsContext, document, iamArn, PolicyDocument, programRoles, projectName, regional } from "./context";
import { ebsCsiPolicy, vpcCniPolicy } from "../../components/iam-documents";
import { karpenterControllerPolicy } from "../../components/karpenter-policy";
import { stackResourceNamePattern } from "../../stacks/naming";

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
        ebsCsiPolicy(ctx, placeholder),
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

export function programBoundary(ctx: AwsContext): PolicyDocument {
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
            Sid: "ProjectClustersOnly",
            Effect: "Allow",
            Action: [...ofService("eks"), ...ofService("eks-auth")],
            Resource: regional(ctx, "eks", `cluster/${stackResourceNamePattern}`),
        },
        { Sid: "PullImages", Effect: "Allow", Action: ofService("ecr"), Resource: "*" },
        {
            Sid: "HandTheNodeRoleToEc2",
            Effect: "Allow",
            Action: "iam:PassRole",
            Resource: programRoles(ctx),
            Condition: { StringEquals: { "iam:PassedToService": ["ec2.amazonaws.com", "ec2.amazonaws.com.cn"] } },
        },
        { Sid: "ReadInstanceProfiles", Effect: "Allow", Action: ["iam:GetInstanceProfile", "iam:ListInstanceProfiles"], Resource: [iamArn(ctx, "instance-profile/*"), "*"] },
        { Sid: "Prices", Effect: "Allow", Action: "pricing:GetProducts", Resource: "*" },
        { Sid: "PublicAmiParameters", Effect: "Allow", Action: "ssm:GetParameter", Resource: `arn:${ctx.partition}:ssm:${ctx.region}::parameter/aws/service/*` },
        {
            Sid: "ProjectQueuesOnly",
            Effect: "Allow",
            Action: ["sqs:DeleteMessage", "sqs:GetQueueUrl", "sqs:ReceiveMessage"],
            Resource: regional(ctx, "sqs", stackResourceNamePattern),
        },
        { Sid: "ProjectBucketsOnly", Effect: "Allow", Action: "s3:ListBucket", Resource: `arn:${ctx.partition}:s3:::${stackResourceNamePattern}` },
        {
            Sid: "ProjectBucketObjectsOnly",
            Effect: "Allow",
            Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
            Resource: `arn:${ctx.partition}:s3:::${stackResourceNamePattern}/*`,
        },
        {
            Sid: "ProjectKeysOnly",
            Effect: "Allow",
            Action: programKeyActions,
            Resource: regional(ctx, "kms", "key/*"),
            Condition: { StringEquals: { "aws:ResourceTag/project": projectName } },
        },
    );
}
