// The review-environment workflows (.github/workflows/review.yml, review-sweeper.yml): which pull request events
// create, update or destroy a review stack, with the jobs' `if` conditions evaluated by GitHub's own expression
// library against the events' payloads; and the sweeper's and destroy's scripts run against stand-in CLIs.
import { strict as assert } from "node:assert";
import { copyFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { recordedEntries, repositoryRoot, runScript, sandboxWithFakes } from "./run-script";

type Expressions = typeof import("@actions/expressions");
type Result = typeof import("@actions/expressions/result");
type ExpressionData = Parameters<Result["truthy"]>[0];

const workflowsDir = join(repositoryRoot, ".github", "workflows");
const review = parseYaml(readFileSync(join(workflowsDir, "review.yml"), "utf8"));
const sweeper = parseYaml(readFileSync(join(workflowsDir, "review-sweeper.yml"), "utf8"));

interface PullRequestEvent {
    action: string;
    /** The label added or removed (labeled, unlabeled). */
    label?: string;
    labels: string[];
    fork?: boolean;
    number?: number;
}

describe("review environment workflows", () => {
    let expressions: Expressions;
    let result: Result;
    before(async () => {
        // Loaded as the workflow parser loads it (tests/delivery/workflows.test.ts): the package is ESM.
        [expressions, result] = await Promise.all([import("@actions/expressions"), import("@actions/expressions/result")]);
    });

    /** GitHub's expression data for a plain JSON value. */
    function toData(value: unknown): ExpressionData {
        const { data } = expressions;
        if (value === null || value === undefined) return new data.Null();
        if (typeof value === "string") return new data.StringData(value);
        if (typeof value === "number") return new data.NumberData(value);
        if (typeof value === "boolean") return new data.BooleanData(value);
        if (Array.isArray(value)) {
            const array = new data.Array();
            for (const item of value) array.add(toData(item));
            return array;
        }
        const dictionary = new data.Dictionary();
        for (const [key, item] of Object.entries(value as Record<string, unknown>)) dictionary.add(key, toData(item));
        return dictionary;
    }

    function github(event: PullRequestEvent) {
        return {
            repository: "acme/eks-app",
            event_name: "pull_request",
            event: {
                action: event.action,
                ...(event.label ? { label: { name: event.label } } : {}),
                pull_request: {
                    number: event.number ?? 7,
                    labels: event.labels.map((name) => ({ name })),
                    head: { repo: { full_name: event.fork ? "someone/eks-app" : "acme/eks-app" } },
                },
            },
        };
    }

    function evaluate(expression: string, event: PullRequestEvent): unknown {
        const source = expression.replace(/^\$\{\{([\s\S]*)\}\}$/, "$1");
        const lexer = new expressions.Lexer(source);
        const parser = new expressions.Parser(lexer.lex().tokens, ["github"], []);
        const context = new expressions.data.Dictionary();
        context.add("github", toData(github(event)));
        return new expressions.Evaluator(parser.parse(), context).evaluate();
    }
    const runs = (job: string, event: PullRequestEvent) => result.truthy(evaluate(review.jobs[job].if, event) as ExpressionData);
    /** A string with `${{ }}` parts, as GitHub interpolates it. */
    const interpolate = (template: string, event: PullRequestEvent) =>
        template.replace(/\$\{\{([\s\S]*?)\}\}/g, (_, expression: string) => (evaluate(expression, event) as { coerceString(): string }).coerceString());
    const jobsFor = (event: PullRequestEvent) => ["deploy", "destroy"].filter((job) => runs(job, event));

    describe("triggers", () => {
        it("runs on pull_request events only, never pull_request_target (no workflow here does)", () => {
            assert.deepEqual(Object.keys(review.on), ["pull_request"]);
            assert.deepEqual([...review.on.pull_request.types].sort(), ["closed", "labeled", "reopened", "synchronize", "unlabeled"]);
            for (const file of ["review.yml", "review-sweeper.yml", "pull-request.yml", "deploy.yml", "destroy.yml", "promote.yml"]) {
                assert.ok(!("pull_request_target" in parseYaml(readFileSync(join(workflowsDir, file), "utf8")).on), file);
            }
        });

        it("creates or updates the stack when `stage` is added, on each new commit and on reopening while it is on", () => {
            assert.deepEqual(jobsFor({ action: "labeled", label: "stage", labels: ["stage"] }), ["deploy"]);
            assert.deepEqual(jobsFor({ action: "synchronize", labels: ["bug", "stage"] }), ["deploy"]);
            assert.deepEqual(jobsFor({ action: "reopened", labels: ["stage"] }), ["deploy"]);
        });

        it("does nothing for pull requests without the label, or for other labels", () => {
            assert.deepEqual(jobsFor({ action: "synchronize", labels: ["bug"] }), []);
            assert.deepEqual(jobsFor({ action: "labeled", label: "bug", labels: ["bug", "stage"] }), []);
            assert.deepEqual(jobsFor({ action: "unlabeled", label: "bug", labels: ["stage"] }), []);
            assert.deepEqual(jobsFor({ action: "closed", labels: ["bug"] }), []);
        });

        it("destroys the stack when `stage` is removed or the labelled pull request closes (merged or not)", () => {
            assert.deepEqual(jobsFor({ action: "unlabeled", label: "stage", labels: [] }), ["destroy"]);
            assert.deepEqual(jobsFor({ action: "closed", labels: ["stage"] }), ["destroy"]);
        });

        it("never gives a pull request from a fork an environment, whatever its labels", () => {
            for (const action of ["labeled", "synchronize", "reopened", "unlabeled", "closed"]) {
                assert.deepEqual(jobsFor({ action, label: "stage", labels: ["stage"], fork: true }), [], action);
            }
        });
    });

    it("runs one run per pull request at a time, never cancelling a running update or destroy", () => {
        assert.equal(review.concurrency["cancel-in-progress"], false);
        const group = (number: number) => interpolate(review.concurrency.group, { action: "synchronize", labels: [], number });
        assert.equal(group(7), "review-pr-7");
        assert.notEqual(group(7), group(8));
    });

    it("destroys with the default branch's code, not the pull request's, then removes the stack", () => {
        const steps = review.jobs.destroy.steps as { uses?: string; run?: string; with?: Record<string, string> }[];
        assert.equal(steps.find((step) => step.uses?.startsWith("actions/checkout@"))?.with?.ref, "${{ github.event.repository.default_branch }}");
        assert.ok(steps.some((step) => /scripts\/deploy\/review-destroy\.sh "\$PR_NUMBER"/.test(step.run ?? "")));
        assert.ok(!steps.some((step) => /npm (ci|install)/.test(step.run ?? "")), "a destroy runs none of the program");
    });

    it("keeps one comment with the URL, the commit and the monthly cost from `npm run cost`", () => {
        const steps = review.jobs.deploy.steps as { id?: string; run?: string; env?: Record<string, string> }[];
        assert.match(steps.find((step) => step.id === "cost")?.run ?? "", /npm run -s cost -- --config-file "\$CONFIG" --stack "\$STACK" --json/);
        const comment = steps.find((step) => /review-comment\.sh/.test(step.run ?? ""));
        assert.deepEqual(
            [comment?.env?.URL, comment?.env?.COMMIT, comment?.env?.MONTHLY],
            ["${{ steps.deploy.outputs.url }}", "${{ github.event.pull_request.head.sha }}", "${{ steps.cost.outputs.monthly }}"],
        );
    });

    it("sweeps on a schedule and by hand, one sweep at a time", () => {
        assert.deepEqual(Object.keys(sweeper.on).sort(), ["schedule", "workflow_dispatch"]);
        assert.equal(sweeper.concurrency["cancel-in-progress"], false);
    });

    describe("the scripts, against stand-in CLIs", () => {
        function sandbox(state: object) {
            const { dir, path } = sandboxWithFakes({ pulumi: "review-pulumi.js", gh: "review-gh.js", kubectl: "review-kubectl.js" });
            copyFileSync(join(repositoryRoot, "Pulumi.review.yaml"), join(dir, "Pulumi.review.yaml"));
            const stateFile = join(dir, "state.json");
            writeFileSync(stateFile, JSON.stringify(state));
            const log = join(dir, "calls.log");
            writeFileSync(log, "");
            const summary = join(dir, "summary.md");
            writeFileSync(summary, "");
            const env = { PATH: path, FAKE_REVIEW_STATE: stateFile, FAKE_LOG: log, GITHUB_STEP_SUMMARY: summary, SECRETS_PROVIDER: "awskms://alias/eks-app-pulumi-secrets-dev" };
            return { dir, env, log, summary, state: () => JSON.parse(readFileSync(stateFile, "utf8")) };
        }
        const now = Date.parse("2026-12-04T12:00:00Z") / 1000;
        const pr = (state: string, labels = ["stage"]) => ({ state, labels });
        const stack = (expiresAt: string, extra: object = {}) => ({ resources: 5, encryptedkey: "a2V5", outputs: { expiresAt }, ...extra });

        it("the sweeper destroys and removes stacks whose pull request closed, lost its label or whose expiry passed, deletes namespaces with no stack, and says so", async () => {
            const box = sandbox({
                stacks: { "pr-1": stack("2026-12-10T00:00:00Z"), "pr-2": stack("2026-12-03T00:00:00Z"), "pr-3": stack("2026-12-10T00:00:00Z"), "pr-8": stack("2026-12-10T00:00:00Z") },
                prs: { "1": pr("MERGED"), "2": pr("OPEN"), "3": pr("OPEN"), "8": pr("OPEN", []) },
                namespaces: [{ name: "eks-app" }, { name: "eks-app-pr-1", pr: "1" }, { name: "eks-app-pr-2", pr: "2" }, { name: "eks-app-pr-3", pr: "3" }, { name: "eks-app-pr-8", pr: "8" }, { name: "eks-app-pr-9", pr: "9" }],
            });
            const result = await runScript("review-sweep.sh", ["acme/eks-app", String(now)], box.env, box.dir);
            assert.equal(result.code, 0, result.stderr);
            assert.deepEqual(Object.keys(box.state().stacks), ["pr-3"]);
            assert.deepEqual(box.state().namespaces.map((n: { name: string }) => n.name), ["eks-app", "eks-app-pr-3"]);
            const calls = recordedEntries(box.log).map((entry) => entry.args!.join(" "));
            for (const name of ["pr-1", "pr-2", "pr-8"]) {
                const destroy = calls.findIndex((call) => call.startsWith(`pulumi destroy --yes --skip-preview --stack ${name} `));
                const remove = calls.indexOf(`pulumi stack rm --yes --stack ${name}`);
                assert.ok(destroy >= 0 && destroy < remove, `${name}: destroy, then stack rm`);
            }
            const report = readFileSync(box.summary, "utf8");
            assert.match(report, /removed pr-1 \(pull request MERGED\)/);
            assert.match(report, /removed pr-2 \(expired at 2026-12-03T00:00:00Z\)/);
            assert.match(report, /removed pr-8 \(label stage removed\)/);
            assert.match(report, /removed namespace eks-app-pr-9 \(no stack pr-9\)/);
            assert.doesNotMatch(report, /pr-3/);
        });

        it("the sweeper goes on past a stack it cannot destroy (locked by its pull request's run), reports it and fails", async () => {
            const box = sandbox({
                stacks: { "pr-4": stack("2026-12-10T00:00:00Z", { locked: true }), "pr-5": stack("2026-12-10T00:00:00Z") },
                prs: { "4": pr("CLOSED"), "5": pr("CLOSED") },
                namespaces: [{ name: "eks-app-pr-4", pr: "4" }, { name: "eks-app-pr-5", pr: "5" }],
            });
            const result = await runScript("review-sweep.sh", ["acme/eks-app", String(now)], box.env, box.dir);
            assert.notEqual(result.code, 0);
            assert.deepEqual(Object.keys(box.state().stacks), ["pr-4"]);
            assert.deepEqual(box.state().namespaces.map((n: { name: string }) => n.name), ["eks-app-pr-4"], "a namespace whose stack remains is not touched");
            const report = readFileSync(box.summary, "utf8");
            assert.match(report, /removed pr-5/);
            assert.match(report, /FAILED to remove pr-4 \(pull request CLOSED\)/);
        });

        it("destroy is a no-op for a pull request that has no stack (labelled, then closed before it deployed)", async () => {
            const box = sandbox({ stacks: {}, prs: {}, namespaces: [] });
            const result = await runScript("review-destroy.sh", ["12"], box.env, box.dir);
            assert.equal(result.code, 0, result.stderr);
            assert.match(result.stdout, /pr-12: no such stack/);
        });

        it("review-stack.sh gives the stack its secrets provider and key, which the shared Pulumi.review.yaml cannot hold, the image tag and the deploy's time", async () => {
            const box = sandbox({ stacks: { "pr-6": stack("2026-12-10T00:00:00Z") }, prs: {}, namespaces: [] });
            const result = await runScript("review-stack.sh", ["6", join(box.dir, "pr-6.yaml"), "pr-6-abc", "2026-12-04T20:15:00Z"], box.env, box.dir);
            assert.equal(result.code, 0, result.stderr);
            const config = parseYaml(readFileSync(join(box.dir, "pr-6.yaml"), "utf8"));
            assert.equal(config.encryptedkey, "a2V5");
            assert.equal(config.secretsprovider, "awskms://alias/eks-app-pulumi-secrets-dev");
            assert.equal(config.config["eks-app:environment"], "review");
            assert.equal(config.config["eks-app:imageTag"], "pr-6-abc");
            // A string as Pulumi reads it, not a YAML timestamp.
            assert.equal(config.config["eks-app:reviewUpdatedAt"], "2026-12-04T20:15:00Z");
        });

        it("review-stack.sh without a tag and time gives the deployed ones, so a preview of the environment as it runs shows no change", async () => {
            const deployed = stack("2026-12-11T20:15:00Z", { outputs: { expiresAt: "2026-12-11T20:15:00Z", imageTag: "pr-6-abc", updatedAt: "2026-12-04T20:15:00Z" } });
            const box = sandbox({ stacks: { "pr-6": deployed }, prs: {}, namespaces: [] });
            const result = await runScript("review-stack.sh", ["6", join(box.dir, "pr-6.yaml")], box.env, box.dir);
            assert.equal(result.code, 0, result.stderr);
            const config = parseYaml(readFileSync(join(box.dir, "pr-6.yaml"), "utf8"));
            assert.equal(config.config["eks-app:imageTag"], "pr-6-abc");
            assert.equal(config.config["eks-app:reviewUpdatedAt"], "2026-12-04T20:15:00Z");
            const refused = await runScript("review-stack.sh", ["6", join(box.dir, "pr-6.yaml"), "pr-6-def"], box.env, box.dir);
            assert.equal(refused.code, 2, "a deploy gives its tag and its time together");
        });

        it("the deploy gives review-stack.sh the deploy's time, from the clock of that run", () => {
            const steps = review.jobs.deploy.steps as { id?: string; run?: string }[];
            assert.match(steps.find((step) => step.id === "deploy")?.run ?? "", /review-stack\.sh "\$PR_NUMBER" "\$config" "\$TAG" "\$\(date -u \+%Y-%m-%dT%H:%M:%SZ\)"/);
        });
    });
});
