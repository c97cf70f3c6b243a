import { strict as assert } from "node:assert";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { deploySession, ups } from "./deploy-support";

describe("deploy.sh (stand-in pulumi, fake app, a real git history)", () => {
    const { deploy } = deploySession();

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
});
