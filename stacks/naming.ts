// The names this project gives things, in one place: the program, bootstrap/ and the policy pack import them,
// so the deploy role's scoping and the resources it must reach cannot drift apart. No dependencies: the policy
// pack loads this file on its own.

export const projectName = "eks-app";

/**
 * IAM path of every role and instance profile one stack creates (cluster, nodes, addons): `/eks-app/<stack>/`. Per
 * stack because iam:PassRole can be scoped only by the passed role's ARN, never its tags: the path is what keeps one
 * environment's deploy role and roles from passing another's.
 */
export function programIamPath(stack: string): string {
    return `/${projectName}/${stack}/`;
}
/** IAM path of CI's own roles and policies (bootstrap/); the deploy roles cannot change these. */
export const ciIamPath = `/${projectName}-ci/`;

/** The cluster, its ECR repository and other per-stack resources are named `<project>-<stack>`. */
export function stackResourceName(stack: string): string {
    return `${projectName}-${stack}`;
}

/** The annotation by which a LoadBalancer Service says it means to be public (the policy pack checks it). */
export const publicServiceAnnotation = `${projectName}.io/public`;

/**
 * Review environments (stacks pr-<n>): each runs in its own namespace `eks-app-pr-<n>` on staging's cluster. Staging
 * grants the review role access to namespaces with this prefix only (components/review/access.ts).
 */
export const reviewNamespacePrefix = `${projectName}-pr-`;
export function reviewNamespace(pullRequest: number): string {
    return `${reviewNamespacePrefix}${pullRequest}`;
}
/**
 * Review images live in a repository of their own beside staging's, `<staging's>-review` (bootstrap/registry.ts): ECR
 * has no tag-level IAM condition, so only a separate repository keeps the review role from pushing, or squatting, a tag
 * main's deploy would use, and keeps review pushes out of the count of staging's kept images.
 */
export function reviewRepositoryName(stagingResourceName: string): string {
    return `${stagingResourceName}-review`;
}
/** Days a review image is kept after its push; a review environment lives at most reviewLifetimeDays after its last one. */
export const reviewImageRetentionDays = 14;
/** Labels every review namespace: the pull request's number, what the sweeper lists them by. */
export const pullRequestLabel = `${projectName}.io/pull-request`;
/** Annotates every review namespace: when (RFC 3339, UTC) the sweeper may destroy it. */
export const reviewExpiryAnnotation = `${projectName}.io/expires-at`;
/** The Kubernetes group of the review role's access entry: what the admission policy recognises it by. */
export const reviewGroup = `${projectName}:review-environments`;
