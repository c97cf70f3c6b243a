// Run once by an administrator (bootstrap/README.md): what GitHub Actions needs to deploy eks-app without
// long-lived keys. GitHub's OIDC provider, one role per job kind and environment (roles.ts), one boundary per
// environment for the roles the program creates, each environment's image repository, EC2's Spot service-linked
// role, and the S3 state backend with its keys.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { readBootstrapConfig } from "./config";
import { ciIamPath, DeliveryContext, deliveryEnvironments, githubSubjects, githubTrust, programBoundary, programBoundaryName, projectName, secretsKeyAlias } from "./policies";
import { deliveryRoles } from "./roles";
import { registries, reviewRegistry } from "./registry";
import { spotRoleArn, spotRoleExists, spotServiceLinkedRole } from "./spot-role";
import { stateBackend } from "./state-backend";

export = async () => {
    const config = readBootstrapConfig();
    const [identity, partition] = await Promise.all([aws.getCallerIdentity(), aws.getPartition()]);
    const tags = { project: projectName, "managed-by": "pulumi", purpose: "delivery" };

    const oidcProviderArn: pulumi.Input<string> =
        config.existingOidcProviderArn ??
        new aws.iam.OpenIdConnectProvider("github-actions", { url: "https://token.actions.githubusercontent.com", clientIdLists: ["sts.amazonaws.com"], tags }).arn;

    spotServiceLinkedRole((await spotRoleExists()) ? spotRoleArn(partition.partition, identity.accountId) : undefined);

    const repositories = registries(tags);
    const reviewRepository = reviewRegistry(tags);
    const state = stateBackend(tags);
    const context: pulumi.Output<DeliveryContext> = pulumi
        .all([state.bucket.arn, state.stateKey.arn, state.secretsKeys.staging.arn, state.secretsKeys.production.arn])
        .apply(([stateBucketArn, stateKeyArn, staging, production]) => ({
            partition: partition.partition,
            accountId: identity.accountId,
            region: config.region,
            stateBucketArn,
            stateKeyArn,
            secretsKeyArns: { staging, production },
            route53HostedZoneIds: config.route53HostedZoneIds,
        }));

    // Named and pathed as policies/context.ts expects: the deploy roles' documents refer to them by ARN.
    const boundaryArns: Record<string, pulumi.Output<string>> = {};
    for (const environment of deliveryEnvironments) {
        const boundary = new aws.iam.Policy(`${environment}-program-boundary`, {
            name: programBoundaryName(environment),
            path: ciIamPath,
            description: `The most any role the ${projectName} program creates in ${environment} may do`,
            policy: context.apply((ctx) => JSON.stringify(programBoundary(ctx, environment))),
            tags,
        });
        boundaryArns[`${environment}PermissionsBoundaryArn`] = boundary.arn;
    }

    const roleArns: Record<string, pulumi.Output<string>> = {};
    for (const role of deliveryRoles) {
        const created = new aws.iam.Role(role.key, {
            name: role.name,
            path: ciIamPath,
            description: role.description,
            assumeRolePolicy: pulumi.output(oidcProviderArn).apply((arn) => JSON.stringify(githubTrust(arn, githubSubjects[role.key](config.githubRepository)))),
            maxSessionDuration: role.maxSessionSeconds,
            tags,
        });
        const documents = pulumi.all([context, created.arn]).apply(([ctx, arn]) => role.policies(ctx, arn));
        for (const concern of role.concerns) {
            const policy = new aws.iam.Policy(`${role.key}-${concern}`, {
                name: `${role.name}-${concern}`,
                path: ciIamPath,
                policy: documents.apply((all) => JSON.stringify(all[concern])),
                tags,
            });
            new aws.iam.RolePolicyAttachment(`${role.key}-${concern}`, { role: created.name, policyArn: policy.arn });
        }
        roleArns[`${role.key}RoleArn`] = created.arn;
    }

    return {
        ...roleArns,
        ...boundaryArns,
        oidcProviderArn,
        repositoryUrls: { dev: repositories.staging.repositoryUrl, prod: repositories.production.repositoryUrl },
        reviewRepositoryUrl: reviewRepository.repositoryUrl,
        stateBucketName: state.bucket.bucket,
        backendUrl: pulumi.interpolate`s3://${state.bucket.bucket}`,
        secretsProviders: {
            dev: `awskms://${secretsKeyAlias("staging")}?region=${config.region}`,
            prod: `awskms://${secretsKeyAlias("production")}?region=${config.region}`,
        },
    };
};

