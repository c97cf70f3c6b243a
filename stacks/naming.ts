// The names this project gives things, in one place: the program, bootstrap/ and the policy pack import them,
// so the deploy role's scoping and the resources it must reach cannot drift apart. No dependencies: the policy
// pack loads this file on its own.

export const projectName = "eks-app";

/** IAM path of every role and policy the program creates (cluster, nodes, addons); the deploy role manages these. */
export const programIamPath = `/${projectName}/`;
/** IAM path of CI's own roles and policies (bootstrap/); the deploy roles cannot change these. */
export const ciIamPath = `/${projectName}-ci/`;

/** The cluster, its ECR repository and other per-stack resources are named `<project>-<stack>`. */
export function stackResourceName(stack: string): string {
    return `${projectName}-${stack}`;
}

/** The annotation by which a LoadBalancer Service says it means to be public (the policy pack checks it). */
export const publicServiceAnnotation = `${projectName}.io/public`;
