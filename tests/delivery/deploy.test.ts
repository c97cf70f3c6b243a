import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { FakeApp, FakeAppFaults, startFakeApp } from "./fake-app";
import { recordedCalls, recordedEntries, RecordedCall, runScript, ScriptResult, sandboxWithFakes, startScript } from "./run-script";

/**
 * A repository with the history deploys see:  good ── broken ── new   and   good ── unrelated.
 * Each commit's program.txt names it, so the stand-in pulumi records which commit's program each `up` ran.
 */
interface History {
    dir: string;
    good: string;
    broken: string;
    newer: string;
    unrelated: string;
    checkout(commit: string): void;
}

function makeHistory(parent: string): History {
    const dir = join(parent, "repository");
    mkdirSync(dir);
    const git = (...args: string[]) =>
        execFileSync("git", ["-c", "user.name=test", "-c", "user.email=test@example.com", "-c", "init.defaultBranch=main", ...args], { cwd: dir, encoding: "utf8" }).trim();
    git("init", "--quiet");
    writeFileSync(join(dir, ".gitignore"), "node_modules/\n");
    writeFileSync(join(dir, "package-lock.json"), "{}\n");
    mkdirSync(join(dir, "node_modules"));
    const commit = (name: string) => {
        writeFileSync(join(dir, "program.txt"), `program of ${name}\n`);
        git("add", "-A");
        git("commit", "--quiet", "-m", name);
        return git("rev-parse", "HEAD");
    };
    const good = commit("good");
    const broken = commit("broken");
    const newer = commit("new");
    git("checkout", "--quiet", "-b", "side", good);
    const unrelated = commit("unrelated");
    return { dir, good, broken, newer, unrelated, checkout: (target) => void git("checkout", "--quiet", "--detach", target) };
}

interface DeployOptions {
    /** The commit to deploy (default: the newest on main). */
    deploy?: (history: History) => string;
    extraArgs?: string[];
    /** The stack's imageTag output and last good commit before the deploy. */
    running?: (history: History) => string | undefined;
    lastGood?: (history: History) => string | undefined;
    failingUps?: number;
    faults?: FakeAppFaults;
    outputsFail?: boolean;
    /** The stack's lock files (see the stand-in pulumi) and the eks-app:cancelled-update tag. */
    locks?: { user: string; host: string; pid: number; minutesAgo: number }[];
    cancelled?: string;
    pending?: object[];
    upWaits?: boolean;
}

interface Deploy {
    result: ScriptResult;
    history: History;
    calls: string[][];
    entries: RecordedCall[];
    /** The program each `up` ran, in order. */
    upPrograms: (string | undefined)[];
    lastGoodAfter: string | undefined;
    summary: string;
    outputs: string;
}

describe("deploy.sh (stand-in pulumi, fake app, a real git history)", () => {
    let app: FakeApp | undefined;
    let sandbox: { dir: string; path: string } | undefined;

    afterEach(async () => {
        await app?.close();
        if (sandbox !== undefined) rmSync(sandbox.dir, { recursive: true, force: true });
        app = sandbox = undefined;
    });

    function start(options: DeployOptions, onStarted?: (child: ReturnType<typeof startScript>["child"], stateDir: string) => void) {
        sandbox = sandboxWithFakes({ pulumi: "pulumi.js" });
        const history = makeHistory(sandbox.dir);
        const tag = (options.deploy ?? ((h) => h.newer))(history);
        history.checkout(tag);
        const files = { log: join(sandbox.dir, "pulumi.log"), summary: join(sandbox.dir, "summary.md"), outputs: join(sandbox.dir, "outputs") };
        for (const file of Object.values(files)) writeFileSync(file, "");
        const running = options.running === undefined ? history.good : options.running(history);
        const lastGood = options.lastGood === undefined ? history.good : options.lastGood(history);
        const env = {
            PATH: sandbox.path,
            FAKE_PULUMI_LOG: files.log,
            FAKE_PULUMI_STATE_DIR: sandbox.dir,
            FAKE_PULUMI_URL: app?.url,
            FAKE_PULUMI_PREVIOUS_TAG: running,
            FAKE_PULUMI_LAST_GOOD: lastGood,
            FAKE_PULUMI_FAILING_UPS: String(options.failingUps ?? 0),
            FAKE_PULUMI_OUTPUTS_FAIL: options.outputsFail ? "1" : "",
            FAKE_PULUMI_LOCKS: JSON.stringify(options.locks ?? []),
            FAKE_PULUMI_CANCELLED: options.cancelled ?? "",
            FAKE_PULUMI_PENDING: JSON.stringify(options.pending ?? []),
            FAKE_PULUMI_UP_WAITS: options.upWaits ? "1" : "",
            EKS_APP_PERMISSIONS_BOUNDARY_ARN: "arn:aws:iam::123456789012:policy/eks-app-ci/eks-app-staging-program-boundary",
            GITHUB_STEP_SUMMARY: files.summary,
            GITHUB_OUTPUT: files.outputs,
            SMOKE_READY_ATTEMPTS: "2",
            SMOKE_READY_INTERVAL_SECONDS: "0",
        };
        const started = startScript("deploy.sh", ["--stack", "dev", "--image-tag", tag, "--message", tag, ...(options.extraArgs ?? [])], env, history.dir);
        onStarted?.(started.child, sandbox.dir);
        return { history, files, started };
    }

    async function deploy(options: DeployOptions = {}, onStarted?: Parameters<typeof start>[1]): Promise<Deploy> {
        app = await startFakeApp(options.faults);
        const { history, files, started } = start(options, onStarted);
        const result = await started.result;
        const entries = recordedEntries(files.log);
        const stackFile = join(sandbox?.dir as string, "stack.json");
        const stack = existsSync(stackFile) ? (JSON.parse(readFileSync(stackFile, "utf8")) as { tags: Record<string, string> }) : { tags: {} };
        return {
            result,
            history,
            entries,
            calls: recordedCalls(files.log),
            upPrograms: entries.filter((entry) => entry.args?.[0] === "up").map((entry) => entry.program),
            lastGoodAfter: stack.tags["eks-app:last-good-commit"],
            summary: readFileSync(files.summary, "utf8"),
            outputs: readFileSync(files.outputs, "utf8"),
        };
    }

    const ups = (calls: string[][]) => calls.filter((call) => call[0] === "up");

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
            assert.equal(outputs, `url=${app?.url}\nimage=123456789012.dkr.ecr.eu-west-1.amazonaws.com/eks-app-dev@sha256:${"d".repeat(64)}\n`);
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
            sandbox = sandboxWithFakes({ pulumi: "pulumi.js" });
            const history = makeHistory(sandbox.dir);
            history.checkout(history.newer);
            const result = await runScript("deploy.sh", ["--stack", "dev", "--image-tag", history.broken, "--message", "m"], { PATH: sandbox.path }, history.dir);

            assert.equal(result.code, 1);
            assert.match(result.stderr, /the checkout is at [0-9a-f]{40}, not [0-9a-f]{40}: the program and the image of one commit deploy together/);
        });
    });

    describe("locks and pending operations", () => {
        it("stops before deploying when an interrupted update left pending creates, naming each and the commands that resolve them", async () => {
            const pending = [
                { resource: { urn: "urn:pulumi:dev::eks-app::eks-app:platform:Cluster$aws:eks/nodeGroup:NodeGroup::cluster-nodes", type: "aws:eks/nodeGroup:NodeGroup" }, type: "creating" },
            ];
            const { result, calls } = await deploy({ pending });

            assert.equal(result.code, 1);
            assert.deepEqual(ups(calls), []);
            assert.match(result.stderr, /creating aws:eks\/nodeGroup:NodeGroup urn:pulumi:dev::eks-app::.*::cluster-nodes/);
            // Not --import-pending-creates: the real CLI drops the resource from the state (tests/e2e/delivery/cli.test.ts).
            assert.match(result.stderr, /pulumi import <type> <name> <id> --parent <parent urn> --stack dev/);
            assert.doesNotMatch(result.stderr, /pulumi refresh[^`]*--import-pending-creates/);
            assert.match(result.stderr, /pulumi refresh --stack dev --clear-pending-creates/);
        });

        const person = { user: "alice", host: "alice-laptop", pid: 4242, minutesAgo: 5 };

        it("never cancels a lock an update that may still be running holds (a person's up): stops, changes nothing, names the holder", async () => {
            const { result, calls } = await deploy({ locks: [person] });

            assert.equal(result.code, 1);
            assert.ok(!calls.some((call) => call[0] === "cancel"));
            assert.equal(ups(calls).length, 1, "the refused up only, no roll back");
            assert.match(result.stderr, /lock of alice@alice-laptop \(pid 4242, since [0-9T:-]+Z\): another update may be running; not cancelling it/);
            assert.match(result.stderr, /stack dev is locked by an update that may still be running \(above\); nothing was changed/);
        });

        it("cancels a lock left by an update of this pipeline that was cancelled, then deploys", async () => {
            const { result, calls, upPrograms } = await deploy({ locks: [{ user: "runner", host: "fv-az1-2", pid: 77, minutesAgo: 1 }], cancelled: "fv-az1-2 77" });

            assert.equal(result.code, 0, result.stderr);
            assert.ok(calls.some((call) => call.join(" ") === "cancel --yes --stack dev"));
            assert.deepEqual(upPrograms, ["program of new", "program of new"]);
        });

        it("cancels a lock older than any update of the pipeline runs, then deploys", async () => {
            const { result, calls } = await deploy({ locks: [{ ...person, minutesAgo: 200 }] });

            assert.equal(result.code, 0, result.stderr);
            assert.ok(calls.some((call) => call.join(" ") === "cancel --yes --stack dev"));
        });

        it("cancels nothing when only some of the locks are stale", async () => {
            const { result, calls } = await deploy({ locks: [{ user: "runner", host: "fv-az1-2", pid: 77, minutesAgo: 1 }, person], cancelled: "fv-az1-2 77" });

            assert.equal(result.code, 1);
            assert.ok(!calls.some((call) => call[0] === "cancel"));
        });

        it("passes a TERM from a cancelled run to pulumi once, does not roll back, and exits as interrupted", async function () {
            this.timeout(20000);
            const { result, entries } = await deploy({ upWaits: true }, (child, stateDir) => {
                const started = join(stateDir, "up-started");
                const poll = setInterval(() => {
                    if (!existsSync(started)) return;
                    clearInterval(poll);
                    child.kill("SIGTERM");
                    setTimeout(() => child.kill("SIGINT"), 20);
                }, 20);
            });

            assert.equal(result.code, 143, result.stderr);
            assert.deepEqual(entries.filter((entry) => entry.signal !== undefined).map((entry) => entry.signal), ["SIGTERM"]);
            assert.equal(entries.filter((entry) => entry.args?.[0] === "up").length, 1, "no roll back after a cancel");
            assert.match(result.stderr, /interrupted \(SIGTERM\) during the update of dev/);
            const up = entries.find((entry) => entry.args?.[0] === "up");
            const marked = entries.find((entry) => entry.args?.slice(0, 4).join(" ") === "stack tag set eks-app:cancelled-update");
            assert.match(marked?.args?.[4] ?? "", /^\S+ \d+$/, "the cancelled update's host and pid are recorded for the next run");
            assert.ok(up !== undefined);
        });
    });

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
