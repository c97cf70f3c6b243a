import { strict as assert } from "node:assert";
import { deploySession, ups } from "./deploy-support";

describe("deploy.sh (stand-in pulumi, fake app, a real git history)", () => {
    const { deploy } = deploySession();

    describe("roll back", () => {
        it("rolls back to the last good commit's program and image together when `up` fails", async () => {
            const { result, calls, history, upPrograms, lastGoodAfter } = await deploy({ failingUps: 1 });

            assert.equal(result.code, 1);
            assert.deepEqual(upPrograms, ["program of new", "program of good"]);
            assert.deepEqual(ups(calls)[1], ["up", "--yes", "--stack", "dev", "--message", `Roll back dev from ${history.newer} to ${history.good} after pulumi up failed (${history.newer})`, "--policy-pack", "policy"]);
            assert.ok(calls.some((call) => call.join(" ") === `config set imageTag ${history.good} --stack dev`));
            assert.match(result.stderr, /rolled back from [0-9a-f]{40} to [0-9a-f]{40} \(its program and image\), which passed the smoke test/);
            assert.equal(lastGoodAfter, history.good, "a failed deploy is not recorded as good");
        });

        it("rolls back when the smoke test fails", async () => {
            const { result, upPrograms } = await deploy({ faults: { brokenRedirects: 1 } });

            assert.equal(result.code, 1);
            assert.deepEqual(upPrograms, ["program of new", "program of good"]);
            assert.match(result.stderr, /expected '302 https:\/\/example\.com\/smoke-test\//);
            assert.match(result.stderr, /the smoke test failed\); rolled back/);
        });

        it("rolls back to the last good commit, not to the imageTag output a failed roll back left behind", async () => {
            const { result, upPrograms, history, calls } = await deploy({ running: (h) => h.broken, lastGood: (h) => h.good, failingUps: 1 });

            assert.equal(result.code, 1);
            assert.deepEqual(upPrograms, ["program of new", "program of good"]);
            assert.ok(!calls.some((call) => call.join(" ") === `config set imageTag ${history.broken} --stack dev`));
        });

        it("says so when the roll back fails too, and keeps the last good commit as it was", async () => {
            const { result, upPrograms, lastGoodAfter, history, calls } = await deploy({ failingUps: 2 });

            assert.equal(result.code, 1);
            assert.deepEqual(upPrograms, ["program of new", "program of good"]);
            assert.match(result.stderr, /the roll back from [0-9a-f]{40} to [0-9a-f]{40} failed too: the stack needs a person/);
            assert.equal(lastGoodAfter, history.good);
            assert.ok(!calls.some((call) => call[0] === "stack" && call[2] === "set"), "nothing recorded as good");
        });

        it("does not 'roll back' to the very commit that failed when it was already the deployed one", async () => {
            const { result, calls } = await deploy({ running: (h) => h.newer, lastGood: (h) => h.newer, failingUps: 1 });

            assert.equal(result.code, 1);
            assert.equal(ups(calls).length, 1);
            assert.match(result.stderr, /nothing to roll back to: [0-9a-f]{40} was already the deployed tag/);
        });

        it("exits non-zero saying there is nothing to roll back to when the stack has no last good commit", async () => {
            const { result, calls, summary } = await deploy({ running: () => undefined, lastGood: () => undefined, failingUps: 1 });

            assert.equal(result.code, 1);
            assert.equal(ups(calls).length, 1);
            assert.match(result.stderr, /nothing to roll back to: the stack has no last good commit/);
            assert.match(summary, /\| `none` \|/);
        });
    });
});
