import { iamNoAdminManagedPolicies, iamNoWildcardActions, iamNoWildcardResources } from "../../../policy/rules/iam";
import { FakeResource, PolicyCases, unknownDuringPreview } from "../support";

export const document = (...statements: object[]) => JSON.stringify({ Version: "2012-10-17", Statement: statements });
const rolePolicy = (name: string, policy: unknown): FakeResource => ({ type: "aws:iam/rolePolicy:RolePolicy", name, props: { role: "app", policy } });
export const role = (name: string, props: Record<string, unknown>): FakeResource => ({ type: "aws:iam/role:Role", name, props });
const attachment = (type: string, name: string, policyArn: unknown): FakeResource => ({ type, name, props: { policyArn } });

export const ec2Trust = document({ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" });
export const oidcProvider = "oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE";
export const webIdentityTrust = (condition?: object) =>
    document({
        Effect: "Allow",
        Principal: { Federated: `arn:aws:iam::123456789012:oidc-provider/${oidcProvider}` },
        Action: "sts:AssumeRoleWithWebIdentity",
        ...(condition ? { Condition: condition } : {}),
    });

/** What the program's roles may do (the permission guardrails); whom they trust is in iam-trust.ts. */
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
