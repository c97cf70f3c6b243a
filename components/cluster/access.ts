import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export type AccessLevel = "admin" | "viewer";

/** Who may use the Kubernetes API, as the stack's settings say. */
export interface AccessArgs {
    /** The principal that runs `pulumi up` for this stack (the CI deploy role, or the caller when none is configured). */
    deployerPrincipalArn: string;
    adminPrincipalArns: string[];
    viewerPrincipalArns: string[];
}

export interface AccessEntrySpec {
    principalArn: string;
    level: AccessLevel;
    /** The logical name: derived from the principal ARN, so reordering a list renames (replaces) nothing. */
    key: string;
}

/** EKS access policies by level. Viewers must not read Secrets, which AmazonEKSAdminViewPolicy allows. */
const accessPolicies: Record<AccessLevel, string> = { admin: "AmazonEKSClusterAdminPolicy", viewer: "AmazonEKSViewPolicy" };

function stableKey(principalArn: string): string {
    // arn:aws:iam::123456789012:role/path/name → 123456789012-role-path-name
    const [, , , , account, resource] = principalArn.split(":");
    return `${account}-${resource}`.replace(/[^A-Za-z0-9-]+/g, "-").toLowerCase();
}

/**
 * One entry per principal: EKS refuses a second entry for the same principal (409), so a principal listed as
 * deployer, admin and viewer gets one entry at the highest level.
 */
export function accessEntries(args: AccessArgs): AccessEntrySpec[] {
    const admins = [...new Set([args.deployerPrincipalArn, ...args.adminPrincipalArns])];
    const viewers = [...new Set(args.viewerPrincipalArns)].filter((arn) => !admins.includes(arn));
    return [
        ...admins.map((principalArn) => ({ principalArn, level: "admin" as const, key: stableKey(principalArn) })),
        ...viewers.map((principalArn) => ({ principalArn, level: "viewer" as const, key: stableKey(principalArn) })),
    ];
}

/**
 * The names entries had when they were keyed by list position (deployer, admin-N, viewer-N), as aliases: a stack
 * deployed before keeps its entries instead of creating a second one per principal, which EKS would refuse.
 */
function positionalNames(args: AccessArgs): Map<string, string> {
    const names = new Map<string, string>([[args.deployerPrincipalArn, "deployer"]]);
    const admins = [args.deployerPrincipalArn, ...args.adminPrincipalArns.filter((arn) => arn !== args.deployerPrincipalArn)];
    admins.slice(1).forEach((arn, index) => names.set(arn, `admin-${index}`));
    args.viewerPrincipalArns.filter((arn) => !admins.includes(arn)).forEach((arn, index) => names.set(arn, `viewer-${index}`));
    return names;
}

/** Access entries and their policy associations; the Kubernetes provider waits for these. */
export function grantAccess(parent: pulumi.Resource, name: string, clusterName: pulumi.Input<string>, partition: string, args: AccessArgs): pulumi.Resource[] {
    const legacy = positionalNames(args);
    return accessEntries(args).map(({ principalArn, level, key }) => {
        const logicalName = `${name}-access-${key}`;
        const aliases = legacy.has(principalArn) ? [{ name: `${name}-${legacy.get(principalArn)}` }] : [];
        const entry = new aws.eks.AccessEntry(logicalName, { clusterName, principalArn, type: "STANDARD" }, { parent, aliases });
        return new aws.eks.AccessPolicyAssociation(
            logicalName,
            {
                clusterName,
                principalArn,
                policyArn: `arn:${partition}:eks::aws:cluster-access-policy/${accessPolicies[level]}`,
                accessScope: { type: "cluster" },
            },
            { parent, dependsOn: [entry], aliases },
        );
    });
}
