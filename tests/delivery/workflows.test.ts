import { strict as assert } from "node:assert";
import { accessSync, constants, readdirSync, readFileSync } from "node:fs";
import { register } from "node:module";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { repositoryRoot } from "./run-script";

type WorkflowParser = typeof import("@actions/workflow-parser");
type WorkflowTemplate = Awaited<ReturnType<WorkflowParser["convertWorkflowTemplate"]>>;
type ActionTemplate = ReturnType<typeof import("@actions/workflow-parser/actions/index")["convertActionTemplate"]>;

const workflowsDir = join(repositoryRoot, ".github", "workflows");
const workflowFiles = readdirSync(workflowsDir).filter((file) => /\.ya?ml$/.test(file));
const compositeActionFile = join(repositoryRoot, ".github", "actions", "pulumi-setup", "action.yml");

/**
 * The parser is ESM that imports its JSON schemas without import attributes (the VS Code extension bundles it);
 * this load hook adds them, so Node loads the published package as it is.
 */
function loadParser(): Promise<[WorkflowParser, typeof import("@actions/workflow-parser/actions/index")]> {
    const addJsonAttributes = `export async function load(url, context, nextLoad) {
        return nextLoad(url, url.endsWith(".json") ? { ...context, importAttributes: { ...context.importAttributes, type: "json" } } : context);
    }`;
    register(`data:text/javascript,${encodeURIComponent(addJsonAttributes)}`);
    return Promise.all([import("@actions/workflow-parser"), import("@actions/workflow-parser/actions/index")]);
}

interface ParsedWorkflow {
    file: string;
    text: string;
    errors: string[];
    template: WorkflowTemplate;
    /** The same file as plain data, for what the template does not carry (permissions). */
    yaml: { permissions?: unknown; jobs: Record<string, { permissions?: Record<string, string>; steps?: { uses?: string }[] }> };
}

/** A template token as plain data; expressions as their `${{ }}` source. */
function plain(token: unknown): unknown {
    const serialized = (token as { toJSON?: () => unknown } | undefined)?.toJSON?.() ?? token;
    if (typeof serialized !== "object" || serialized === null) return serialized;
    const node = serialized as { map?: { Key: unknown; Value: unknown }[]; seq?: unknown[]; expr?: string };
    if (node.map !== undefined) return Object.fromEntries(node.map.map(({ Key, Value }) => [plain(Key), plain(Value)]));
    if (node.seq !== undefined) return node.seq.map(plain);
    if (node.expr !== undefined) return `\${{ ${node.expr} }}`;
    return serialized;
}

/** The composite action, from the checkout of the workflow's commit or of the pipeline beside an older program. */
const isPulumiSetup = (uses: string | undefined) => uses === "./.github/actions/pulumi-setup" || uses === "./.pipeline/.github/actions/pulumi-setup";

const jobSteps = (template: WorkflowTemplate) =>
    template.jobs.flatMap((job) => (job.type === "job" ? job.steps.map((step) => ({ job, step })) : []));

describe("GitHub workflows", () => {
    let workflows: ParsedWorkflow[];
    let action: { text: string; errors: string[]; template: ActionTemplate };
    const workflow = (file: string) => workflows.find((candidate) => candidate.file === file) as ParsedWorkflow;

    before(async () => {
        const [parser, actionParser] = await loadParser();
        const trace = new parser.NoOperationTraceWriter();
        workflows = await Promise.all(
            workflowFiles.map(async (file) => {
                const text = readFileSync(join(workflowsDir, file), "utf8");
                const parsed = parser.parseWorkflow({ name: file, content: text }, trace);
                assert.ok(parsed.value, `${file} did not parse at all: ${parsed.context.errors.getErrors().map((error) => error.message)}`);
                const template = await parser.convertWorkflowTemplate(parsed.context, parsed.value);
                const errors = [...parsed.context.errors.getErrors().map((error) => error.message), ...(template.errors ?? []).map((error) => error.Message)];
                return { file, text, errors, template, yaml: parseYaml(text) };
            }),
        );
        const text = readFileSync(compositeActionFile, "utf8");
        const parsed = actionParser.parseAction({ name: "action.yml", content: text }, trace);
        assert.ok(parsed.value, "the composite action did not parse at all");
        action = { text, errors: parsed.context.errors.getErrors().map((error) => error.message), template: actionParser.convertActionTemplate(parsed.context, parsed.value) };
    });

    it("has the four delivery workflows and the review environments' two", () => {
        assert.deepEqual([...workflowFiles].sort(), ["deploy.yml", "destroy.yml", "promote.yml", "pull-request.yml", "review-sweeper.yml", "review.yml"]);
    });

    it("are valid by GitHub's own workflow schema, like the composite action", () => {
        for (const { file, errors } of workflows) assert.deepEqual(errors, [], file);
        assert.deepEqual(action.errors, [], "pulumi-setup/action.yml");
    });

    it("pin every remote action to a full commit SHA (with its version beside it) or an exact version", () => {
        const actionSteps = action.template.runs.using === "composite" ? action.template.runs.steps : [];
        const uses = [
            ...workflows.flatMap(({ file, text, template }) => jobSteps(template).map(({ step }) => ({ file, text, step }))),
            ...actionSteps.map((step) => ({ file: "pulumi-setup/action.yml", text: action.text, step })),
        ]
            .filter(({ step }) => "uses" in step)
            .map(({ file, text, step }) => ({ file, text, ref: (step as { uses: { value: string } }).uses.value }))
            .filter(({ ref }) => !ref.startsWith("./"));

        assert.ok(uses.length >= 10, "found the steps that use actions");
        for (const { file, text, ref } of uses) {
            const [, version] = ref.split("@");
            assert.match(version ?? "", /^([0-9a-f]{40}|v\d+\.\d+\.\d+)$/, `${file}: ${ref}`);
            if (/^[0-9a-f]{40}$/.test(version ?? "")) {
                assert.match(text, new RegExp(`${ref} # v\\d+\\.\\d+\\.\\d+\\n`), `${file}: ${ref} needs its version in a comment`);
            }
        }
        const refsByAction = new Map<string, Set<string>>();
        for (const { ref } of uses) refsByAction.set(ref.split("@")[0] as string, (refsByAction.get(ref.split("@")[0] as string) ?? new Set()).add(ref));
        for (const [name, refs] of refsByAction) assert.equal(refs.size, 1, `${name} is pinned to one version everywhere, not ${[...refs]}`);
    });

    it("pin job containers to an exact image version", () => {
        for (const { file, template } of workflows) {
            for (const job of template.jobs) {
                if (job.type !== "job" || job.container === undefined) continue;
                assert.match(String(plain(job.container)), /^[\w./-]+:\d+\.\d+\.\d+[\w.-]*$/, `${file}: ${job.id.value}`);
            }
        }
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

    it("run every `run:` step with bash -eo pipefail, so `pulumi ... | jq` fails when pulumi does", () => {
        for (const { file, yaml } of workflows) {
            assert.deepEqual((yaml as { defaults?: unknown }).defaults, { run: { shell: "bash" } }, file);
        }
    });

    it("install without lifecycle scripts in every job that can get cloud credentials", () => {
        for (const { file, yaml } of workflows) {
            for (const [jobName, job] of Object.entries(yaml.jobs)) {
                if (job.permissions?.["id-token"] !== "write") continue;
                const installs = (job.steps ?? []).map((step) => String((step as { run?: string }).run ?? "")).filter((run) => /\bnpm (ci|install|i)\b/.test(run));
                // The image job builds app/ only; a review destroy and the sweeper run the Pulumi CLI on state, no program.
                const runsNoProgram = jobName === "image" || (file === "review.yml" && jobName === "destroy") || file === "review-sweeper.yml";
                assert.ok(installs.length > 0 || runsNoProgram, `${file} ${jobName} installs the program's dependencies`);
                for (const install of installs) assert.match(install, /^npm ci --ignore-scripts\b/, `${file} ${jobName}: ${install}`);
            }
        }
    });

    it("check out full history wherever deploy.sh runs: it checks ancestry and checks out the last good commit", () => {
        for (const { file, yaml } of workflows) {
            for (const [jobName, job] of Object.entries(yaml.jobs)) {
                const steps = (job.steps ?? []) as { uses?: string; run?: string; with?: Record<string, unknown> }[];
                if (!steps.some((step) => /deploy\.sh/.test(step.run ?? ""))) continue;
                const checkout = steps.find((step) => step.uses?.startsWith("actions/checkout@"));
                assert.equal(checkout?.with?.["fetch-depth"], 0, `${file} ${jobName}`);
            }
        }
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

    it("give a Pulumi Cloud token only to jobs in an environment, each of which holds its own, scoped token", () => {
        for (const { file, yaml } of workflows) {
            for (const [jobName, job] of Object.entries(yaml.jobs)) {
                if (!/secrets\.PULUMI_ACCESS_TOKEN/.test(JSON.stringify(job))) continue;
                assert.ok((job as { environment?: unknown }).environment !== undefined, `${file} ${jobName} reads the token outside an environment`);
            }
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

    it("call only scripts that exist and are executable", () => {
        const scripts = new Set([...workflows.map((parsed) => parsed.text), action.text].flatMap((text) => text.match(/scripts\/deploy\/[\w.-]+\.sh/g) ?? []));

        assert.ok(scripts.size >= 4);
        for (const script of scripts) accessSync(join(repositoryRoot, script), constants.X_OK);
    });
});
