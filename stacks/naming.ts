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
