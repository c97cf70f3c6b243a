import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { AwsContext, PolicyDocument } from "./iam-documents";
import { IamPlacement, PodIdentity } from "./pod-identity";

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

/** The S3 bucket Loki keeps its chunks and index in (encrypted, private), and the Pod Identity role scoped to it. */
export class LogBucket extends pulumi.ComponentResource {
    readonly bucketName: pulumi.Output<string>;
    /** What Loki must wait for: the bucket's settings and its identity. */
    readonly ready: pulumi.Resource[];

    constructor(name: string, args: LogBucketArgs, opts?: pulumi.ComponentResourceOptions) {
        super("eks-app:monitoring:LogBucket", name, {}, opts);
        const parent = this;
        const protection = { protect: args.protect, retainOnDelete: args.protect };
        // Bucket names are global: the account and region make this one unique and recognisable. Known before the
        // bucket exists, so a preview shows the role's exact policy.
        const bucketName = `${args.clusterName}-logs-${args.aws.accountId}-${args.aws.region}`;
        const bucket = new aws.s3.Bucket(
            name,
            { bucket: bucketName, forceDestroy: !args.protect },
            { parent, ...protection },
        );
        const encryption = new aws.s3.BucketServerSideEncryptionConfiguration(
            name,
            { bucket: bucket.id, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms" }, bucketKeyEnabled: true }] },
            { parent },
        );
        const publicAccessBlock = new aws.s3.BucketPublicAccessBlock(
            name,
            { bucket: bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
            { parent },
        );
        // Loki's compactor deletes chunks past the retention; uploads it abandoned are cleaned up here.
        const lifecycle = new aws.s3.BucketLifecycleConfiguration(
            name,
            { bucket: bucket.id, rules: [{ id: "abort-incomplete-uploads", status: "Enabled", filter: {}, abortIncompleteMultipartUpload: { daysAfterInitiation: 1 } }] },
            { parent },
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
                policy: lokiBucketPolicy(`arn:${args.aws.partition}:s3:::${bucketName}`),
            },
            { parent },
        );
        this.bucketName = bucket.bucket;
        this.ready = [bucket, encryption, publicAccessBlock, lifecycle, ...identity.ready];
        this.registerOutputs({ bucketName: this.bucketName });
    }
}
