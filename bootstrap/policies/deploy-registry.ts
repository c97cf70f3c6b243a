// A deploy role's registry, DNS and state policy: its environment's ECR repository, read and pushed to, never
// created or deleted (production's also reads staging's, to copy the image staging tested), the app's DNS records
// when hosted zones are configured, and its stack's state.
import { DeliveryContext, DeliveryEnvironment, document, PolicyDocument, PolicyStatement, regional, resourceName } from "./context";
import { imagePushActions } from "./image-push";
import { stateStatements } from "./state";

/**
 * The repository is bootstrap's (bootstrap/registry.ts): the program only reads it (aws.ecr.getRepository:
 * DescribeRepositories, its tags and newest images) and, on a first deploy that builds app/ itself, pushes to it.
 */
export const repositoryActions = ["ecr:DescribeRepositories", "ecr:ListTagsForResource", ...imagePushActions];
export const imagePullActions = ["ecr:DescribeImages", "ecr:BatchGetImage", "ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer"];

export function route53Statements(ctx: DeliveryContext, access: "read" | "write"): PolicyStatement[] {
    if (ctx.route53HostedZoneIds.length === 0) return [];
    const read = ["route53:GetHostedZone", "route53:ListResourceRecordSets", "route53:ListTagsForResource"];
    return [
        {
            Sid: "AppDnsRecords",
            Effect: "Allow",
            Action: access === "write" ? [...read, "route53:ChangeResourceRecordSets"] : read,
            // Route 53 ARNs carry neither region nor account.
            Resource: ctx.route53HostedZoneIds.map((id) => `arn:${ctx.partition}:route53:::hostedzone/${id}`),
        },
        { Sid: "AppDnsChanges", Effect: "Allow", Action: "route53:GetChange", Resource: `arn:${ctx.partition}:route53:::change/*` },
    ];
}

export function deployRegistryPolicy(ctx: DeliveryContext, environment: DeliveryEnvironment): PolicyDocument {
    const repository = (env: DeliveryEnvironment) => regional(ctx, "ecr", `repository/${resourceName(env)}`);
    return document(
        // GetAuthorizationToken takes no resource ARN.
        { Sid: "LogInToEcr", Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" },
        { Sid: "UseTheRepository", Effect: "Allow", Action: repositoryActions, Resource: repository(environment) },
        ...(environment === "production" ? [{ Sid: "CopyStagingImages", Effect: "Allow" as const, Action: imagePullActions, Resource: repository("staging") }] : []),
        ...route53Statements(ctx, "write"),
        ...stateStatements(ctx, environment, "write"),
    );
}
