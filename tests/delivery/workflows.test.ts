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

    it("has the four delivery workflows", () => {
        assert.deepEqual([...workflowFiles].sort(), ["deploy.yml", "destroy.yml", "promote.yml", "pull-request.yml"]);
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

    it("never overlap two updates of one stack: deploy, promote and destroy share a group per stack and never cancel", () => {
        const stackUpdates = workflows.flatMap(({ file, template }) =>
            template.jobs
                .filter((job) => job.type === "job" && job.steps.some((step) => "run" in step && /deploy\.sh|pulumi destroy/.test(String(plain(step.run)))))
                .map((job) => ({ file, job: job.id.value, concurrency: plain(job.concurrency) as Record<string, unknown> | undefined })),
        );

        assert.deepEqual(
            stackUpdates.map(({ file, job, concurrency }) => [file, job, concurrency?.group, concurrency?.["cancel-in-progress"]]),
            [
                ["deploy.yml", "staging", "pulumi-dev", false],
                ["destroy.yml", "destroy", "${{ format('pulumi-{0}', inputs.stack) }}", false],
                ["promote.yml", "production", "pulumi-prod", false],
            ],
        );
    });

    it("lets destroy run only by hand, and only after the typed confirmation is checked", () => {
        const destroy = workflow("destroy.yml");
        const destroyJob = destroy.template.jobs.find((job) => job.id.value === "destroy");

        assert.deepEqual(Object.keys(destroy.template.events), ["workflow_dispatch"]);
        assert.deepEqual(destroyJob?.needs?.map((need) => need.value), ["confirm"]);
        assert.match(destroy.text, /"\$CONFIRMATION" != "\$STACK" \] && \[ "\$CONFIRMATION" != "destroy \$STACK"/);
        assert.equal(destroy.yaml.jobs.confirm?.permissions, undefined, "the confirmation check gets no token permissions");
    });

    it("deploy on pushes to main and promote only after a deploy run or by hand", () => {
        assert.deepEqual(Object.keys(workflow("deploy.yml").template.events), ["push"]);
        assert.deepEqual(workflow("deploy.yml").template.events.push?.branches, ["main"]);
        assert.deepEqual(Object.keys(workflow("promote.yml").template.events).sort(), ["workflow_dispatch", "workflow_run"]);
        assert.deepEqual(workflow("promote.yml").template.events.workflow_run?.workflows, ["Deploy"]);
    });

    it("deploy to the staging and production environments, and preview in the preview one", () => {
        const environments = workflows.flatMap(({ file, template }) =>
            template.jobs.flatMap((job) => (job.type === "job" && job.environment !== undefined ? [[file, job.id.value, plain(job.environment)]] : [])),
        );
        const name = (environment: unknown) => (typeof environment === "string" ? environment : (environment as { name: unknown }).name);

        assert.deepEqual(
            environments.map(([file, job, environment]) => [file, job, name(environment)]),
            [
                ["deploy.yml", "staging", "staging"],
                ["destroy.yml", "destroy", "${{ inputs.stack == 'prod' && 'production' || 'staging' }}"],
                ["promote.yml", "verify", "preview"],
                ["promote.yml", "production", "production"],
                ["pull-request.yml", "preview", "preview"],
            ],
        );
    });

    it("grant no token permissions by default, and an OIDC token only to jobs that assume an AWS role", () => {
        for (const { file, yaml } of workflows) {
            assert.deepEqual(yaml.permissions, {}, `${file} starts from no permissions`);
            for (const [jobName, job] of Object.entries(yaml.jobs)) {
                const assumesRole = (job.steps ?? []).some((step) => step.uses === "./.github/actions/pulumi-setup");
                assert.equal(job.permissions?.["id-token"] === "write", assumesRole, `${file} ${jobName}`);
                for (const [scope, level] of Object.entries(job.permissions ?? {})) {
                    assert.ok(level === "read" || (scope === "id-token" && level === "write") || (scope === "pull-requests" && file === "pull-request.yml"), `${file} ${jobName}: ${scope}: ${level}`);
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
