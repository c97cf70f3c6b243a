import { iamNoAdminManagedPolicies, iamNoWildcardActions, iamNoWildcardResources, iamRoleTrustsOnlyClusterServices, iamWebIdentityTrustPinned } from "../../../policy/rules/iam";
import { FakeResource, PolicyCases, unknownDuringPreview, urnOf } from "../support";

const document = (...statements: object[]) => JSON.stringify({ Version: "2012-10-17", Statement: statements });
const rolePolicy = (name: string, policy: unknown): FakeResource => ({ type: "aws:iam/rolePolicy:RolePolicy", name, props: { role: "app", policy } });
const role = (name: string, props: Record<string, unknown>): FakeResource => ({ type: "aws:iam/role:Role", name, props });
const attachment = (type: string, name: string, policyArn: unknown): FakeResource => ({ type, name, props: { policyArn } });

const ec2Trust = document({ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" });
const oidcProvider = "oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE";
const webIdentityTrust = (condition?: object) =>
    document({
        Effect: "Allow",
        Principal: { Federated: `arn:aws:iam::123456789012:oidc-provider/${oidcProvider}` },
        Action: "sts:AssumeRoleWithWebIdentity",
        ...(condition ? { Condition: condition } : {}),
    });

export const iamCases: PolicyCases[] = [
    {
        policy: iamNoWildcardActions,
        passing: [
            {
                title: "exact actions on exact resources",
                resources: [
                    rolePolicy("reader", document({ Effect: "Allow", Action: ["s3:GetObject", "s3:ListBucket"], Resource: "arn:aws:s3:::bucket/*" })),
                    role("node", { assumeRolePolicy: ec2Trust }),
                ],
            },
            {
                title: "a wildcard in a Deny statement, which only takes away (document given as an object)",
                resources: [
                    {
                        type: "aws:iam/policy:Policy",
                        name: "guard",
                        props: { policy: { Version: "2012-10-17", Statement: [{ Effect: "Deny", Action: "*", Resource: "*", Condition: { Bool: { "aws:SecureTransport": "false" } } }] } },
                    },
                ],
            },
        ],
        failing: [
            {
                title: "a service wildcard",
                resources: [rolePolicy("reader", document({ Sid: "ReadBucket", Effect: "Allow", Action: "s3:*", Resource: "arn:aws:s3:::bucket" }))],
                messages: [/^aws:iam\/rolePolicy:RolePolicy "reader": policy statement "ReadBucket" allows the wildcard action "s3:\*"\. Fix: replace "s3:\*" with the exact actions/],
            },
            {
                title: "a prefix wildcard, even for Describe calls",
                resources: [{ type: "aws:iam/policy:Policy", name: "describe", props: { policy: document({ Effect: "Allow", Action: "ec2:Describe*", Resource: "*" }) } }],
                messages: [/^aws:iam\/policy:Policy "describe": policy statement 1 allows the wildcard action "ec2:Describe\*"\. Fix: replace/],
            },
            {
                title: "NotAction in an inline policy of a role",
                resources: [
                    role("app", {
                        assumeRolePolicy: ec2Trust,
                        inlinePolicies: [{ name: "everything-but-iam", policy: document({ Effect: "Allow", NotAction: "iam:*", Resource: "*" }) }],
                    }),
                ],
                messages: [/^aws:iam\/role:Role "app": inline policy "everything-but-iam" statement 1 uses NotAction, .*Fix: use Action with the exact actions/],
            },
            {
                title: "a wildcard in a trust policy",
                resources: [role("broad-trust", { assumeRolePolicy: document({ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:*" }) })],
                messages: [/^aws:iam\/role:Role "broad-trust": assumeRolePolicy statement 1 allows the wildcard action "sts:\*"\. Fix:/],
            },
            {
                title: "a document that is not JSON cannot be checked, so it fails",
                resources: [rolePolicy("broken", "{ not json")],
                messages: [/^aws:iam\/rolePolicy:RolePolicy "broken": policy is not a readable IAM policy document: it is not valid JSON\. Fix: give policy as a JSON policy document/],
            },
        ],
        unknownDuringPreview: [
            { title: "the whole document (built from outputs)", resources: [rolePolicy("reader", unknownDuringPreview.string)] },
            {
                title: "the action list of a document given as an object",
                resources: [rolePolicy("reader", { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: unknownDuringPreview.array, Resource: "*" }] })],
            },
        ],
    },
    {
        policy: iamNoWildcardResources,
        passing: [
            {
                title: 'Resource "*" only for allow-listed actions, others scoped (as the VPC CNI role does)',
                resources: [
                    rolePolicy(
                        "vpc-cni",
                        document(
                            { Effect: "Allow", Action: ["ec2:DescribeInstances", "ec2:DescribeSubnets", "sts:GetCallerIdentity"], Resource: "*" },
                            { Effect: "Allow", Action: "ec2:CreateNetworkInterface", Resource: "arn:aws:ec2:eu-west-1:123456789012:network-interface/*" },
                        ),
                    ),
                ],
            },
            {
                title: 'the delivery roles\' catalog and load-balancer reads and key creation on Resource "*" (none has resource-level permissions)',
                resources: [
                    rolePolicy(
                        "deploy",
                        document({
                            Effect: "Allow",
                            Action: ["eks:DescribeAddonVersions", "eks:DescribeClusterVersions", "elasticloadbalancing:DescribeLoadBalancers", "elasticloadbalancing:DescribeTags", "elasticloadbalancing:DescribeTargetGroups", "kms:CreateKey"],
                            Resource: "*",
                        }),
                    ),
                ],
            },
            { title: "a trust policy, which has no Resource", resources: [role("node", { assumeRolePolicy: ec2Trust })] },
        ],
        failing: [
            {
                title: 'an action with resource-level permissions on Resource "*"',
                resources: [
                    rolePolicy("ebs", document({ Sid: "Volumes", Effect: "Allow", Action: ["ec2:DescribeVolumes", "ec2:DeleteVolume"], Resource: ["*"] })),
                ],
                messages: [/^aws:iam\/rolePolicy:RolePolicy "ebs": policy statement "Volumes" allows "ec2:DeleteVolume" on Resource "\*"\. Fix: give those actions the ARNs they act on/],
            },
            {
                title: "NotResource",
                resources: [rolePolicy("reader", document({ Effect: "Allow", Action: "s3:GetObject", NotResource: "arn:aws:s3:::secret/*" }))],
                messages: [/^aws:iam\/rolePolicy:RolePolicy "reader": policy statement 1 uses NotResource, .*Fix: use Resource with the ARNs it needs/],
            },
        ],
        unknownDuringPreview: [
            {
                title: "the resource list",
                resources: [rolePolicy("ebs", { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "ec2:DeleteVolume", Resource: unknownDuringPreview.array }] })],
            },
            {
                title: "one action of a statement on Resource \"*\"",
                resources: [rolePolicy("ebs", { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: unknownDuringPreview.array, Resource: "*" }] })],
            },
        ],
    },
    {
        policy: iamWebIdentityTrustPinned,
        passing: [
            {
                title: "subject and audience pinned with StringEquals",
                resources: [
                    role("irsa", {
                        assumeRolePolicy: webIdentityTrust({
                            StringEquals: { [`${oidcProvider}:sub`]: "system:serviceaccount:kube-system:ebs-csi-controller-sa", [`${oidcProvider}:aud`]: "sts.amazonaws.com" },
                        }),
                    }),
                ],
            },
            { title: "a service trust, not a web identity", resources: [role("node", { assumeRolePolicy: ec2Trust })] },
        ],
        failing: [
            {
                title: "the subject matched with StringLike",
                resources: [
                    role("irsa", {
                        assumeRolePolicy: webIdentityTrust({
                            StringLike: { [`${oidcProvider}:sub`]: "system:serviceaccount:*" },
                            StringEquals: { [`${oidcProvider}:aud`]: "sts.amazonaws.com" },
                        }),
                    }),
                ],
                messages: [/^aws:iam\/role:Role "irsa": assumeRolePolicy statement 1 lets a web identity assume the role without a StringEquals condition on "<provider>:sub", .*Fix: add Condition\.StringEquals with "<provider>:sub"/],
            },
            {
                title: "no condition at all, through a wildcard action",
                resources: [
                    role("github", {
                        assumeRolePolicy: document({ Effect: "Allow", Principal: { Federated: "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com" }, Action: "sts:AssumeRoleWith*" }),
                    }),
                ],
                messages: [/^aws:iam\/role:Role "github": assumeRolePolicy statement 1 .* on "<provider>:sub" and "<provider>:aud", .*Fix: add Condition\.StringEquals/],
            },
        ],
        unknownDuringPreview: [
            { title: "the trust document", resources: [role("irsa", { assumeRolePolicy: unknownDuringPreview.string })] },
            {
                title: "the subject's value",
                resources: [
                    role("irsa", {
                        assumeRolePolicy: {
                            Version: "2012-10-17",
                            Statement: [
                                {
                                    Effect: "Allow",
                                    Principal: { Federated: "arn" },
                                    Action: "sts:AssumeRoleWithWebIdentity",
                                    Condition: { StringEquals: { [`${oidcProvider}:sub`]: unknownDuringPreview.string, [`${oidcProvider}:aud`]: "sts.amazonaws.com" } },
                                },
                            ],
                        },
                    }),
                ],
            },
        ],
    },
    {
        policy: iamRoleTrustsOnlyClusterServices,
        passing: [
            {
                title: "the program's service trusts: EKS, EC2 and Pod Identity (with sts:TagSession), as a string or a list",
                resources: [
                    role("cluster", { assumeRolePolicy: document({ Effect: "Allow", Principal: { Service: "eks.amazonaws.com" }, Action: "sts:AssumeRole" }) }),
                    role("node", { assumeRolePolicy: ec2Trust }),
                    role("addon", { assumeRolePolicy: document({ Effect: "Allow", Principal: { Service: ["pods.eks.amazonaws.com"] }, Action: ["sts:AssumeRole", "sts:TagSession"] }) }),
                ],
            },
            {
                title: "a Deny naming another account, which only takes away",
                resources: [role("node", { assumeRolePolicy: document({ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }, { Effect: "Deny", Principal: { AWS: "arn:aws:iam::999999999999:root" }, Action: "sts:AssumeRole" }) })],
            },
            {
                title: "bootstrap's delivery role, which trusts GitHub's OIDC provider in a project of its own",
                resources: [
                    {
                        ...role("stagingDeploy", {
                            assumeRolePolicy: document({
                                Effect: "Allow",
                                Principal: { Federated: "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com" },
                                Action: "sts:AssumeRoleWithWebIdentity",
                                Condition: { StringEquals: { "token.actions.githubusercontent.com:aud": "sts.amazonaws.com", "token.actions.githubusercontent.com:sub": "repo:acme/eks-app:environment:staging" } },
                            }),
                        }),
                        urn: "urn:pulumi:admin::eks-app-bootstrap::aws:iam/role:Role::stagingDeploy",
                    },
                ],
            },
        ],
        failing: [
            {
                title: "another account, a federated identity and a service of no cluster, each named",
                resources: [
                    role("node", {
                        assumeRolePolicy: document({
                            Sid: "Assume",
                            Effect: "Allow",
                            Principal: { Service: ["ec2.amazonaws.com", "lambda.amazonaws.com"], AWS: "arn:aws:iam::999999999999:root", Federated: "arn:aws:iam::123456789012:oidc-provider/example.com" },
                            Action: ["sts:AssumeRole", "sts:AssumeRoleWithWebIdentity"],
                        }),
                    }),
                ],
                messages: [
                    /^aws:iam\/role:Role "node": assumeRolePolicy statement "Assume" lets Service "lambda\.amazonaws\.com", AWS "arn:aws:iam::999999999999:root", Federated "arn:aws:iam::123456789012:oidc-provider\/example\.com" assume the role, .*Fix: trust only \{ Service: "eks\.amazonaws\.com" \}/,
                ],
            },
            {
                title: "everyone, and NotPrincipal, in a nested component of a production stack",
                resources: [
                    { ...role("everyone", { assumeRolePolicy: document({ Effect: "Allow", Principal: "*", Action: "sts:AssumeRole" }) }), urn: urnOf("aws:iam/role:Role", "everyone", "prod", ["eks-app:platform:Cluster"]) },
                    role("all-but", { assumeRolePolicy: document({ Effect: "Allow", NotPrincipal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }) }),
                ],
                messages: [
                    /^aws:iam\/role:Role "everyone": assumeRolePolicy statement 1 lets "\*" assume the role, .*Fix:/,
                    /^aws:iam\/role:Role "all-but": assumeRolePolicy statement 1 lets every principal but those NotPrincipal lists assume the role, .*Fix:/,
                ],
            },
        ],
        unknownDuringPreview: [
            { title: "the trust document (built from outputs)", resources: [role("node", { assumeRolePolicy: unknownDuringPreview.string })] },
            {
                title: "one principal's value and another's list",
                resources: [
                    role("node", {
                        assumeRolePolicy: {
                            Version: "2012-10-17",
                            Statement: [
                                { Effect: "Allow", Principal: { AWS: unknownDuringPreview.string }, Action: "sts:AssumeRole" },
                                { Effect: "Allow", Principal: { Service: unknownDuringPreview.array }, Action: "sts:AssumeRole" },
                                { Effect: "Allow", Principal: unknownDuringPreview.object, Action: "sts:AssumeRole" },
                            ],
                        },
                    }),
                ],
            },
        ],
    },
    {
        policy: iamNoAdminManagedPolicies,
        passing: [
            {
                title: "narrow AWS-managed policies, and a policy of the account's own whatever its name",
                resources: [
                    attachment("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "node-worker", "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy"),
                    attachment("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "own", "arn:aws:iam::123456789012:policy/AppFullAccess"),
                    role("node", { assumeRolePolicy: ec2Trust, managedPolicyArns: ["arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPullOnly"] }),
                ],
            },
        ],
        failing: [
            {
                title: "AdministratorAccess on a role (any partition)",
                resources: [attachment("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "admin", "arn:aws-us-gov:iam::aws:policy/AdministratorAccess")],
                messages: [/^aws:iam\/rolePolicyAttachment:RolePolicyAttachment "admin": it attaches the AWS-managed policy AdministratorAccess, .*Fix: attach a policy of your own that lists only the actions and resources needed/],
            },
            {
                title: "PowerUserAccess on a user, IAMFullAccess on a group, a *FullAccess through PolicyAttachment",
                resources: [
                    attachment("aws:iam/userPolicyAttachment:UserPolicyAttachment", "ops", "arn:aws:iam::aws:policy/PowerUserAccess"),
                    attachment("aws:iam/groupPolicyAttachment:GroupPolicyAttachment", "admins", "arn:aws:iam::aws:policy/IAMFullAccess"),
                    attachment("aws:iam/policyAttachment:PolicyAttachment", "s3", "arn:aws:iam::aws:policy/AmazonS3FullAccess"),
                ],
                messages: [
                    /^aws:iam\/userPolicyAttachment:UserPolicyAttachment "ops": it attaches the AWS-managed policy PowerUserAccess.*Fix:/,
                    /^aws:iam\/groupPolicyAttachment:GroupPolicyAttachment "admins": it attaches the AWS-managed policy IAMFullAccess.*Fix:/,
                    /^aws:iam\/policyAttachment:PolicyAttachment "s3": it attaches the AWS-managed policy AmazonS3FullAccess.*Fix:/,
                ],
            },
            {
                title: "a *FullAccess policy in a role's managedPolicyArns",
                resources: [role("app", { assumeRolePolicy: ec2Trust, managedPolicyArns: ["arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy", "arn:aws:iam::aws:policy/AmazonEC2FullAccess"] })],
                messages: [/^aws:iam\/role:Role "app": it attaches the AWS-managed policy AmazonEC2FullAccess.*Fix:/],
            },
        ],
        unknownDuringPreview: [
            {
                title: "the policy ARN and the managed policy list",
                resources: [
                    attachment("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "later", unknownDuringPreview.string),
                    role("app", { assumeRolePolicy: ec2Trust, managedPolicyArns: unknownDuringPreview.array }),
                ],
            },
        ],
    },
];
