// Names, ARNs and conditions every delivery document shares. The project's names come from stacks/naming.ts, the
// program's own module, so the roles' scoping and the resources they must reach cannot drift apart.
import type { AwsContext, PolicyDocument, PolicyStatement } from "../../components/iam-documents";
import { ciIamPath, programIamPath, projectName, stackResourceName } from "../../stacks/naming";

export type { AwsContext, PolicyDocument, PolicyStatement };
export { ciIamPath, programIamPath, projectName };

/** The environments CI deploys, as the program's `environment` setting and default tag name them. */
export const deliveryEnvironments = ["staging", "production"] as const;
export type DeliveryEnvironment = (typeof deliveryEnvironments)[number];
/** The stack each environment is (Pulumi.<stack>.yaml). */
export const stackOf: Record<DeliveryEnvironment, string> = { staging: "dev", production: "prod" };

export interface DeliveryContext extends AwsContext {
    stateBucketArn: string;
    /** Encrypts the state bucket's objects; used through S3 only. */
    stateKeyArn: string;
    /** One key per environment for the secrets in stack config and state (`awskms://` secrets provider). */
    secretsKeyArns: Record<DeliveryEnvironment, string>;
    route53HostedZoneIds: string[];
}

/** One boundary per environment: a role the staging deploy role creates cannot reach production, nor the other way round. */
export const programBoundaryName = (environment: DeliveryEnvironment) => `${projectName}-${environment}-program-boundary`;
export const secretsKeyAlias = (environment: DeliveryEnvironment) => `alias/${projectName}-pulumi-secrets-${stackOf[environment]}`;

export const iamArn = (ctx: AwsContext, resource: string) => `arn:${ctx.partition}:iam::${ctx.accountId}:${resource}`;
export const regional = (ctx: AwsContext, service: string, resource: string) => `arn:${ctx.partition}:${service}:${ctx.region}:${ctx.accountId}:${resource}`;
/** The boundary every role the program creates in this environment must carry; only its deploy role's CreateRole can set it. */
export const programBoundaryArn = (ctx: AwsContext, environment: DeliveryEnvironment) => iamArn(ctx, `policy${ciIamPath}${programBoundaryName(environment)}`);
/** The roles of the environment's stack, under /eks-app/<stack>/: iam:PassRole can be scoped by nothing else. */
export const programRoles = (ctx: AwsContext, environment: DeliveryEnvironment) => iamArn(ctx, `role${programIamPath(stackOf[environment])}*`);
export const programInstanceProfiles = (ctx: AwsContext, environment: DeliveryEnvironment) => iamArn(ctx, `instance-profile${programIamPath(stackOf[environment])}*`);
export const ciRoles = (ctx: AwsContext) => iamArn(ctx, `role${ciIamPath}*`);

/** The cluster, its ECR repository and its log group are named after the stack: eks-app-dev, eks-app-prod. */
export const resourceName = (environment: DeliveryEnvironment) => stackResourceName(stackOf[environment]);

/** The program's AWS provider puts these default tags on everything it creates (index.ts). */
export const requestTags = (environment: DeliveryEnvironment) => ({ "aws:RequestTag/project": projectName, "aws:RequestTag/environment": environment });
export const resourceTags = (environment: DeliveryEnvironment) => ({ "aws:ResourceTag/project": projectName, "aws:ResourceTag/environment": environment });

export const document = (...statements: PolicyStatement[]): PolicyDocument => ({ Version: "2012-10-17", Statement: statements });
