import { strict as assert } from "node:assert";
import { isPulumiSetup, ParsedWorkflow, ParsedWorkflows, parsedWorkflows } from "./workflow-support";

describe("GitHub workflows", () => {
    let workflows: ParsedWorkflow[];
    let action: ParsedWorkflows["action"];
    const workflow = (file: string) => workflows.find((candidate) => candidate.file === file) as ParsedWorkflow;

    before(async () => {
        ({ workflows, action } = await parsedWorkflows());
    });

    it("assume, in each environment, only the role that trusts that environment, and give each stack its own environment's boundary", () => {
        const roleOf = (uses: { with?: Record<string, string> }[]) =>
            uses.map((step) => step.with?.["aws-role-arn"] ?? step.with?.["role-to-assume"]).find((role) => role !== undefined);
        const assumed = workflows.flatMap(({ file, yaml }) =>
            Object.entries(yaml.jobs).flatMap(([jobName, job]) => {
                const steps = (job.steps ?? []) as { uses?: string; with?: Record<string, string> }[];
                const role = roleOf(steps.filter((step) => isPulumiSetup(step.uses) || step.uses?.startsWith("aws-actions/configure-aws-credentials@")));
                if (role === undefined) return [];
                const setup = steps.find((step) => isPulumiSetup(step.uses));
                const environment = (job as { environment?: string | { name: string } }).environment;
                return [[file, jobName, typeof environment === "object" ? environment.name : (environment ?? "none"), role, setup?.with?.stack ?? "no stack", setup?.with?.["permissions-boundary-arn"] ?? "no boundary"]];
            }),
        );

        const staging = ["dev", "${{ vars.AWS_STAGING_PERMISSIONS_BOUNDARY_ARN }}"];
        const production = ["prod", "${{ vars.AWS_PRODUCTION_PERMISSIONS_BOUNDARY_ARN }}"];
        assert.deepEqual(assumed, [
            ["deploy.yml", "image", "none", "${{ vars.AWS_IMAGE_PUSH_ROLE_ARN }}", "no stack", "no boundary"],
            ["deploy.yml", "staging", "staging", "${{ vars.AWS_STAGING_DEPLOY_ROLE_ARN }}", ...staging],
            [
                "destroy.yml",
                "destroy",
                "${{ inputs.stack == 'prod' && 'production' || 'staging' }}",
                "${{ inputs.stack == 'prod' && vars.AWS_PRODUCTION_DEPLOY_ROLE_ARN || vars.AWS_STAGING_DEPLOY_ROLE_ARN }}",
                "${{ inputs.stack }}",
                "${{ inputs.stack == 'prod' && vars.AWS_PRODUCTION_PERMISSIONS_BOUNDARY_ARN || vars.AWS_STAGING_PERMISSIONS_BOUNDARY_ARN }}",
            ],
            ["promote.yml", "production", "production", "${{ vars.AWS_PRODUCTION_DEPLOY_ROLE_ARN }}", ...production],
            [
                "pull-request.yml",
                "preview",
                "${{ matrix.environment }}",
                "${{ matrix.stack == 'prod' && vars.AWS_PRODUCTION_PREVIEW_ROLE_ARN || vars.AWS_STAGING_PREVIEW_ROLE_ARN }}",
                "${{ matrix.stack }}",
                "${{ matrix.stack == 'prod' && vars.AWS_PRODUCTION_PERMISSIONS_BOUNDARY_ARN || vars.AWS_STAGING_PERMISSIONS_BOUNDARY_ARN }}",
            ],
            // The review role creates no IAM role, so it needs no boundary.
            ["review-sweeper.yml", "sweep", "review", "${{ vars.AWS_REVIEW_ROLE_ARN }}", "no stack", "no boundary"],
            ["review.yml", "deploy", "review", "${{ vars.AWS_REVIEW_ROLE_ARN }}", "no stack", "no boundary"],
            ["review.yml", "destroy", "review", "${{ vars.AWS_REVIEW_ROLE_ARN }}", "no stack", "no boundary"],
        ]);
        const matrix = (workflow("pull-request.yml").yaml.jobs.preview as { strategy?: { matrix?: { include?: unknown } } }).strategy?.matrix?.include;
        assert.deepEqual(matrix, [
            { stack: "dev", environment: "preview" },
            { stack: "prod", environment: "production-preview" },
        ]);
    });

    it("give a Pulumi Cloud token only to jobs in an environment, each of which holds its own, scoped token", () => {
        for (const { file, yaml } of workflows) {
            for (const [jobName, job] of Object.entries(yaml.jobs)) {
                if (!/secrets\.PULUMI_ACCESS_TOKEN/.test(JSON.stringify(job))) continue;
                assert.ok((job as { environment?: unknown }).environment !== undefined, `${file} ${jobName} reads the token outside an environment`);
            }
        }
    });

    it("grant no token permissions by default, and an OIDC token only to jobs that assume an AWS role", () => {
        for (const { file, yaml } of workflows) {
            assert.deepEqual(yaml.permissions, {}, `${file} starts from no permissions`);
            for (const [jobName, job] of Object.entries(yaml.jobs)) {
                const assumesRole = (job.steps ?? []).some((step) => isPulumiSetup(step.uses) || step.uses?.startsWith("aws-actions/configure-aws-credentials@"));
                assert.equal(job.permissions?.["id-token"] === "write", assumesRole, `${file} ${jobName}`);
                for (const [scope, level] of Object.entries(job.permissions ?? {})) {
                    assert.ok(level === "read" || (scope === "id-token" && level === "write") || (scope === "pull-requests" && (file === "pull-request.yml" || file === "review.yml")), `${file} ${jobName}: ${scope}: ${level}`);
                }
            }
        }
    });

    it("use no long-lived AWS keys anywhere", () => {
        for (const text of [...workflows.map((parsed) => parsed.text), action.text]) {
            assert.doesNotMatch(text, /AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|aws-access-key-id|aws-secret-access-key/i);
        }
    });
});
