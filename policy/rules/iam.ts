import { actionCovers, documentsOf, iamDocumentTypes, parsePolicyDocument, Statement } from "../lib/iam-documents";
import { isRecord, listAt, unknownValue, valueAt } from "../lib/properties";
import { CheckedResource, ReportProblem, resourceRule } from "../lib/rule";
import { parseUrn } from "../lib/urn";
import { projectName } from "../../stacks/naming";

/**
 * Actions whose AWS APIs have no resource-level permissions, so `Resource: "*"` is the only way to grant them.
 * By exact name: a new entry is a reviewed change to this list, never a pattern. Among them: the discovery calls of
 * Karpenter's reference policy (components/autoscaling/karpenter-policy.ts) and the delivery roles' reads (bootstrap/).
 */
export const actionsWithoutResourceLevelPermissions = [
    "ec2:DescribeAddresses",
    "ec2:DescribeAddressesAttribute",
    "ec2:DescribeAvailabilityZones",
    "ec2:DescribeCapacityReservations",
    "ec2:DescribeImages",
    "ec2:DescribeInstances",
    "ec2:DescribeInstanceStatus",
    "ec2:DescribeInstanceTypeOfferings",
    "ec2:DescribeInstanceTypes",
    "ec2:DescribeInternetGateways",
    "ec2:DescribeLaunchTemplates",
    "ec2:DescribeLaunchTemplateVersions",
    "ec2:DescribeNatGateways",
    "ec2:DescribeNetworkAcls",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribePlacementGroups",
    "ec2:DescribeRouteTables",
    "ec2:DescribeSecurityGroups",
    "ec2:DescribeSnapshots",
    "ec2:DescribeSpotPriceHistory",
    "ec2:DescribeSubnets",
    "ec2:DescribeTags",
    "ec2:DescribeVolumes",
    "ec2:DescribeVolumesModifications",
    "ec2:DescribeVpcAttribute",
    "ec2:DescribeVpcs",
    "ecr:GetAuthorizationToken",
    "eks:DescribeAddonVersions",
    "eks:DescribeClusterVersions",
    "elasticloadbalancing:DescribeLoadBalancers",
    "elasticloadbalancing:DescribeTags",
    "elasticloadbalancing:DescribeTargetGroups",
    "iam:ListInstanceProfiles",
    "kms:CreateKey",
    "pricing:GetProducts",
    "sts:GetCallerIdentity",
];

/** Runs a check on every readable Allow statement of the documents of the given kind; Deny statements only take away. */
function forEachAllowStatement(
    resource: CheckedResource,
    kind: "trust" | "permissions" | "any",
    check: (statement: Statement, where: string) => void,
): void {
    for (const { where, kind: documentKind, document } of documentsOf(resource)) {
        if (kind !== "any" && documentKind !== kind) continue;
        const parsed = parsePolicyDocument(document);
        if (parsed === unknownValue || "unreadable" in parsed) continue;
        for (const statement of parsed.statements) {
            if (statement.effect === "Allow") check(statement, `${where} ${statement.label}`);
        }
    }
}

export const iamNoWildcardActions = resourceRule({
    name: "iam-no-wildcard-actions",
    description: "IAM documents grant actions by exact name: no `*` in an allowed action (s3:*, ec2:Describe*), no NotAction.",
    resourceTypes: iamDocumentTypes,
    check(resource, report) {
        // A document this policy cannot read is one no policy can check: it fails here, once.
        for (const { where, document } of documentsOf(resource)) {
            const parsed = parsePolicyDocument(document);
            if (parsed !== unknownValue && "unreadable" in parsed) {
                report(
                    `${where} is not a readable IAM policy document: ${parsed.unreadable}`,
                    `give ${where} as a JSON policy document with a Statement list`,
                );
            }
        }
        forEachAllowStatement(resource, "any", (statement, where) => {
            if (statement.usesNotAction) {
                report(`${where} uses NotAction, which allows every action it does not list`, "use Action with the exact actions it needs");
            }
            if (statement.actions === unknownValue) return;
            for (const action of statement.actions) {
                if (typeof action === "string" && action.includes("*")) {
                    report(
                        `${where} allows the wildcard action "${action}"`,
                        `replace "${action}" with the exact actions it needs, e.g. "s3:GetObject" rather than "s3:*"`,
                    );
                }
            }
        });
    },
});

const allowListed = new Set(actionsWithoutResourceLevelPermissions.map((action) => action.toLowerCase()));

export const iamNoWildcardResources = resourceRule({
    name: "iam-no-wildcard-resources",
    description: 'IAM permissions allow `Resource: "*"` only for actions that have no resource-level permissions (an allow-list), and no NotResource.',
    resourceTypes: iamDocumentTypes,
    check(resource, report) {
        forEachAllowStatement(resource, "permissions", (statement, where) => {
            if (statement.usesNotResource) {
                report(`${where} uses NotResource, which allows every resource it does not list`, "use Resource with the ARNs it needs");
            }
            if (statement.resources === unknownValue || statement.actions === unknownValue || !statement.resources.includes("*")) return;
            const scopable = statement.actions.filter((action) => typeof action === "string" && !allowListed.has(action.toLowerCase()));
            if (scopable.length > 0) {
                report(
                    `${where} allows ${scopable.map((action) => `"${action}"`).join(", ")} on Resource "*"`,
                    "give those actions the ARNs they act on, and keep Resource \"*\" for a separate statement of actions without resource-level permissions (policy/rules/iam.ts lists them)",
                );
            }
        });
    },
});

/** Condition keys a web-identity trust must pin, by their suffix after the provider (`<provider>:sub`). */
const pinnedWebIdentityKeys = ["sub", "aud"];

function pinnedValue(value: unknown): boolean {
    if (value === unknownValue) return true;
    const values = Array.isArray(value) ? value : [value];
    return values.length > 0 && values.every((v) => v === unknownValue || (typeof v === "string" && v !== ""));
}

export const iamWebIdentityTrustPinned = resourceRule({
    name: "iam-web-identity-trust-pinned",
    description: "Roles assumable with a web identity (OIDC) pin both the token's subject (`:sub`) and audience (`:aud`) with StringEquals.",
    resourceTypes: ["aws:iam/role:Role"],
    check(resource, report) {
        forEachAllowStatement(resource, "trust", (statement, where) => {
            if (statement.actions === unknownValue) return;
            const webIdentity = statement.actions.some(
                (action) => typeof action === "string" && actionCovers(action, "sts:AssumeRoleWithWebIdentity"),
            );
            if (!webIdentity) return;
            const stringEquals = valueAt(statement.condition, "StringEquals");
            if (stringEquals === unknownValue) return;
            const entries = Object.entries(isRecord(stringEquals) ? stringEquals : {});
            const unpinned = pinnedWebIdentityKeys.filter(
                (suffix) => !entries.some(([key, value]) => key.endsWith(`:${suffix}`) && pinnedValue(value)),
            );
            if (unpinned.length > 0) {
                const keys = unpinned.map((suffix) => `"<provider>:${suffix}"`).join(" and ");
                report(
                    `${where} lets a web identity assume the role without a StringEquals condition on ${keys}, so other subjects or audiences of that provider can assume it`,
                    'add Condition.StringEquals with "<provider>:sub" set to the exact subject (e.g. "system:serviceaccount:<namespace>:<name>") and "<provider>:aud" set to "sts.amazonaws.com"',
                );
            }
        });
    },
});

/**
 * The only principals a role of the eks-app program may trust: the AWS services of its clusters (the control plane,
 * nodes and Karpenter's nodes, Pod Identity; components/iam-documents.ts). A person or another account reaches the
 * cluster through an access entry, never through a role of the program.
 */
const trustableServices = ["eks.amazonaws.com", "ec2.amazonaws.com", "pods.eks.amazonaws.com"];

/** Each principal of a trust statement that is not a trustable service, as `<kind> "<value>"`; unknowns are skipped. */
function untrustedPrincipals(principal: unknown): string[] {
    if (principal === unknownValue || principal === undefined) return [];
    if (!isRecord(principal)) return [JSON.stringify(principal)];
    return Object.entries(principal).flatMap(([kind, values]) => {
        const listed = values === unknownValue ? [] : ([] as unknown[]).concat(values);
        return listed
            .filter((value) => value !== unknownValue && !(kind === "Service" && typeof value === "string" && trustableServices.includes(value)))
            .map((value) => `${kind} ${JSON.stringify(value)}`);
    });
}

export const iamRoleTrustsOnlyClusterServices = resourceRule({
    name: "iam-role-trusts-only-cluster-services",
    description: `Roles of the ${projectName} program trust only the AWS services of its clusters (${trustableServices.join(", ")}): IAM cannot condition CreateRole or UpdateAssumeRolePolicy on a trust document, so a deploy role is held to this here.`,
    resourceTypes: ["aws:iam/role:Role"],
    check(resource, report) {
        // The program's roles only: bootstrap/'s delivery roles trust GitHub's OIDC provider, by design.
        if (parseUrn(resource.urn).project !== projectName) return;
        forEachAllowStatement(resource, "trust", (statement, where) => {
            const untrusted = statement.usesNotPrincipal ? ["every principal but those NotPrincipal lists"] : untrustedPrincipals(statement.principal);
            if (untrusted.length === 0) return;
            report(
                `${where} lets ${untrusted.join(", ")} assume the role, which can then do whatever the role may`,
                `trust only ${trustableServices.map((service) => `{ Service: "${service}" }`).join(", ")}; give a person or another account cluster access with an access entry (clusterAdminPrincipalArns, clusterViewerPrincipalArns) instead`,
            );
        });
    },
});

/** AWS-managed policies that grant administrative or service-wide access. */
function isAdministrativeManagedPolicy(policyName: string): boolean {
    return ["AdministratorAccess", "PowerUserAccess", "IAMFullAccess"].includes(policyName) || policyName.endsWith("FullAccess");
}

/** The name of an AWS-managed policy (arn:<partition>:iam::aws:policy/[path/]<name>); undefined for any other ARN. */
function awsManagedPolicyName(arn: unknown): string | undefined {
    if (typeof arn !== "string") return undefined;
    return /^arn:[^:]+:iam::aws:policy\/(?:.*\/)?([^/]+)$/.exec(arn)?.[1];
}

const policyAttachmentTypes = [
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    "aws:iam/policyAttachment:PolicyAttachment",
    "aws:iam/userPolicyAttachment:UserPolicyAttachment",
    "aws:iam/groupPolicyAttachment:GroupPolicyAttachment",
];

function checkManagedPolicyArn(arn: unknown, report: ReportProblem): void {
    const policyName = awsManagedPolicyName(arn);
    if (policyName !== undefined && isAdministrativeManagedPolicy(policyName)) {
        report(
            `it attaches the AWS-managed policy ${policyName}, which grants far more than one workload needs`,
            "attach a policy of your own that lists only the actions and resources needed",
        );
    }
}

export const iamNoAdminManagedPolicies = resourceRule({
    name: "iam-no-admin-managed-policies",
    description: "No AWS-managed administrative policy (AdministratorAccess, PowerUserAccess, IAMFullAccess, *FullAccess) is attached.",
    resourceTypes: ["aws:iam/role:Role", ...policyAttachmentTypes],
    check(resource, report) {
        if (resource.type === "aws:iam/role:Role") {
            const arns = listAt(resource.props, "managedPolicyArns");
            if (arns !== unknownValue) arns.forEach((arn) => checkManagedPolicyArn(arn, report));
        } else {
            checkManagedPolicyArn(resource.props.policyArn, report);
        }
    },
});

export const iamPolicies = [iamNoWildcardActions, iamNoWildcardResources, iamWebIdentityTrustPinned, iamRoleTrustsOnlyClusterServices, iamNoAdminManagedPolicies];
