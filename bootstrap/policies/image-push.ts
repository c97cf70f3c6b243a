// The image-push role (deploy.yml's image job, on pushes to main): pushes to staging's repository, reads whether a
// tag is there already, and nothing else: no Pulumi state, no stack, no secrets.
import { DeliveryContext, document, PolicyDocument, regional, resourceName } from "./context";

export const imagePushActions = [
    "ecr:DescribeImages",
    "ecr:BatchGetImage",
    "ecr:BatchCheckLayerAvailability",
    "ecr:GetDownloadUrlForLayer",
    "ecr:InitiateLayerUpload",
    "ecr:UploadLayerPart",
    "ecr:CompleteLayerUpload",
    "ecr:PutImage",
];

export function imagePushPolicy(ctx: DeliveryContext): PolicyDocument {
    return document(
        { Sid: "LogInToEcr", Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" },
        { Sid: "PushToStaging", Effect: "Allow", Action: imagePushActions, Resource: regional(ctx, "ecr", `repository/${resourceName("staging")}`) },
    );
}
