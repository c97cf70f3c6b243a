import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { AwsContext } from "./iam-documents";

export interface CallerContext {
    aws: AwsContext;
    /** The IAM role or user behind the current credentials: for an assumed-role session, the role itself. */
    principalArn: string;
}

/** Resolves who and where this deployment runs, once, before any resource is declared. */
export async function resolveCaller(provider: aws.Provider, region: string): Promise<CallerContext> {
    const [identity, partition] = await Promise.all([aws.getCallerIdentity({}, { provider }), aws.getPartition({}, { provider })]);
    const session = await aws.iam.getSessionContext({ arn: identity.arn }, { provider });
    return {
        aws: { partition: partition.partition, region, accountId: identity.accountId },
        principalArn: session.issuerArn,
    };
}

/** A role named by path and name (eks-app-ci/eks-app-staging-deploy) in the caller's account and partition. */
export function roleArnInAccount(context: AwsContext, pathAndName: string): string {
    return `arn:${context.partition}:iam::${context.accountId}:role/${pathAndName}`;
}

export interface ClusterPrincipalSettings {
    clusterDeployerPrincipalArn?: string;
    clusterDeployerRole?: string;
    clusterPreviewRole?: string;
    clusterAdminPrincipalArns: string[];
    clusterViewerPrincipalArns: string[];
}

/** Who gets which Kubernetes access: the deployer and admins cluster admin, viewers read-only. */
export interface ClusterPrincipals {
    deployer: string;
    admins: string[];
    viewers: string[];
}

/**
 * The cluster's principals, the same whoever runs the program when the stack names its deployer: a preview by the
 * preview role then shows no change to the access entries. The caller is the deployer only when none is named.
 */
export function clusterPrincipals(caller: CallerContext, settings: ClusterPrincipalSettings): ClusterPrincipals {
    const named = (pathAndName: string | undefined) => (pathAndName === undefined ? [] : [roleArnInAccount(caller.aws, pathAndName)]);
    const viewers = [...settings.clusterViewerPrincipalArns, ...named(settings.clusterPreviewRole)];
    const deployer = settings.clusterDeployerPrincipalArn ?? named(settings.clusterDeployerRole)[0];
    if (deployer === undefined && viewers.includes(caller.principalArn)) {
        throw new Error(
            `${caller.principalArn} may only read this cluster, and the stack names no deployer: this run would make it the cluster's admin. ` +
                `Set eks-app:clusterDeployerRole (or eks-app:clusterDeployerPrincipalArn) to the role that runs \`pulumi up\`.`,
        );
    }
    return { deployer: deployer ?? caller.principalArn, admins: settings.clusterAdminPrincipalArns, viewers };
}

/**
 * Fails before anything is created when the identity running the program would get no Kubernetes access: it is
 * not the deployer nor an admin, nor, for a preview, a viewer (the preview role). Otherwise the first Kubernetes
 * resource would fail after the cluster had been built; and a viewer may preview, never update.
 */
export function assertCallerHasAccess(callerPrincipalArn: string, principals: ClusterPrincipals): void {
    const mayApply = [principals.deployer, ...principals.admins];
    if (mayApply.includes(callerPrincipalArn)) return;
    if (principals.viewers.includes(callerPrincipalArn)) {
        if (pulumi.runtime.isDryRun()) return;
        throw new Error(
            `${callerPrincipalArn} has read-only access to this cluster (eks-app:clusterPreviewRole or eks-app:clusterViewerPrincipalArns): ` +
                `it may run \`pulumi preview\`, not \`up\`. Run \`up\` as ${principals.deployer}.`,
        );
    }
    throw new Error(
        `${callerPrincipalArn} is running this program but would have no access to the cluster: the deployer is ${principals.deployer} ` +
            `(eks-app:clusterDeployerRole or eks-app:clusterDeployerPrincipalArn). Run as that role, or add ${callerPrincipalArn} to eks-app:clusterAdminPrincipalArns.`,
    );
}

/** Whether a log group of this exact name exists (one EKS recreated after a previous cluster of this name was deleted). */
export async function logGroupExists(provider: aws.Provider, name: string): Promise<boolean> {
    const found = await aws.cloudwatch.getLogGroups({ logGroupNamePrefix: name }, { provider });
    return (found.logGroupNames ?? []).includes(name);
}
