import { strict as assert } from "node:assert";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { recordedCalls, runScript, sandboxWithFakes } from "./run-script";

const commit = "4444444444444444444444444444444444444444";
const run = (overrides: Record<string, string>) => ({ head_sha: commit, branch: "main", event: "push", conclusion: "success", ...overrides });

describe("require-staging-success.sh (stand-in gh)", () => {
    let sandbox: { dir: string; path: string } | undefined;

    afterEach(() => {
        if (sandbox !== undefined) rmSync(sandbox.dir, { recursive: true, force: true });
        sandbox = undefined;
    });

    async function check(runs: object[]) {
        sandbox = sandboxWithFakes({ gh: "gh.js" });
        const log = join(sandbox.dir, "calls.log");
        writeFileSync(log, "");
        const result = await runScript("require-staging-success.sh", ["acme/eks-app", commit], {
            PATH: sandbox.path,
            FAKE_LOG: log,
            FAKE_GH_RUNS: JSON.stringify(runs),
            FAKE_GH_REPOSITORY: "acme/eks-app",
        });
        return { result, calls: recordedCalls(log) };
    }

    it("lets a commit through whose Deploy run on main succeeded", async () => {
        const { result, calls } = await check([run({ conclusion: "failure" }), run({})]);

        assert.equal(result.code, 0, result.stderr);
        assert.deepEqual(calls, [
            ["gh", "api", "--method", "GET", "repos/acme/eks-app/actions/workflows/deploy.yml/runs", "-f", `head_sha=${commit}`, "-f", "branch=main", "-f", "event=push", "-f", "status=success", "--jq", ".total_count"],
        ]);
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
});
