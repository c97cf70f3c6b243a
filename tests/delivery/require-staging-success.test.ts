import { strict as assert } from "node:assert";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { recordedCalls, runScript, sandboxWithFakes } from "./run-script";

const commit = "4444444444444444444444444444444444444444";
const deployed = `123456789012.dkr.ecr.eu-west-1.amazonaws.com/eks-app-dev@sha256:${"a".repeat(64)}`;
const run = (overrides: Record<string, string | number>) => ({ id: 100, head_sha: commit, branch: "main", event: "push", conclusion: "success", ...overrides });
const record = (image: string, recordedCommit = commit) => ({ "staging-image": { "staging-image.json": JSON.stringify({ commit: recordedCommit, image }) } });

describe("require-staging-success.sh (stand-in gh)", () => {
    let sandbox: { dir: string; path: string } | undefined;

    afterEach(() => {
        if (sandbox !== undefined) rmSync(sandbox.dir, { recursive: true, force: true });
        sandbox = undefined;
    });

    async function check(runs: object[], artifacts: Record<number, object> = { 100: record(deployed) }) {
        sandbox = sandboxWithFakes({ gh: "gh.js" });
        const log = join(sandbox.dir, "calls.log");
        writeFileSync(log, "");
        const result = await runScript("require-staging-success.sh", ["acme/eks-app", commit], {
            PATH: sandbox.path,
            FAKE_LOG: log,
            FAKE_GH_RUNS: JSON.stringify(runs),
            FAKE_GH_ARTIFACTS: JSON.stringify(artifacts),
            FAKE_GH_REPOSITORY: "acme/eks-app",
        });
        return { result, calls: recordedCalls(log) };
    }

    it("lets a commit through whose Deploy run on main succeeded, printing the image that run deployed, by digest", async () => {
        const { result, calls } = await check([run({ id: 99, conclusion: "failure" }), run({})]);

        assert.equal(result.code, 0, result.stderr);
        assert.equal(result.stdout, `${deployed}\n`);
        assert.deepEqual(calls[0], [
            "gh", "api", "--method", "GET", "repos/acme/eks-app/actions/workflows/deploy.yml/runs", "-f", `head_sha=${commit}`, "-f", "branch=main", "-f", "event=push", "-f", "status=success", "--jq", '.workflow_runs[0].id // ""',
        ]);
        assert.equal(calls[1]?.slice(0, 4).join(" "), "gh run download 100");
    });

    it("takes the record of the newest successful run", async () => {
        const newer = `123456789012.dkr.ecr.eu-west-1.amazonaws.com/eks-app-dev@sha256:${"b".repeat(64)}`;
        const { result } = await check([run({}), run({ id: 120 })], { 100: record(deployed), 120: record(newer) });

        assert.equal(result.stdout, `${newer}\n`);
    });

    for (const [what, runs] of [
        ["whose staging deploy failed", [run({ conclusion: "failure" })]],
        ["that was never deployed", []],
        ["deployed only from another branch", [run({ branch: "feature" })]],
        ["of another commit's success", [run({ head_sha: "5".repeat(40) })]],
    ] as const) {
        it(`refuses a commit ${what}`, async () => {
            const { result } = await check([...runs]);

            assert.equal(result.code, 1);
            assert.match(result.stderr, /no successful Deploy run for 4{40} on main/);
        });
    }

    it("refuses a run that left no record of what it deployed", async () => {
        const { result } = await check([run({})], {});

        assert.equal(result.code, 1);
        assert.match(result.stderr, /Deploy run 100 of 4{40} left no staging-image record/);
    });

    it("refuses a record of another commit, or of an image not named by digest", async () => {
        assert.equal((await check([run({})], { 100: record(deployed, "5".repeat(40)) })).result.code, 1);
        assert.equal((await check([run({})], { 100: record("123456789012.dkr.ecr.eu-west-1.amazonaws.com/eks-app-dev:latest") })).result.code, 1);
    });
});
