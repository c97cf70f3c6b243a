// Run once by an administrator (bootstrap/README.md): what GitHub Actions needs to deploy eks-app without
// long-lived keys. GitHub's OIDC provider, a deploy role and a read-only preview role trusted only by this
// repository's main branch and environments, and the S3 state backend with its KMS key for Pulumi secrets.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { readBootstrapConfig } from "./config";
import {
    ciIamPath,
    DeliveryContext,
    deployPolicies,
    githubSubjects,
    githubTrust,
    permissionsBoundary,
    permissionsBoundaryName,
    previewPolicy,
    projectName,
    secretsKeyAlias,
    stateBucketPolicy,
} from "./policies";

export = async () => {
    const config = readBootstrapConfig();
    const [identity, partition] = await Promise.all([aws.getCallerIdentity(), aws.getPartition()]);
    const tags = { project: projectName, "managed-by": "pulumi", purpose: "delivery" };

    const oidcProviderArn: pulumi.Input<string> =
        config.existingOidcProviderArn ??
        new aws.iam.OpenIdConnectProvider("github-actions", {
            url: "https://token.actions.githubusercontent.com",
            clientIdLists: ["sts.amazonaws.com"],
            tags,
        }).arn;

    // One key for the state bucket and for the secrets in stack config; rotated yearly by AWS.
    const secretsKey = new aws.kms.Key(
        "pulumi-secrets",
        { description: `Pulumi state and secrets of ${projectName}`, enableKeyRotation: true, deletionWindowInDays: 30, tags },
        { protect: true },
    );
    new aws.kms.Alias("pulumi-secrets", { name: secretsKeyAlias, targetKeyId: secretsKey.keyId });

    // The state is the only record of what exists: protected, versioned, never deleted with objects in it.
    const stateBucket = new aws.s3.Bucket("pulumi-state", { bucketPrefix: `${projectName}-pulumi-state-`, forceDestroy: false, tags }, { protect: true });
    new aws.s3.BucketVersioning("pulumi-state", { bucket: stateBucket.id, versioningConfiguration: { status: "Enabled" } });
    new aws.s3.BucketServerSideEncryptionConfiguration("pulumi-state", {
        bucket: stateBucket.id,
        rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: secretsKey.arn }, bucketKeyEnabled: true }],
    });
    new aws.s3.BucketPublicAccessBlock("pulumi-state", {
        bucket: stateBucket.id,
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
    });
    new aws.s3.BucketOwnershipControls("pulumi-state", { bucket: stateBucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } });
    new aws.s3.BucketPolicy("pulumi-state", { bucket: stateBucket.id, policy: stateBucket.arn.apply((arn) => JSON.stringify(stateBucketPolicy(arn))) });
    new aws.s3.BucketLifecycleConfiguration("pulumi-state", {
        bucket: stateBucket.id,
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

    const context: pulumi.Output<DeliveryContext> = pulumi.all([stateBucket.arn, secretsKey.arn]).apply(([stateBucketArn, secretsKeyArn]) => ({
        partition: partition.partition,
        accountId: identity.accountId,
        region: config.region,
        stateBucketArn,
        secretsKeyArn,
        route53HostedZoneIds: config.route53HostedZoneIds,
    }));

    // Named and pathed as policies.ts expects: the documents refer to the boundary by ARN, itself included.
    const boundary = new aws.iam.Policy("permissions-boundary", {
        name: permissionsBoundaryName,
        path: ciIamPath,
        description: `The most any role of ${projectName} may do, CI's deploy role included`,
        policy: context.apply((ctx) => JSON.stringify(permissionsBoundary(ctx))),
        tags,
    });

    const deployRole = new aws.iam.Role("deploy", {
        name: `${projectName}-deploy`,
        path: ciIamPath,
        description: `GitHub Actions: pulumi up and destroy of ${projectName} (main branch, staging and production environments)`,
        assumeRolePolicy: pulumi.output(oidcProviderArn).apply((arn) => JSON.stringify(githubTrust(arn, githubSubjects.deploy(config.githubRepository)))),
        permissionsBoundary: boundary.arn,
        // A first cluster create plus a roll back can outlast an hour.
        maxSessionDuration: 7200,
        tags,
    });
    const deployDocuments = context.apply(deployPolicies);
    for (const concern of ["network", "cluster", "iam", "registryAndState"] as const) {
        const policy = new aws.iam.Policy(`deploy-${concern}`, {
            name: `${projectName}-deploy-${concern}`,
            path: ciIamPath,
            policy: deployDocuments.apply((documents) => JSON.stringify(documents[concern])),
            tags,
        });
        new aws.iam.RolePolicyAttachment(`deploy-${concern}`, { role: deployRole.name, policyArn: policy.arn });
    }

    const previewRole = new aws.iam.Role("preview", {
        name: `${projectName}-preview`,
        path: ciIamPath,
        description: `GitHub Actions: read-only pulumi preview of ${projectName} for pull requests (preview environment)`,
        assumeRolePolicy: pulumi.output(oidcProviderArn).apply((arn) => JSON.stringify(githubTrust(arn, githubSubjects.preview(config.githubRepository)))),
        permissionsBoundary: boundary.arn,
        tags,
    });
    new aws.iam.RolePolicy("preview", { role: previewRole.name, policy: context.apply((ctx) => JSON.stringify(previewPolicy(ctx))) });

    return {
        deployRoleArn: deployRole.arn,
        previewRoleArn: previewRole.arn,
        permissionsBoundaryArn: boundary.arn,
        oidcProviderArn,
        stateBucketName: stateBucket.bucket,
        backendUrl: pulumi.interpolate`s3://${stateBucket.bucket}`,
        secretsProvider: `awskms://${secretsKeyAlias}?region=${config.region}`,
    };
};
