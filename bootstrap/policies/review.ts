// The review role (the `review` GitHub environment: .github/workflows/review.yml): deploys pull requests' review
// environments, stacks pr-<n>, onto staging's cluster. In AWS it reads staging's stack (read-only, no lock), keeps
// the review stacks' own state, and pushes and reads images in the review repository beside staging's (never
// staging's own); it calls no EKS API, creates no AWS resource, and its Kubernetes access is staging's to grant:
// namespaces eks-app-pr-* only (components/review/access.ts).
import { imagePushActions } from "./image-push";
import { DeliveryContext, document, PolicyDocument, projectName, regional, resourceName } from "./context";
import { reviewRepositoryName } from "../../stacks/naming";
import { stateObjects } from "./state";

/** Review stacks are named for their pull request, pr-<n> (stacks/settings.ts). */
export const reviewStackPattern = "pr-*";

/** The self-managed backend's objects of every review stack (the layout stateObjects follows). */
export function reviewStateObjects(ctx: DeliveryContext): string[] {
    const under = (prefix: string) => `${ctx.stateBucketArn}/.pulumi/${prefix}`;
    return [
        under(`stacks/${projectName}/${reviewStackPattern}`),
        under(`history/${projectName}/${reviewStackPattern}`),
        under(`backups/${projectName}/${reviewStackPattern}`),
        under(`locks/organization/${projectName}/${reviewStackPattern}`),
    ];
}

export function reviewPolicy(ctx: DeliveryContext): PolicyDocument {
    const staging = stateObjects(ctx, "staging");
    const stagingState = staging.all.filter((object) => !staging.locks.includes(object));
    return document(
        // GetAuthorizationToken has no resource-level permission (ECR's service authorization reference).
        { Sid: "LogInToEcr", Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" },
        // ECR has no tag condition, so review images get a repository of their own (stacks/naming.ts).
        { Sid: "PushReviewImages", Effect: "Allow", Action: imagePushActions, Resource: regional(ctx, "ecr", `repository/${reviewRepositoryName(resourceName("staging"))}`) },
        // The list is filtered by the SDK to the stack asked for; S3 cannot scope ListBucket to a prefix list
        // without breaking `pulumi stack ls`, which the sweeper runs.
        { Sid: "ListState", Effect: "Allow", Action: ["s3:ListBucket", "s3:GetBucketLocation"], Resource: ctx.stateBucketArn },
        // Staging's stack, read by the StackReference: no lock, no write.
        { Sid: "ReadStagingState", Effect: "Allow", Action: "s3:GetObject", Resource: stagingState },
        { Sid: "KeepReviewState", Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], Resource: reviewStateObjects(ctx) },
        { Sid: "StateBucketKeyThroughS3", Effect: "Allow", Action: ["kms:Decrypt", "kms:GenerateDataKey"], Resource: ctx.stateKeyArn, Condition: { StringEquals: { "kms:ViaService": `s3.${ctx.region}.amazonaws.com` } } },
        // Staging's secrets key: the StackReference decrypts staging's secret outputs (the kubeconfig), and review
        // stacks keep their own secrets (the Redis password) with it, as staging's preview role reads it for every pull request.
        { Sid: "StagingSecrets", Effect: "Allow", Action: ["kms:DescribeKey", "kms:Decrypt", "kms:GenerateDataKey"], Resource: ctx.secretsKeyArns.staging },
    );
}
