// A deploy role's cluster policy: the EKS cluster, node group, addons, access entries and Pod Identity associations
// named after its environment's stack, the project's KMS keys tagged with its environment, and the control plane's
// log group. EKS authorizes by name; KMS keys have only ids, so they are held by tags.
import { DeliveryContext, DeliveryEnvironment, document, PolicyDocument, regional, requestTags, resourceName, resourceTags } from "./context";

export const eksClusterActions = [
    "eks:CreateCluster",
    "eks:DeleteCluster",
    "eks:DescribeCluster",
    "eks:UpdateClusterConfig",
    "eks:UpdateClusterVersion",
    "eks:DescribeUpdate",
    "eks:TagResource",
    "eks:UntagResource",
    "eks:ListTagsForResource",
    "eks:CreateNodegroup",
    "eks:DeleteNodegroup",
    "eks:DescribeNodegroup",
    "eks:UpdateNodegroupConfig",
    "eks:UpdateNodegroupVersion",
    "eks:CreateAddon",
    "eks:DeleteAddon",
    "eks:DescribeAddon",
    "eks:UpdateAddon",
    "eks:CreateAccessEntry",
    "eks:DeleteAccessEntry",
    "eks:DescribeAccessEntry",
    "eks:UpdateAccessEntry",
    "eks:AssociateAccessPolicy",
    "eks:DisassociateAccessPolicy",
    "eks:ListAssociatedAccessPolicies",
    "eks:CreatePodIdentityAssociation",
    "eks:DeletePodIdentityAssociation",
    "eks:DescribePodIdentityAssociation",
    "eks:UpdatePodIdentityAssociation",
];

export const keyActions = ["kms:DescribeKey", "kms:GetKeyPolicy", "kms:GetKeyRotationStatus", "kms:ListResourceTags", "kms:EnableKeyRotation", "kms:UpdateKeyDescription", "kms:TagResource", "kms:UntagResource", "kms:ScheduleKeyDeletion"];

export const logGroupActions = ["logs:CreateLogGroup", "logs:DeleteLogGroup", "logs:PutRetentionPolicy", "logs:DeleteRetentionPolicy", "logs:TagResource", "logs:UntagResource", "logs:ListTagsForResource"];

export function deployClusterPolicy(ctx: DeliveryContext, environment: DeliveryEnvironment): PolicyDocument {
    const eks = (resource: string) => regional(ctx, "eks", resource);
    const name = resourceName(environment);
    const key = regional(ctx, "kms", "key/*");
    const logGroup = regional(ctx, "logs", `log-group:/aws/eks/${name}/cluster`);
    return document(
        {
            Sid: "ManageTheCluster",
            Effect: "Allow",
            Action: eksClusterActions,
            Resource: [eks(`cluster/${name}`), eks(`nodegroup/${name}/*/*`), eks(`addon/${name}/*/*`), eks(`access-entry/${name}/*`), eks(`podidentityassociation/${name}/*`)],
        },
        // Catalog lookups (addon versions for a Kubernetes version) take no resource ARN.
        { Sid: "ReadEksCatalog", Effect: "Allow", Action: ["eks:DescribeAddonVersions", "eks:DescribeClusterVersions"], Resource: "*" },
        // CreateKey takes no resource ARN: the environment's tags are required instead, and tagging a key as it is
        // created is a kms:TagResource of a key that has no tags yet, so it is allowed by the request's tags.
        { Sid: "CreateTaggedKeys", Effect: "Allow", Action: "kms:CreateKey", Resource: "*", Condition: { StringEquals: requestTags(environment) } },
        {
            Sid: "TagKeysWhileCreating",
            Effect: "Allow",
            Action: "kms:TagResource",
            Resource: key,
            Condition: { StringEquals: requestTags(environment), StringEqualsIfExists: resourceTags(environment) },
        },
        { Sid: "ManageTaggedKeys", Effect: "Allow", Action: keyActions, Resource: key, Condition: { StringEquals: resourceTags(environment) } },
        {
            // EKS encrypts the cluster's secrets with the secrets key through a grant it creates for itself.
            Sid: "GrantTaggedKeysToEks",
            Effect: "Allow",
            Action: "kms:CreateGrant",
            Resource: key,
            Condition: { StringEquals: { ...resourceTags(environment), "kms:ViaService": `eks.${ctx.region}.amazonaws.com` }, Bool: { "kms:GrantIsForAWSResource": "true" } },
        },
        { Sid: "ManageControlPlaneLogs", Effect: "Allow", Action: logGroupActions, Resource: [logGroup, `${logGroup}:*`] },
        { Sid: "FindLogGroups", Effect: "Allow", Action: "logs:DescribeLogGroups", Resource: regional(ctx, "logs", "log-group:*") },
    );
}
