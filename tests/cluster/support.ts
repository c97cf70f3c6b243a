// What the cluster's test files share: the principals they grant, and the staging and production runs they read.
import { ProgramRun, RegisteredResource, runProgram, testAccountId, testDeployerRoleArn } from "../../harness";


export const adminArn = `arn:aws:iam::${testAccountId}:role/platform-admins`;
export const viewerArn = `arn:aws:iam::${testAccountId}:role/pr-preview`;
export const ciDeployArn = `arn:aws:iam::${testAccountId}:role/eks-app-ci/eks-app-deploy-production`;
/** The stack files name CI's deploy, preview and review roles; these runs name none, so whoever runs the program deploys. */
export const noNamedRoles = ["eks-app:clusterDeployerRole", "eks-app:clusterPreviewRole", "eks-app:clusterReviewRole"];

export function dependsOn(resource: RegisteredResource, type: string, nameSuffix: string): boolean {
    return resource.options.dependsOn.some((d) => d.type === type && d.name.endsWith(nameSuffix));
}

export function grants(run: ProgramRun) {
    return run
        .ofType("aws:eks/accessPolicyAssociation:AccessPolicyAssociation")
        .map((a) => ({ principal: a.inputs.principalArn, policy: a.inputs.policyArn.split("/").pop(), scope: a.inputs.accessScope.type }))
        .sort((a, b) => a.principal.localeCompare(b.principal));
}

/** Staging as whoever runs it, and production with extra admins and viewers, neither naming CI's roles. */
export async function clusterRuns(): Promise<{ staging: ProgramRun; production: ProgramRun }> {
    return {
        staging: await runProgram("dev", { without: noNamedRoles }),
        production: await runProgram("prod", {
            without: noNamedRoles,
            config: {
                "eks-app:clusterAdminPrincipalArns": JSON.stringify([adminArn, testDeployerRoleArn]),
                "eks-app:clusterViewerPrincipalArns": JSON.stringify([viewerArn, adminArn]),
            },
        }),
    };
}
