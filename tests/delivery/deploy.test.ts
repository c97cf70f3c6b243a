import { strict as assert } from "node:assert";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { FakeApp, FakeAppFaults, startFakeApp } from "./fake-app";
import { recordedCalls, runScript, ScriptResult, sandboxWithFakes } from "./run-script";

interface Deploy {
    result: ScriptResult;
    calls: string[][];
    summary: string;
    outputs: string;
}

const previousTag = "1111111111111111111111111111111111111111";
const newTag = "2222222222222222222222222222222222222222";

describe("deploy.sh (stand-in pulumi, fake app)", () => {
    let app: FakeApp | undefined;
    let sandbox: { dir: string; path: string } | undefined;

    afterEach(async () => {
        await app?.close();
        if (sandbox !== undefined) rmSync(sandbox.dir, { recursive: true, force: true });
        app = sandbox = undefined;
    });

    async function deploy(options: { previousTag?: string; failingUps?: number; faults?: FakeAppFaults; outputsFail?: boolean }): Promise<Deploy> {
        app = await startFakeApp(options.faults);
        sandbox = sandboxWithFakes({ pulumi: "pulumi.js" });
        const log = join(sandbox.dir, "pulumi.log");
        const summary = join(sandbox.dir, "summary.md");
        const outputs = join(sandbox.dir, "outputs");
        writeFileSync(log, "");
        writeFileSync(summary, "");
        writeFileSync(outputs, "");
        const result = await runScript("deploy.sh", ["--stack", "dev", "--image-tag", newTag, "--message", newTag], {
            PATH: sandbox.path,
            FAKE_PULUMI_LOG: log,
            FAKE_PULUMI_STATE_DIR: sandbox.dir,
            FAKE_PULUMI_URL: app.url,
            FAKE_PULUMI_PREVIOUS_TAG: options.previousTag,
            FAKE_PULUMI_FAILING_UPS: String(options.failingUps ?? 0),
            FAKE_PULUMI_OUTPUTS_FAIL: options.outputsFail ? "1" : "",
            GITHUB_STEP_SUMMARY: summary,
            GITHUB_OUTPUT: outputs,
            SMOKE_READY_ATTEMPTS: "2",
            SMOKE_READY_INTERVAL_SECONDS: "0",
        });
        return { result, calls: recordedCalls(log), summary: readFileSync(summary, "utf8"), outputs: readFileSync(outputs, "utf8") };
    }

    const readOutputs = ["stack", "output", "--json", "--stack", "dev"];
    const setTag = (tag: string) => ["config", "set", "imageTag", tag, "--stack", "dev"];
    const up = (message: string) => ["up", "--yes", "--stack", "dev", "--message", message];
    const readUrl = ["stack", "output", "url", "--stack", "dev"];

    it("deploys once, smoke-tests the stack's url and exits zero", async () => {
        const { result, calls, summary, outputs } = await deploy({ previousTag });

        assert.equal(result.code, 0, result.stderr);
        assert.deepEqual(calls, [readOutputs, setTag(newTag), up(newTag), readUrl]);
        assert.match(result.stdout, /smoke test passed/);
        assert.match(summary, new RegExp(`\`${newTag}\` \\| \`${previousTag}\` \\| deployed ${newTag} to dev`));
        assert.equal(outputs, `url=${app?.url}\n`);
    });

    it("redeploys the previous tag when the first `up` fails, and says what it rolled back", async () => {
        const { result, calls, summary } = await deploy({ previousTag, failingUps: 1 });

        assert.equal(result.code, 1);
        assert.deepEqual(calls, [
            readOutputs,
            setTag(newTag),
            up(newTag),
            setTag(previousTag),
            up(`Roll back dev from ${newTag} to ${previousTag} after pulumi up failed (${newTag})`),
            readUrl,
        ]);
        assert.match(result.stderr, new RegExp(`pulumi up failed\\); rolled back from ${newTag} to ${previousTag}`));
        assert.match(summary, /rolled back from/);
    });

    it("redeploys the previous tag when the smoke test fails", async () => {
        const { result, calls } = await deploy({ previousTag, faults: { brokenRedirects: 1 } });

        assert.equal(result.code, 1);
        assert.deepEqual(calls, [
            readOutputs,
            setTag(newTag),
            up(newTag),
            readUrl,
            setTag(previousTag),
            up(`Roll back dev from ${newTag} to ${previousTag} after the smoke test failed (${newTag})`),
            readUrl,
        ]);
        assert.match(result.stderr, /expected '302 https:\/\/example\.com\/smoke-test\//);
        assert.match(result.stderr, new RegExp(`the smoke test failed\\); rolled back from ${newTag} to ${previousTag}`));
    });

    it("exits non-zero saying there is nothing to roll back to when the stack had no image tag", async () => {
        const { result, calls, summary } = await deploy({ failingUps: 1 });

        assert.equal(result.code, 1);
        assert.deepEqual(calls, [readOutputs, setTag(newTag), up(newTag)]);
        assert.match(result.stderr, /nothing to roll back to: the stack had no image tag before this deploy/);
        assert.match(summary, /\| `none` \|/);
    });

    it("says so when the roll back fails too", async () => {
        const { result, calls } = await deploy({ previousTag, failingUps: 2 });

        assert.equal(result.code, 1);
        assert.equal(calls.filter((call) => call[0] === "up").length, 2);
        assert.match(result.stderr, new RegExp(`roll back from ${newTag} to ${previousTag} failed too: the stack needs a person`));
    });

    it("changes nothing when it cannot read what is deployed now", async () => {
        const { result, calls } = await deploy({ previousTag, outputsFail: true });

        assert.equal(result.code, 1);
        assert.deepEqual(calls, [readOutputs]);
        assert.match(result.stderr, /cannot read the outputs of stack dev/);
    });

    it("rejects a call without a stack, tag or message", async () => {
        const result = await runScript("deploy.sh", ["--stack", "dev", "--image-tag", newTag]);

        assert.equal(result.code, 2);
        assert.match(result.stderr, /usage: .*--stack <stack> --image-tag <tag> --message <update message>/);
    });
});
