// Each environment's image repository, eks-app-dev and eks-app-prod. Bootstrap owns them rather than the program: CI
// pushes an image before a stack's first `pulumi up`, and a targeted `up` of the repository alone cannot run on an
// empty stack. The program reads its repository by name (components/registry.ts).
import * as aws from "@pulumi/aws";
import { DeliveryEnvironment, deliveryEnvironments, resourceName } from "./policies";
import { reviewImageRetentionDays, reviewRepositoryName } from "../stacks/naming";

/** How many tagged images each repository keeps (a tag is a commit); untagged ones go after a day. */
export const keepTaggedImages: Record<DeliveryEnvironment, number> = { staging: 20, production: 100 };

/** Lifecycle rules: untagged layers go after a day, and only the newest tagged images are kept. */
export function lifecyclePolicy(keep: number) {
    return {
        rules: [
            {
                rulePriority: 1,
                description: "Expire untagged images after one day",
                selection: { tagStatus: "untagged", countType: "sinceImagePushed", countUnit: "days", countNumber: 1 },
                action: { type: "expire" },
            },
            {
                rulePriority: 2,
                description: `Keep the ${keep} most recent tagged images`,
                selection: { tagStatus: "tagged", tagPatternList: ["*"], countType: "imageCountMoreThan", countNumber: keep },
                action: { type: "expire" },
            },
        ],
    };
}

/**
 * Immutable tags, scanned on push, encrypted with ECR's KMS key; protected, and never deleted while it holds images.
 * Logical names `<environment>-registry`: an existing stack's repository moves here with `pulumi import` under them
 * (bootstrap/README.md).
 */
export function registries(tags: Record<string, string>): Record<DeliveryEnvironment, aws.ecr.Repository> {
    return Object.fromEntries(
        deliveryEnvironments.map((environment) => {
            const repository = new aws.ecr.Repository(
                `${environment}-registry`,
                {
                    name: resourceName(environment),
                    imageTagMutability: "IMMUTABLE",
                    imageScanningConfiguration: { scanOnPush: true },
                    encryptionConfigurations: [{ encryptionType: "KMS" }],
                    forceDelete: false,
                    tags: { ...tags, environment },
                },
                { protect: true },
            );
            new aws.ecr.LifecyclePolicy(`${environment}-registry`, { repository: repository.name, policy: JSON.stringify(lifecyclePolicy(keepTaggedImages[environment])) });
            return [environment, repository];
        }),
    ) as Record<DeliveryEnvironment, aws.ecr.Repository>;
}

/** Review images: untagged layers go after a day, every image the given days after its push. */
export function reviewLifecyclePolicy(days: number) {
    return {
        rules: [
            lifecyclePolicy(0).rules[0],
            {
                rulePriority: 2,
                description: `Expire review images ${days} days after their push`,
                selection: { tagStatus: "any", countType: "sinceImagePushed", countUnit: "days", countNumber: days },
                action: { type: "expire" },
            },
        ],
    };
}

/**
 * Pull requests' review images (.github/workflows/review.yml), apart from staging's so the review role's push
 * permission reaches no tag staging deploys. Immutable and scanned like the others; not protected, its images are
 * disposable.
 */
export function reviewRegistry(tags: Record<string, string>): aws.ecr.Repository {
    const repository = new aws.ecr.Repository("review-registry", {
        name: reviewRepositoryName(resourceName("staging")),
        imageTagMutability: "IMMUTABLE",
        imageScanningConfiguration: { scanOnPush: true },
        encryptionConfigurations: [{ encryptionType: "KMS" }],
        forceDelete: true,
        tags: { ...tags, environment: "staging" },
    });
    new aws.ecr.LifecyclePolicy("review-registry", { repository: repository.name, policy: JSON.stringify(reviewLifecyclePolicy(reviewImageRetentionDays)) });
    return repository;
}
