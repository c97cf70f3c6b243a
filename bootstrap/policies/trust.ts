// Who may assume each delivery role: GitHub's OIDC tokens for sts.amazonaws.com, from this repository, and for one
// subject each. A job in an environment gets `repo:OWNER/REPO:environment:NAME`; a job without one on a push to main
// gets `repo:OWNER/REPO:ref:refs/heads/main` (GitHub docs, "About security hardening with OpenID Connect").
import type { PolicyDocument } from "./context";

const githubOidcHost = "token.actions.githubusercontent.com";

/** The one subject each role trusts. Staging's roles never name a production subject, nor the other way round. */
export const githubSubjects = {
    imagePush: (repository: string) => `repo:${repository}:ref:refs/heads/main`,
    stagingDeploy: (repository: string) => `repo:${repository}:environment:staging`,
    productionDeploy: (repository: string) => `repo:${repository}:environment:production`,
    stagingPreview: (repository: string) => `repo:${repository}:environment:preview`,
    productionPreview: (repository: string) => `repo:${repository}:environment:production-preview`,
    stagingReview: (repository: string) => `repo:${repository}:environment:review`,
};
export type DeliveryRoleKey = keyof typeof githubSubjects;

export function githubTrust(oidcProviderArn: string, subject: string): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "GitHubActionsOidc",
                Effect: "Allow",
                Principal: { Federated: oidcProviderArn },
                Action: "sts:AssumeRoleWithWebIdentity",
                Condition: { StringEquals: { [`${githubOidcHost}:aud`]: "sts.amazonaws.com", [`${githubOidcHost}:sub`]: subject } },
            },
        ],
    };
}
