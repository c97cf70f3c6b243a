// The delivery roles: who assumes each (one GitHub subject), and the documents that say what it may do. Each role
// trusts one environment only, so a staging job cannot reach production's role, and the production approval is an
// AWS boundary rather than a convention.
import {
    DeliveryContext,
    deployClusterPolicy,
    deployIamPolicy,
    deployNetworkPolicy,
    deployRegistryPolicy,
    deployServicesPolicy,
    DeliveryRoleKey,
    githubSubjects,
    imagePushPolicy,
    PolicyDocument,
    previewPolicy,
    projectName,
    reviewPolicy,
} from "./policies";

export interface DeliveryRole {
    key: DeliveryRoleKey;
    name: string;
    description: string;
    /** The role's managed policies by concern (6,144 characters each at most). */
    concerns: string[];
    policies: (ctx: DeliveryContext, roleArn: string) => Record<string, PolicyDocument>;
    maxSessionSeconds: number;
}

const deployRole = (environment: "staging" | "production"): DeliveryRole => {
    const name = `${projectName}-${environment}-deploy`;
    return {
        key: environment === "staging" ? "stagingDeploy" : "productionDeploy",
        name,
        description: `GitHub Actions: pulumi up and destroy of ${projectName}'s ${environment} stack (environment ${environment} only)`,
        concerns: ["network", "cluster", "iam", "registry", "services"],
        policies: (ctx) => ({
            network: deployNetworkPolicy(ctx, environment),
            cluster: deployClusterPolicy(ctx, environment),
            iam: deployIamPolicy(ctx, environment, name),
            registry: deployRegistryPolicy(ctx, environment),
            services: deployServicesPolicy(ctx, environment),
        }),
        // A first cluster create plus a roll back can outlast an hour.
        maxSessionSeconds: 7200,
    };
};

const previewRole = (environment: "staging" | "production", githubEnvironment: string): DeliveryRole => ({
    key: environment === "staging" ? "stagingPreview" : "productionPreview",
    name: `${projectName}-${environment}-preview`,
    description: `GitHub Actions: read-only pulumi preview of ${projectName}'s ${environment} stack (environment ${githubEnvironment} only)`,
    concerns: ["read"],
    policies: (ctx, roleArn) => ({ read: previewPolicy(ctx, environment, roleArn) }),
    maxSessionSeconds: 3600,
});

export const deliveryRoles: DeliveryRole[] = [
    {
        key: "imagePush",
        name: `${projectName}-image-push`,
        description: `GitHub Actions: push ${projectName}'s image to staging's repository (pushes to main only)`,
        concerns: ["push"],
        policies: (ctx) => ({ push: imagePushPolicy(ctx) }),
        maxSessionSeconds: 3600,
    },
    deployRole("staging"),
    deployRole("production"),
    previewRole("staging", "preview"),
    previewRole("production", "production-preview"),
    {
        key: "stagingReview",
        // Named in Pulumi.dev.yaml (eks-app:clusterReviewRole): staging grants it access to review namespaces.
        name: `${projectName}-staging-review`,
        description: `GitHub Actions: pull requests' review environments (stacks pr-<n>) on ${projectName}'s staging cluster (environment review only)`,
        concerns: ["review"],
        policies: (ctx) => ({ review: reviewPolicy(ctx) }),
        maxSessionSeconds: 3600,
    },
];

export { githubSubjects };
