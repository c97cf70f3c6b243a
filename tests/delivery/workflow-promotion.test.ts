import { strict as assert } from "node:assert";
import { ParsedWorkflow, parsedWorkflows, plain } from "./workflow-support";

describe("GitHub workflows", () => {
    let workflows: ParsedWorkflow[];
    const workflow = (file: string) => workflows.find((candidate) => candidate.file === file) as ParsedWorkflow;

    before(async () => {
        ({ workflows } = await parsedWorkflows());
    });

    it("never cancel a running update, and give runs by hand a group no automatic promote shares", () => {
        assert.deepEqual(
            ["deploy.yml", "destroy.yml", "promote.yml"].map((file) => {
                const concurrency = plain(workflow(file).template.concurrency) as Record<string, unknown> | undefined;
                return [file, concurrency?.group, concurrency?.["cancel-in-progress"]];
            }),
            [
                ["deploy.yml", "pulumi-dev", false],
                ["destroy.yml", "${{ format('pulumi-{0}', inputs.stack) }}", false],
                ["promote.yml", "${{ github.event_name == 'workflow_dispatch' && 'pulumi-prod-by-hand' || 'pulumi-prod' }}", false],
            ],
        );
        // A job-level group of the same name inside would wait for its own workflow forever.
        for (const file of ["deploy.yml", "destroy.yml", "promote.yml"]) {
            for (const job of workflow(file).template.jobs) assert.equal(job.type === "job" ? job.concurrency : undefined, undefined, `${file} ${job.id.value}`);
        }
    });

    it("promote only a commit whose Deploy run succeeded, checked before anyone is asked to approve", () => {
        const promote = workflow("promote.yml");
        const verify = promote.yaml.jobs.verify as { permissions?: Record<string, string>; steps?: { run?: string }[] };
        const production = promote.template.jobs.find((job) => job.id.value === "production");

        assert.ok(verify.steps?.some((step) => /scripts\/deploy\/require-staging-success\.sh "\$GITHUB_REPOSITORY" "\$TAG"/.test(step.run ?? "")));
        assert.deepEqual(verify.permissions, { actions: "read", contents: "read" });
        assert.deepEqual(production?.needs?.map((need) => need.value), ["verify"]);
    });

    it("create no repository: bootstrap does, and no workflow runs a targeted update", () => {
        for (const { file, text } of workflows) {
            assert.doesNotMatch(text, /ensure-repository|pulumi up[^\n]*--target/, file);
        }
        assert.equal(workflow("deploy.yml").yaml.jobs.registry, undefined);
    });

    it("promote the digest the staging run recorded after its smoke test, not what the staging tag points to now", () => {
        type Step = { id?: string; uses?: string; run?: string; with?: Record<string, string>; env?: Record<string, string> };
        const staging = (workflow("deploy.yml").yaml.jobs.staging.steps ?? []) as Step[];
        const deployStep = staging.findIndex((step) => step.id === "deploy");
        const record = staging.findIndex((step) => step.env?.IMAGE === "${{ steps.deploy.outputs.image }}");
        const upload = staging.findIndex((step) => step.uses?.startsWith("actions/upload-artifact@"));
        assert.ok(deployStep >= 0 && deployStep < record && record < upload, "recorded after deploy.sh, which prints the image only after the smoke test");
        assert.equal(staging[upload]?.with?.name, "staging-image");

        const promote = workflow("promote.yml").yaml.jobs as Record<string, { outputs?: Record<string, string>; steps: Step[] }>;
        assert.equal(promote.verify.outputs?.image, "${{ steps.staging.outputs.image }}");
        assert.match(promote.verify.steps.find((step) => step.id === "staging")?.run ?? "", /require-staging-success\.sh/);
        const copy = promote.production.steps.find((step) => /promote-image\.sh/.test(step.run ?? ""));
        assert.equal(copy?.env?.IMAGE, "${{ needs.verify.outputs.image }}");
        assert.match(copy?.run ?? "", /--digest "\$\{IMAGE#\*@\}"/);
    });

    it("deploy the promoted commit's program with the pipeline (scripts, setup action) of the run's own commit", () => {
        type Step = { uses?: string; run?: string; with?: Record<string, unknown> };
        const steps = (workflow("promote.yml").yaml.jobs.production.steps ?? []) as Step[];
        const checkouts = steps.filter((step) => step.uses?.startsWith("actions/checkout@"));
        assert.deepEqual(
            checkouts.map((step) => [step.with?.ref, step.with?.path]),
            [
                ["${{ needs.verify.outputs.tag }}", undefined],
                [undefined, ".pipeline"],
            ],
        );
        assert.ok(steps.some((step) => step.uses === "./.pipeline/.github/actions/pulumi-setup"));
        for (const step of steps.filter((candidate) => /scripts\/deploy\//.test(candidate.run ?? ""))) {
            assert.doesNotMatch(step.run ?? "", /(^|[\s"])scripts\/deploy\//, `runs the current pipeline's scripts: ${step.run}`);
        }
    });

    it("preview with the policy pack, which alone holds what the program's roles may trust", () => {
        const steps = (workflow("pull-request.yml").yaml.jobs.preview.steps ?? []) as { uses?: string; with?: Record<string, unknown> }[];
        const preview = steps.find((step) => step.uses?.startsWith("pulumi/actions@") && step.with?.command === "preview");
        assert.equal(preview?.with?.policyPacks, "policy");
    });

    it("deploy on pushes to main and promote only after a deploy run or by hand", () => {
        assert.deepEqual(Object.keys(workflow("deploy.yml").template.events), ["push"]);
        assert.deepEqual(workflow("deploy.yml").template.events.push?.branches, ["main"]);
        assert.deepEqual(Object.keys(workflow("promote.yml").template.events).sort(), ["workflow_dispatch", "workflow_run"]);
        assert.deepEqual(workflow("promote.yml").template.events.workflow_run?.workflows, ["Deploy"]);
    });

    it("deploy to the staging and production environments, and preview in the preview ones", () => {
        const environments = workflows.flatMap(({ file, template }) =>
            template.jobs.flatMap((job) => (job.type === "job" && job.environment !== undefined ? [[file, job.id.value, plain(job.environment)]] : [])),
        );
        const name = (environment: unknown) => (typeof environment === "string" ? environment : (environment as { name: unknown }).name);

        assert.deepEqual(
            environments.map(([file, job, environment]) => [file, job, name(environment)]),
            [
                ["deploy.yml", "staging", "staging"],
                ["destroy.yml", "destroy", "${{ inputs.stack == 'prod' && 'production' || 'staging' }}"],
                ["promote.yml", "production", "production"],
                ["pull-request.yml", "preview", "${{ matrix.environment }}"],
                ["review-sweeper.yml", "sweep", "review"],
                ["review.yml", "deploy", "review"],
                ["review.yml", "destroy", "review"],
            ],
        );
    });
});
