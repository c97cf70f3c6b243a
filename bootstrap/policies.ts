// IAM documents of the delivery roles, as plain data so tests parse and check every statement.
//
// The deploy role may do what `pulumi up` and `pulumi destroy` of the eks-app program need, and no more:
//   - IAM only under the program's path (role/eks-app/*), every role it creates or changes carrying the permissions
//     boundary below, which nobody under it can change or take off;
//   - the roles of CI itself live under another path (role/eks-app-ci/*) that the deploy role cannot touch.
import type { AwsContext, PolicyDocument, PolicyStatement } from "../components/iam-documents";

import { ciIamPath, programIamPath, projectName, stackResourceNamePattern } from "../stacks/naming";

export { ciIamPath, programIamPath, projectName };
export const permissionsBoundaryName = `${projectName}-permissions-boundary`;
export const secretsKeyAlias = `alias/${projectName}-pulumi-secrets`;
const githubOidcHost = "token.actions.githubusercontent.com";

export interface DeliveryContext extends AwsContext {
    stateBucketArn: string;
    secretsKeyArn: string;
    route53HostedZoneIds: string[];
}

export const iamArn = (ctx: AwsContext, resource: string) => `arn:${ctx.partition}:iam::${ctx.accountId}:${resource}`;
export const permissionsBoundaryArn = (ctx: AwsContext) => iamArn(ctx, `policy${ciIamPath}${permissionsBoundaryName}`);
const programRoles = (ctx: AwsContext) => iamArn(ctx, `role${programIamPath}*`);
const ciRoles = (ctx: AwsContext) => iamArn(ctx, `role${ciIamPath}*`);
const regional = (ctx: AwsContext, service: string, resource: string) => `arn:${ctx.partition}:${service}:${ctx.region}:${ctx.accountId}:${resource}`;
const clusterNames = stackResourceNamePattern;

/** Subjects GitHub puts in the token: `repo:OWNER/REPO:ref:refs/heads/main`, `repo:OWNER/REPO:environment:NAME`. */
export const githubSubjects = {
    deploy: (repository: string) => [
        `repo:${repository}:ref:refs/heads/main`,
        `repo:${repository}:environment:staging`,
        `repo:${repository}:environment:production`,
    ],
    preview: (repository: string) => [`repo:${repository}:environment:preview`],
};

/** Who may assume a role: GitHub's OIDC tokens for this audience and exactly these subjects, nothing else. */
export function githubTrust(oidcProviderArn: string, subjects: string[]): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "GitHubActionsOidc",
                Effect: "Allow",
                Principal: { Federated: oidcProviderArn },
                Action: "sts:AssumeRoleWithWebIdentity",
                Condition: {
                    StringEquals: {
                        [`${githubOidcHost}:aud`]: "sts.amazonaws.com",
                        [`${githubOidcHost}:sub`]: subjects,
                    },
                },
            },
        ],
    };
}

/** IAM writes that accept the iam:PermissionsBoundary condition: each is allowed only with our boundary. */
export const boundaryConditionedIamActions = [
    "iam:CreateRole",
    "iam:PutRolePolicy",
    "iam:DeleteRolePolicy",
    "iam:AttachRolePolicy",
    "iam:DetachRolePolicy",
    "iam:PutRolePermissionsBoundary",
];

/** Role writes without that condition key, confined to the program's path instead. */
const roleMaintenanceActions = [
    "iam:DeleteRole",
    "iam:TagRole",
    "iam:UntagRole",
    "iam:UpdateRole",
    "iam:UpdateRoleDescription",
    "iam:UpdateAssumeRolePolicy",
];

const roleReadActions = ["iam:GetRole", "iam:GetRolePolicy", "iam:ListRolePolicies", "iam:ListAttachedRolePolicies", "iam:ListInstanceProfilesForRole"];

/**
 * Denials that hold whatever else is allowed: they sit in the boundary (over every role the program makes) and in
 * the deploy role's own policy. Deny statements may name every resource: they only ever take permissions away.
 */
export function guardrailStatements(ctx: AwsContext): PolicyStatement[] {
    return [
        {
            Sid: "DenyChangingCiPolicies",
            Effect: "Deny",
            Action: ["iam:CreatePolicyVersion", "iam:DeletePolicy", "iam:DeletePolicyVersion", "iam:SetDefaultPolicyVersion"],
            Resource: [permissionsBoundaryArn(ctx), iamArn(ctx, `policy${ciIamPath}*`)],
        },
        {
            Sid: "DenyRemovingBoundaries",
            Effect: "Deny",
            Action: ["iam:DeleteRolePermissionsBoundary", "iam:DeleteUserPermissionsBoundary"],
            Resource: "*",
        },
        {
            Sid: "DenyRolesWithoutTheBoundary",
            Effect: "Deny",
            Action: boundaryConditionedIamActions,
            Resource: "*",
            Condition: { StringNotEquals: { "iam:PermissionsBoundary": permissionsBoundaryArn(ctx) } },
        },
        {
            Sid: "DenyChangingCiRoles",
            Effect: "Deny",
            Action: [...boundaryConditionedIamActions, ...roleMaintenanceActions],
            Resource: ciRoles(ctx),
        },
        {
            Sid: "DenyUsersAndKeys",
            Effect: "Deny",
            Action: [
                "iam:CreateUser",
                "iam:CreateAccessKey",
                "iam:UpdateAccessKey",
                "iam:CreateLoginProfile",
                "iam:UpdateLoginProfile",
                "iam:CreateServiceSpecificCredential",
                "iam:AddUserToGroup",
                "iam:AttachUserPolicy",
                "iam:PutUserPolicy",
            ],
            Resource: "*",
        },
    ];
}

/**
 * The permissions boundary: the most any role under it may do (the deploy role, and every role the program
 * creates, whose AWS-managed EKS policies change over time). A ceiling, so it allows by service; the identity
 * policies below pick the actions and resources.
 */
export function permissionsBoundary(ctx: DeliveryContext): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "ClusterAndNetworkServices",
                Effect: "Allow",
                Action: [
                    "ec2:*",
                    "eks:*",
                    // Nodes exchange their role for the addons' Pod Identity roles.
                    "eks-auth:AssumeRoleForPodIdentity",
                    "ecr:*",
                    "elasticloadbalancing:*",
                    "autoscaling:*",
                    "logs:*",
                    "ssm:GetParameter",
                    "ssm:GetParameters",
                ],
                Resource: "*",
            },
            {
                Sid: "KeysAndState",
                Effect: "Allow",
                Action: [...kmsKeyManagementActions, ...kmsKeyUseActions, "s3:ListBucket", "s3:GetBucketLocation", "s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
                Resource: "*",
            },
            {
                Sid: "ProgramRoles",
                Effect: "Allow",
                Action: [...boundaryConditionedIamActions, ...roleMaintenanceActions, ...roleReadActions, "iam:PassRole", "iam:CreateServiceLinkedRole"],
                Resource: "*",
            },
            ...route53Statements(ctx),
            ...guardrailStatements(ctx),
        ],
    };
}

const kmsKeyManagementActions = [
    "kms:CreateKey",
    "kms:DescribeKey",
    "kms:GetKeyPolicy",
    "kms:GetKeyRotationStatus",
    "kms:ListResourceTags",
    "kms:PutKeyPolicy",
    "kms:EnableKeyRotation",
    "kms:UpdateKeyDescription",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:ScheduleKeyDeletion",
    "kms:CreateGrant",
    "kms:ListGrants",
    "kms:RevokeGrant",
    "kms:RetireGrant",
];
const kmsKeyUseActions = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext"];

function route53Statements(ctx: DeliveryContext): PolicyStatement[] {
    if (ctx.route53HostedZoneIds.length === 0) return [];
    return [
        {
            Sid: "AppDnsRecords",
            Effect: "Allow",
            Action: ["route53:GetHostedZone", "route53:ListResourceRecordSets", "route53:ChangeResourceRecordSets", "route53:ListTagsForResource"],
            // Route 53 ARNs carry neither region nor account.
            Resource: ctx.route53HostedZoneIds.map((id) => `arn:${ctx.partition}:route53:::hostedzone/${id}`),
        },
        {
            Sid: "AppDnsChanges",
            Effect: "Allow",
            Action: "route53:GetChange",
            Resource: `arn:${ctx.partition}:route53:::change/*`,
        },
    ];
}

/** The deploy role's policies, one per concern (a managed policy holds 6,144 characters at most). */
export function deployPolicies(ctx: DeliveryContext): Record<"network" | "cluster" | "iam" | "registryAndState", PolicyDocument> {
    const ec2 = (resource: string) => regional(ctx, "ec2", resource);
    const eks = (resource: string) => regional(ctx, "eks", resource);
    return {
        network: {
            Version: "2012-10-17",
            Statement: [
                {
                    Sid: "ReadNetwork",
                    Effect: "Allow",
                    // Read-only, and the provider reads dozens of Describe calls; none has resource-level permissions.
                    Action: "ec2:Describe*",
                    Resource: "*",
                },
                {
                    Sid: "ManageNetwork",
                    Effect: "Allow",
                    Action: [
                        "ec2:CreateVpc",
                        "ec2:DeleteVpc",
                        "ec2:ModifyVpcAttribute",
                        "ec2:CreateSubnet",
                        "ec2:DeleteSubnet",
                        "ec2:ModifySubnetAttribute",
                        "ec2:CreateInternetGateway",
                        "ec2:DeleteInternetGateway",
                        "ec2:AttachInternetGateway",
                        "ec2:DetachInternetGateway",
                        "ec2:AllocateAddress",
                        "ec2:ReleaseAddress",
                        "ec2:DisassociateAddress",
                        "ec2:CreateNatGateway",
                        "ec2:DeleteNatGateway",
                        "ec2:CreateRouteTable",
                        "ec2:DeleteRouteTable",
                        "ec2:CreateRoute",
                        "ec2:DeleteRoute",
                        "ec2:ReplaceRoute",
                        "ec2:AssociateRouteTable",
                        "ec2:DisassociateRouteTable",
                        "ec2:ReplaceRouteTableAssociation",
                        "ec2:CreateSecurityGroup",
                        "ec2:DeleteSecurityGroup",
                        "ec2:AuthorizeSecurityGroupIngress",
                        "ec2:AuthorizeSecurityGroupEgress",
                        "ec2:RevokeSecurityGroupIngress",
                        "ec2:RevokeSecurityGroupEgress",
                        "ec2:ModifySecurityGroupRules",
                        "ec2:CreateLaunchTemplate",
                        "ec2:CreateLaunchTemplateVersion",
                        "ec2:ModifyLaunchTemplate",
                        "ec2:DeleteLaunchTemplate",
                        "ec2:DeleteLaunchTemplateVersions",
                        // Leftover load balancer interfaces that would otherwise block deleting the VPC on destroy.
                        "ec2:DeleteNetworkInterface",
                        "ec2:CreateTags",
                        "ec2:DeleteTags",
                    ],
                    Resource: ec2("*"),
                },
                {
                    Sid: "LaunchNodesFromTheTemplate",
                    Effect: "Allow",
                    // EKS checks that whoever creates a node group may launch instances from its launch template.
                    Action: "ec2:RunInstances",
                    Resource: [ec2("*"), `arn:${ctx.partition}:ec2:${ctx.region}::image/*`],
                },
                {
                    Sid: "ReadLoadBalancers",
                    Effect: "Allow",
                    // Read-only; ELB Describe calls have no resource-level permissions.
                    Action: ["elasticloadbalancing:DescribeLoadBalancers", "elasticloadbalancing:DescribeTags", "elasticloadbalancing:DescribeTargetGroups"],
                    Resource: "*",
                },
            ],
        },
        cluster: {
            Version: "2012-10-17",
            Statement: [
                {
                    Sid: "ManageClusters",
                    Effect: "Allow",
                    Action: [
                        "eks:CreateCluster",
                        "eks:DeleteCluster",
                        "eks:DescribeCluster",
                        "eks:UpdateClusterConfig",
                        "eks:UpdateClusterVersion",
                        "eks:DescribeUpdate",
                        "eks:ListUpdates",
                        "eks:TagResource",
                        "eks:UntagResource",
                        "eks:ListTagsForResource",
                        "eks:CreateNodegroup",
                        "eks:DeleteNodegroup",
                        "eks:DescribeNodegroup",
                        "eks:ListNodegroups",
                        "eks:UpdateNodegroupConfig",
                        "eks:UpdateNodegroupVersion",
                        "eks:CreateAddon",
                        "eks:DeleteAddon",
                        "eks:DescribeAddon",
                        "eks:ListAddons",
                        "eks:UpdateAddon",
                        "eks:CreateAccessEntry",
                        "eks:DeleteAccessEntry",
                        "eks:DescribeAccessEntry",
                        "eks:ListAccessEntries",
                        "eks:UpdateAccessEntry",
                        "eks:AssociateAccessPolicy",
                        "eks:DisassociateAccessPolicy",
                        "eks:ListAssociatedAccessPolicies",
                        "eks:CreatePodIdentityAssociation",
                        "eks:DeletePodIdentityAssociation",
                        "eks:DescribePodIdentityAssociation",
                        "eks:ListPodIdentityAssociations",
                        "eks:UpdatePodIdentityAssociation",
                    ],
                    Resource: [
                        eks(`cluster/${clusterNames}`),
                        eks(`nodegroup/${clusterNames}/*/*`),
                        eks(`addon/${clusterNames}/*/*`),
                        eks(`access-entry/${clusterNames}/*`),
                        eks(`podidentityassociation/${clusterNames}/*`),
                    ],
                },
                {
                    Sid: "ReadEksCatalog",
                    Effect: "Allow",
                    // Catalog lookups (addon versions for a Kubernetes version) have no resource-level permissions.
                    Action: ["eks:DescribeAddonVersions", "eks:DescribeClusterVersions"],
                    Resource: "*",
                },
                {
                    Sid: "CreateProjectKeys",
                    Effect: "Allow",
                    // CreateKey has no resource to scope by; the project tag the program's provider adds is required.
                    Action: "kms:CreateKey",
                    Resource: "*",
                    Condition: { StringEquals: { "aws:RequestTag/project": projectName } },
                },
                {
                    Sid: "ManageProjectKeys",
                    Effect: "Allow",
                    Action: kmsKeyManagementActions.filter((action) => action !== "kms:CreateKey"),
                    Resource: regional(ctx, "kms", "key/*"),
                    Condition: { StringEquals: { "aws:ResourceTag/project": projectName } },
                },
                {
                    Sid: "EncryptRepositoriesWithTheEcrKey",
                    Effect: "Allow",
                    // A KMS-encrypted repository gets a grant on AWS's own ECR key, which carries no project tag.
                    Action: ["kms:CreateGrant", "kms:RetireGrant", "kms:DescribeKey"],
                    Resource: regional(ctx, "kms", "key/*"),
                    Condition: { StringEquals: { "kms:ViaService": `ecr.${ctx.region}.amazonaws.com` } },
                },
                {
                    Sid: "ManageControlPlaneLogs",
                    Effect: "Allow",
                    Action: [
                        "logs:CreateLogGroup",
                        "logs:DeleteLogGroup",
                        "logs:PutRetentionPolicy",
                        "logs:DeleteRetentionPolicy",
                        "logs:TagResource",
                        "logs:UntagResource",
                        "logs:ListTagsForResource",
                    ],
                    Resource: [regional(ctx, "logs", `log-group:/aws/eks/${clusterNames}/cluster`), regional(ctx, "logs", `log-group:/aws/eks/${clusterNames}/cluster:*`)],
                },
                {
                    Sid: "FindLogGroups",
                    Effect: "Allow",
                    Action: "logs:DescribeLogGroups",
                    Resource: regional(ctx, "logs", "log-group:*"),
                },
                {
                    Sid: "ReadEksAmiParameters",
                    Effect: "Allow",
                    Action: ["ssm:GetParameter", "ssm:GetParameters"],
                    // AWS's public parameters: no account in their ARNs.
                    Resource: `arn:${ctx.partition}:ssm:${ctx.region}::parameter/aws/service/eks/*`,
                },
            ],
        },
        iam: {
            Version: "2012-10-17",
            Statement: [
                {
                    Sid: "ManageProgramRolesWithinTheBoundary",
                    Effect: "Allow",
                    Action: boundaryConditionedIamActions,
                    Resource: programRoles(ctx),
                    Condition: { StringEquals: { "iam:PermissionsBoundary": permissionsBoundaryArn(ctx) } },
                },
                {
                    // AWS's EKS and ECR-pull policies only: the program attaches no others.
                    Sid: "AttachNothingButAwsEksPolicies",
                    Effect: "Deny",
                    Action: "iam:AttachRolePolicy",
                    Resource: programRoles(ctx),
                    Condition: {
                        ArnNotLike: {
                            "iam:PolicyARN": [
                                `arn:${ctx.partition}:iam::aws:policy/AmazonEKS*`,
                                `arn:${ctx.partition}:iam::aws:policy/AmazonEC2ContainerRegistry*`,
                            ],
                        },
                    },
                },
                {
                    Sid: "MaintainProgramRoles",
                    Effect: "Allow",
                    Action: [...roleMaintenanceActions, ...roleReadActions],
                    Resource: programRoles(ctx),
                },
                {
                    Sid: "PassProgramRolesToEks",
                    Effect: "Allow",
                    Action: "iam:PassRole",
                    Resource: programRoles(ctx),
                    // The control plane and node roles go to EKS and EC2; addon roles to EKS Pod Identity.
                    Condition: { StringEquals: { "iam:PassedToService": ["eks.amazonaws.com", "ec2.amazonaws.com", "pods.eks.amazonaws.com"] } },
                },
                {
                    Sid: "CreateServiceLinkedRoles",
                    Effect: "Allow",
                    // The first cluster, node group or load balancer in an account creates these; AWS owns their policies.
                    Action: "iam:CreateServiceLinkedRole",
                    Resource: iamArn(ctx, "role/aws-service-role/*"),
                    Condition: {
                        StringEquals: {
                            "iam:AWSServiceName": [
                                "eks.amazonaws.com",
                                "eks-nodegroup.amazonaws.com",
                                "elasticloadbalancing.amazonaws.com",
                                "autoscaling.amazonaws.com",
                                "spot.amazonaws.com",
                            ],
                        },
                    },
                },
                {
                    Sid: "ReadOwnRole",
                    Effect: "Allow",
                    // The program resolves the role behind its session (aws.iam.getSessionContext) to grant it cluster access.
                    Action: "iam:GetRole",
                    Resource: ciRoles(ctx),
                },
                ...guardrailStatements(ctx),
            ],
        },
        registryAndState: {
            Version: "2012-10-17",
            Statement: [
                {
                    Sid: "LogInToEcr",
                    Effect: "Allow",
                    // GetAuthorizationToken has no resource-level permissions.
                    Action: "ecr:GetAuthorizationToken",
                    Resource: "*",
                },
                {
                    Sid: "ManageRepositoriesAndImages",
                    Effect: "Allow",
                    Action: [
                        "ecr:CreateRepository",
                        "ecr:DeleteRepository",
                        "ecr:DescribeRepositories",
                        "ecr:PutLifecyclePolicy",
                        "ecr:GetLifecyclePolicy",
                        "ecr:DeleteLifecyclePolicy",
                        "ecr:GetRepositoryPolicy",
                        "ecr:PutImageTagMutability",
                        "ecr:PutImageScanningConfiguration",
                        "ecr:TagResource",
                        "ecr:UntagResource",
                        "ecr:ListTagsForResource",
                        "ecr:DescribeImages",
                        "ecr:ListImages",
                        "ecr:BatchGetImage",
                        "ecr:BatchCheckLayerAvailability",
                        "ecr:GetDownloadUrlForLayer",
                        "ecr:InitiateLayerUpload",
                        "ecr:UploadLayerPart",
                        "ecr:CompleteLayerUpload",
                        "ecr:PutImage",
                        "ecr:BatchDeleteImage",
                    ],
                    // The program names its repositories eks-app-<stack>.
                    Resource: regional(ctx, "ecr", `repository/${clusterNames}`),
                },
                ...route53Statements(ctx),
                ...stateStatements(ctx, "write"),
            ],
        },
    };
}

/** The state bucket and the secrets key: read (and decrypt) for previews, read-write for deploys. */
function stateStatements(ctx: DeliveryContext, access: "read" | "write"): PolicyStatement[] {
    return [
        {
            Sid: "ListState",
            Effect: "Allow",
            Action: ["s3:ListBucket", "s3:GetBucketLocation"],
            Resource: ctx.stateBucketArn,
        },
        {
            Sid: "State",
            Effect: "Allow",
            Action: access === "write" ? ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"] : "s3:GetObject",
            Resource: `${ctx.stateBucketArn}/*`,
        },
        {
            Sid: "StateAndSecretsKey",
            Effect: "Allow",
            Action: access === "write" ? ["kms:DescribeKey", "kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey"] : ["kms:DescribeKey", "kms:Decrypt"],
            Resource: ctx.secretsKeyArn,
        },
    ];
}

/** What `pulumi preview` reads: the same services, Describe/Get/List only, and the state without changing it. */
export function previewPolicy(ctx: DeliveryContext): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "ReadNetwork",
                Effect: "Allow",
                // Read-only; EC2 and ELB Describe calls have no resource-level permissions.
                Action: ["ec2:Describe*", "elasticloadbalancing:DescribeLoadBalancers", "elasticloadbalancing:DescribeTags", "eks:DescribeAddonVersions"],
                Resource: "*",
            },
            {
                Sid: "ReadClusters",
                Effect: "Allow",
                Action: [
                    "eks:DescribeCluster",
                    "eks:DescribeNodegroup",
                    "eks:DescribeAddon",
                    "eks:DescribeAccessEntry",
                    "eks:DescribePodIdentityAssociation",
                    "eks:ListNodegroups",
                    "eks:ListAddons",
                    "eks:ListAccessEntries",
                    "eks:ListAssociatedAccessPolicies",
                    "eks:ListPodIdentityAssociations",
                    "eks:ListTagsForResource",
                ],
                Resource: [
                    regional(ctx, "eks", `cluster/${clusterNames}`),
                    regional(ctx, "eks", `nodegroup/${clusterNames}/*/*`),
                    regional(ctx, "eks", `addon/${clusterNames}/*/*`),
                    regional(ctx, "eks", `access-entry/${clusterNames}/*`),
                    regional(ctx, "eks", `podidentityassociation/${clusterNames}/*`),
                ],
            },
            {
                Sid: "ReadRepositories",
                Effect: "Allow",
                Action: ["ecr:DescribeRepositories", "ecr:DescribeImages", "ecr:ListImages", "ecr:GetLifecyclePolicy", "ecr:GetRepositoryPolicy", "ecr:ListTagsForResource"],
                Resource: regional(ctx, "ecr", `repository/${clusterNames}`),
            },
            {
                Sid: "ReadRoles",
                Effect: "Allow",
                Action: roleReadActions,
                Resource: [programRoles(ctx), ciRoles(ctx)],
            },
            {
                Sid: "ReadKeys",
                Effect: "Allow",
                Action: ["kms:DescribeKey", "kms:GetKeyPolicy", "kms:GetKeyRotationStatus", "kms:ListResourceTags"],
                Resource: regional(ctx, "kms", "key/*"),
            },
            {
                Sid: "ReadLogGroups",
                Effect: "Allow",
                Action: ["logs:DescribeLogGroups", "logs:ListTagsForResource"],
                Resource: regional(ctx, "logs", "log-group:*"),
            },
            {
                Sid: "ReadEksAmiParameters",
                Effect: "Allow",
                Action: ["ssm:GetParameter", "ssm:GetParameters"],
                Resource: `arn:${ctx.partition}:ssm:${ctx.region}::parameter/aws/service/eks/*`,
            },
            ...stateStatements(ctx, "read"),
        ],
    };
}

/** Only TLS reaches the state: plain HTTP requests are refused whoever sends them. */
export function stateBucketPolicy(bucketArn: string): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "DenyInsecureTransport",
                Effect: "Deny",
                Principal: { AWS: "*" },
                Action: "s3:*",
                Resource: [bucketArn, `${bucketArn}/*`],
                Condition: { Bool: { "aws:SecureTransport": "false" } },
            },
        ],
    };
}
