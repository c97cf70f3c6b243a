import { strict as assert } from "node:assert";
import { accessSync, constants } from "node:fs";
import { join } from "node:path";
import { repositoryRoot } from "./run-script";
import { jobSteps, ParsedWorkflow, ParsedWorkflows, parsedWorkflows, plain, workflowFiles } from "./workflow-support";

describe("GitHub workflows", () => {
    let workflows: ParsedWorkflow[];
    let action: ParsedWorkflows["action"];

    before(async () => {
        ({ workflows, action } = await parsedWorkflows());
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

    it("call only scripts that exist and are executable", () => {
        const scripts = new Set([...workflows.map((parsed) => parsed.text), action.text].flatMap((text) => text.match(/scripts\/deploy\/[\w.-]+\.sh/g) ?? []));

        assert.ok(scripts.size >= 4);
        for (const script of scripts) accessSync(join(repositoryRoot, script), constants.X_OK);
    });
});
