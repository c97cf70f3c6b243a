import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { AwsContext, PolicyDocument, tlsOnlyBucketPolicy } from "../iam-documents";
import { IamPlacement, PodIdentity } from "../pod-identity";

export interface LogBucketArgs {
    aws: AwsContext;
    iam: IamPlacement;
    clusterName: string;
    /** The cluster's name as an output, so the Pod Identity association waits for the cluster. */
    cluster: pulumi.Input<string>;
    namespace: string;
    serviceAccount: string;
    /** Production keeps the bucket (and its logs) on destroy; staging deletes it with everything in it. */
    protect: boolean;
    /**
     * The bucket exists already (production's, kept by an earlier destroy): adopt it, with its logs, instead of
     * failing with BucketAlreadyOwnedByYou (logBucketExists).
     */
    adoptExisting: boolean;
}

/** Bucket names are global: the account and region make this one unique and recognisable, and known before it exists. */
export function logBucketName(clusterName: string, ctx: AwsContext): string {
    return `${clusterName}-logs-${ctx.accountId}-${ctx.region}`;
}

/**
 * Whether the bucket exists in this account. aws.s3.getBucket fails for a missing bucket with the provider's
 * "couldn't find resource" (HeadBucket: 404 NotFound); any other failure (403: not ours, or no permission) is raised.
 */
export async function logBucketExists(provider: aws.Provider, bucket: string): Promise<boolean> {
    try {
        await aws.s3.getBucket({ bucket }, { provider });
        return true;
    } catch (error) {
        if (/couldn't find resource|NotFound|NoSuchBucket/i.test(String(error))) return false;
        throw error;
    }
}

/** Loki's permissions: objects in its own bucket, nothing else (Loki lists, reads, writes and deletes chunks). */
export function lokiBucketPolicy(bucketArn: string): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            { Sid: "ListLokiBucket", Effect: "Allow", Action: ["s3:ListBucket"], Resource: bucketArn },
            { Sid: "LokiObjects", Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], Resource: `${bucketArn}/*` },
        ],
    };
}

/**
 * The S3 bucket Loki keeps its chunks and index in (private, TLS only, encrypted with S3's own keys), and the Pod
 * Identity role scoped to it. SSE-S3 rather than a KMS key: Loki's role and its environment's boundary need no KMS
 * permission for it, so an upload cannot fail on a key while the release reports ready.
 */
export class LogBucket extends pulumi.ComponentResource {
    readonly bucketName: pulumi.Output<string>;
    /** What Loki must wait for: the bucket's settings and its identity. */
    readonly ready: pulumi.Resource[];

    constructor(name: string, args: LogBucketArgs, opts?: pulumi.ComponentResourceOptions) {
        super("eks-app:monitoring:LogBucket", name, {}, opts);
        const parent = this;
        // Kept on destroy in production, settings included, so the bucket an `up` adopts is still private and TLS only.
        const kept = { parent, retainOnDelete: args.protect };
        const bucketName = logBucketName(args.clusterName, args.aws);
        const bucketArn = `arn:${args.aws.partition}:s3:::${bucketName}`;
        const bucket = new aws.s3.Bucket(
            name,
            { bucket: bucketName, forceDestroy: !args.protect },
            // Adopting uses the import option: a no-op once the bucket is in state (Pulumi docs, "Resource option: import").
            { ...kept, protect: args.protect, ...(args.adoptExisting ? { import: bucketName } : {}) },
        );
        const encryption = new aws.s3.BucketServerSideEncryptionConfiguration(
            name,
            { bucket: bucket.id, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] },
            kept,
        );
        const publicAccessBlock = new aws.s3.BucketPublicAccessBlock(
            name,
            { bucket: bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
            kept,
        );
        const tlsOnly = new aws.s3.BucketPolicy(name, { bucket: bucket.id, policy: JSON.stringify(tlsOnlyBucketPolicy(bucketArn)) }, kept);
        // Loki's compactor deletes chunks past the retention; uploads it abandoned are cleaned up here.
        const lifecycle = new aws.s3.BucketLifecycleConfiguration(
            name,
            { bucket: bucket.id, rules: [{ id: "abort-incomplete-uploads", status: "Enabled", filter: {}, abortIncompleteMultipartUpload: { daysAfterInitiation: 1 } }] },
            kept,
        );
        const identity = new PodIdentity(
            `${name}-loki`,
            {
                aws: args.aws,
                iam: args.iam,
                clusterName: args.clusterName,
                cluster: args.cluster,
                namespace: args.namespace,
                serviceAccount: args.serviceAccount,
                policy: lokiBucketPolicy(bucketArn),
            },
            { parent },
        );
        this.bucketName = bucket.bucket;
        this.ready = [bucket, encryption, publicAccessBlock, tlsOnly, lifecycle, ...identity.ready];
        this.registerOutputs({ bucketName: this.bucketName });
    }
}
