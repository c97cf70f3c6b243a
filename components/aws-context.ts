import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { AwsContext } from "./iam-documents";

export interface CallerContext {
    aws: AwsContext;
    /** The IAM role or user behind the current credentials: for an assumed-role session, the role itself. */
    deployerPrincipalArn: string;
}

/** Resolves who and where this deployment runs, once, before any resource is declared. */
export async function resolveCaller(provider: aws.Provider, region: string): Promise<CallerContext> {
    const [identity, partition] = await Promise.all([aws.getCallerIdentity({}, { provider }), aws.getPartition({}, { provider })]);
    const session = await aws.iam.getSessionContext({ arn: identity.arn }, { provider });
    return {
        aws: { partition: partition.partition, region, accountId: identity.accountId },
        deployerPrincipalArn: session.issuerArn,
    };
}

/**
 * Fails before anything is created when the identity running the program would get no Kubernetes access: it is
 * not the configured deployer nor an admin (nor, for a preview, a viewer). Otherwise the first Kubernetes
 * resource would fail after the cluster had been built.
 */
export function assertCallerHasAccess(
    callerPrincipalArn: string,
    settings: { clusterAdminPrincipalArns: string[]; clusterViewerPrincipalArns: string[] },
    deployerPrincipalArn: string,
): void {
    const mayApply = [deployerPrincipalArn, ...settings.clusterAdminPrincipalArns];
    const mayRead = pulumi.runtime.isDryRun() ? settings.clusterViewerPrincipalArns : [];
    if (mayApply.includes(callerPrincipalArn) || mayRead.includes(callerPrincipalArn)) return;
    throw new Error(
        `${callerPrincipalArn} is running this program but would have no access to the cluster: eks-app:clusterDeployerPrincipalArn is ` +
            `${deployerPrincipalArn}. Run as that role, or add ${callerPrincipalArn} to eks-app:clusterAdminPrincipalArns.`,
    );
}

/** Whether a log group of this exact name exists (one EKS recreated after a previous cluster of this name was deleted). */
export async function logGroupExists(provider: aws.Provider, name: string): Promise<boolean> {
    const found = await aws.cloudwatch.getLogGroups({ logGroupNamePrefix: name }, { provider });
    return (found.logGroupNames ?? []).includes(name);
}
