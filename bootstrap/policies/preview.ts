// A preview role: what `pulumi preview` of one environment's stack reads, Describe/Get/List only, that stack's
// state (and its lock, which a preview takes too) and its environment's secrets key. Staging's is for every pull
// request; production's decrypts production's secrets, so only the production-preview environment, with
// production's reviewers, can assume it (bootstrap/README.md).
import { eksClusterActions } from "./deploy-cluster";
import { networkReadActions } from "./deploy-network";
import { route53Statements } from "./deploy-registry";
import { bucketActions } from "./deploy-services";
import { roleReadActions } from "./guardrails";
import { DeliveryContext, DeliveryEnvironment, document, PolicyDocument, programRoles, regional, resourceName, resourceTags } from "./context";
import { stateStatements } from "./state";

export function previewPolicy(ctx: DeliveryContext, environment: DeliveryEnvironment, previewRoleArn: string): PolicyDocument {
    const eks = (resource: string) => regional(ctx, "eks", resource);
    const name = resourceName(environment);
    return document(
        { Sid: "ReadNetwork", Effect: "Allow", Action: [...networkReadActions, "eks:DescribeAddonVersions", "eks:DescribeClusterVersions"], Resource: "*" },
        {
            Sid: "ReadTheCluster",
            Effect: "Allow",
            Action: eksClusterActions.filter((action) => /^eks:(Describe|List)/.test(action)),
            Resource: [eks(`cluster/${name}`), eks(`nodegroup/${name}/*/*`), eks(`addon/${name}/*/*`), eks(`access-entry/${name}/*`), eks(`podidentityassociation/${name}/*`)],
        },
        {
            Sid: "ReadTheRepository",
            Effect: "Allow",
            Action: ["ecr:DescribeRepositories", "ecr:DescribeImages", "ecr:ListTagsForResource"],
            Resource: regional(ctx, "ecr", `repository/${name}`),
        },
        { Sid: "ReadRoles", Effect: "Allow", Action: roleReadActions, Resource: [programRoles(ctx, environment), previewRoleArn] },
        {
            Sid: "ReadTaggedKeys",
            Effect: "Allow",
            Action: ["kms:DescribeKey", "kms:GetKeyPolicy", "kms:GetKeyRotationStatus", "kms:ListResourceTags"],
            Resource: regional(ctx, "kms", "key/*"),
            Condition: { StringEquals: resourceTags(environment) },
        },
        { Sid: "FindLogGroups", Effect: "Allow", Action: "logs:DescribeLogGroups", Resource: regional(ctx, "logs", "log-group:*") },
        // Whether Loki's bucket exists already (aws.s3.getBucket: HeadBucket, then its website settings), and the reads
        // with which a preview of its adoption (an import) compares it with the program.
        {
            Sid: "ReadTheLogBucket",
            Effect: "Allow",
            Action: bucketActions.filter((action) => /^s3:(Get|List)/.test(action)),
            Resource: `arn:${ctx.partition}:s3:::${name}-logs-*`,
        },
        { Sid: "ReadLogGroupTags", Effect: "Allow", Action: "logs:ListTagsForResource", Resource: regional(ctx, "logs", `log-group:/aws/eks/${name}/cluster`) },
        ...route53Statements(ctx, "read"),
        ...stateStatements(ctx, environment, "read"),
    );
}
