import * as aws from "@pulumi/aws";
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
