import { strict as assert } from "node:assert";
import { runScript, sandboxWithFakes } from "./run-script";
import { deploySession, makeHistory, ups } from "./deploy-support";

describe("deploy.sh (stand-in pulumi, fake app, a real git history)", () => {
    const session = deploySession();
    const { deploy } = session;

    describe("a deploy that works", () => {
        it("checks pending operations, deploys with the policy pack, smoke-tests and records the commit as the last good one", async () => {
            const { result, calls, history, lastGoodAfter, outputs, upPrograms } = await deploy();

            assert.equal(result.code, 0, result.stderr);
            assert.deepEqual(calls[0], ["stack", "export", "--stack", "dev"]);
            assert.ok(!calls.some((call) => call[0] === "cancel"), "an unlocked stack needs no cancel");
            assert.deepEqual(ups(calls), [["up", "--yes", "--stack", "dev", "--message", history.newer, "--policy-pack", "policy"]]);
            assert.deepEqual(upPrograms, ["program of new"]);
            assert.ok(calls.some((call) => call.join(" ") === `config set iamPermissionsBoundaryArn arn:aws:iam::123456789012:policy/eks-app-ci/eks-app-staging-program-boundary --stack dev`));
            assert.deepEqual(calls.at(-1), ["stack", "tag", "set", "eks-app:last-good-commit", history.newer, "--stack", "dev"]);
            assert.equal(lastGoodAfter, history.newer);
            assert.equal(outputs, `url=${session.app?.url}\nimage=123456789012.dkr.ecr.eu-west-1.amazonaws.com/eks-app-dev@sha256:${"d".repeat(64)}\n`);
        });

        it("deploys a first commit to a stack that has run nothing yet", async () => {
            const { result, lastGoodAfter, history } = await deploy({ running: () => undefined, lastGood: () => undefined });

            assert.equal(result.code, 0, result.stderr);
            assert.equal(lastGoodAfter, history.newer);
        });
    });

    describe("races", () => {
        it("refuses a commit that does not descend from the one the stack runs, before changing anything", async () => {
            const { result, calls } = await deploy({ deploy: (h) => h.unrelated, running: (h) => h.newer, lastGood: (h) => h.newer });

            assert.equal(result.code, 1);
            assert.deepEqual(ups(calls), []);
            assert.match(result.stderr, /does not descend from [0-9a-f]{40}, which stack dev runs/);
        });

        it("refuses an older commit: a late run of an earlier merge does not undo a newer deploy", async () => {
            const { result, calls } = await deploy({ deploy: (h) => h.good, running: (h) => h.newer, lastGood: (h) => h.newer });

            assert.equal(result.code, 1);
            assert.deepEqual(ups(calls), []);
        });

        it("deploys an older commit when told it is a deliberate roll back (--allow-older)", async () => {
            const { result, upPrograms } = await deploy({ deploy: (h) => h.good, running: (h) => h.newer, lastGood: (h) => h.newer, extraArgs: ["--allow-older"] });

            assert.equal(result.code, 0, result.stderr);
            assert.deepEqual(upPrograms, ["program of good"]);
        });

        it("refuses to deploy a commit other than the checked-out one: program and image go together", async () => {
            const sandbox = (session.sandbox = sandboxWithFakes({ pulumi: "pulumi.js" }));
            const history = makeHistory(sandbox.dir);
            history.checkout(history.newer);
            const result = await runScript("deploy.sh", ["--stack", "dev", "--image-tag", history.broken, "--message", "m"], { PATH: sandbox.path }, history.dir);

            assert.equal(result.code, 1);
            assert.match(result.stderr, /the checkout is at [0-9a-f]{40}, not [0-9a-f]{40}: the program and the image of one commit deploy together/);
        });
    });

    it("changes nothing when it cannot read what is deployed now", async () => {
        const { result, calls } = await deploy({ outputsFail: true });

        assert.equal(result.code, 1);
        assert.deepEqual(ups(calls), []);
        assert.match(result.stderr, /cannot read the outputs of stack dev/);
    });

    it("rejects a call without a stack, tag or message", async () => {
        const result = await runScript("deploy.sh", ["--stack", "dev", "--image-tag", "abc"]);

        assert.equal(result.code, 2);
        assert.match(result.stderr, /usage: .*--stack <stack> --image-tag <commit sha> --message <update message>/);
    });
});
