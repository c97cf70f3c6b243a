import { iamRoleTrustsOnlyClusterServices, iamWebIdentityTrustPinned } from "../../../policy/rules/iam";
import { PolicyCases, unknownDuringPreview, urnOf } from "../support";
import { document, ec2Trust, oidcProvider, role, webIdentityTrust } from "./iam";

/** Whom the program's roles may trust (the trust-policy guardrails). */
export const iamTrustCases: PolicyCases[] = [
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
];
