// The self-managed Pulumi backend: the state bucket and its key, and one secrets key per environment, so staging's
// roles cannot decrypt production's secrets. The state is the only record of what exists: protected, versioned,
// never deleted with objects in it.
import * as aws from "@pulumi/aws";
import { DeliveryEnvironment, deliveryEnvironments, projectName, secretsKeyAlias, stateBucketPolicy } from "./policies";

type Tags = Record<string, string>;

export function stateBackend(tags: Tags) {
    const key = (name: string, description: string) =>
        new aws.kms.Key(name, { description, enableKeyRotation: true, deletionWindowInDays: 30, tags }, { protect: true });

    const stateKey = key("pulumi-state", `The Pulumi state bucket of ${projectName}`);
    new aws.kms.Alias("pulumi-state", { name: `alias/${projectName}-pulumi-state`, targetKeyId: stateKey.keyId });
    const secretsKeys = Object.fromEntries(
        deliveryEnvironments.map((environment) => {
            const secretsKey = key(`pulumi-secrets-${environment}`, `Pulumi secrets of ${projectName}'s ${environment} stack`);
            new aws.kms.Alias(`pulumi-secrets-${environment}`, { name: secretsKeyAlias(environment), targetKeyId: secretsKey.keyId });
            return [environment, secretsKey];
        }),
    ) as Record<DeliveryEnvironment, aws.kms.Key>;

    const bucket = new aws.s3.Bucket("pulumi-state", { bucketPrefix: `${projectName}-pulumi-state-`, forceDestroy: false, tags }, { protect: true });
    new aws.s3.BucketVersioning("pulumi-state", { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } });
    new aws.s3.BucketServerSideEncryptionConfiguration("pulumi-state", {
        bucket: bucket.id,
        rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: stateKey.arn }, bucketKeyEnabled: true }],
    });
    new aws.s3.BucketPublicAccessBlock("pulumi-state", { bucket: bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true });
    new aws.s3.BucketOwnershipControls("pulumi-state", { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } });
    new aws.s3.BucketPolicy("pulumi-state", { bucket: bucket.id, policy: bucket.arn.apply((arn) => JSON.stringify(stateBucketPolicy(arn))) });
    new aws.s3.BucketLifecycleConfiguration("pulumi-state", {
        bucket: bucket.id,
        rules: [
            {
                // Old checkpoints stay long enough to recover from a bad update, then go.
                id: "expire-old-state-versions",
                status: "Enabled",
                filter: {},
                noncurrentVersionExpiration: { noncurrentDays: 90, newerNoncurrentVersions: 10 },
                abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
            },
        ],
    });
    return { bucket, stateKey, secretsKeys };
}
