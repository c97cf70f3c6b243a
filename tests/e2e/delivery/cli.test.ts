// The delivery scripts' assumptions about the Pulumi CLI, held against the real CLI (v3.248.0) on a local backend:
// locks and `cancel`, stack tags, `stack export`, `refresh --import-pending-creates` on a real pending create,
// `--target` on an empty stack, and the `preview --json` that check-preview.ts reads. No AWS: the program is tiny.
import { strict as assert } from "node:assert";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { destructiveChanges, Guard, parsePreview } from "../../../scripts/deploy/check-preview";
import { createWorkspace, killUpMidCreate, realPulumiBin, Workspace } from "./workspace";

const thingUrn = "urn:pulumi:dev::tiny::pulumi-nodejs:dynamic:Resource::thing";
/** The tiny program's resources of its one kind are what this guard calls stateful. */
const guard: Guard = { kinds: new Map([["pulumi-nodejs:dynamic:Resource", "a thing"]]), protectedResources: new Set() };
const fixtures = join(__dirname, "fixtures");

describe("the Pulumi CLI as the delivery scripts use it (real CLI, local backend)", function () {
    this.timeout(300_000);
    let bin: string;
    let workspace: Workspace | undefined;

    before(() => {
        bin = realPulumiBin();
    });
    afterEach(() => {
        workspace?.remove();
        workspace = undefined;
    });

    it("keeps stack tags on the self-managed backend, where deploy.sh records the last good commit", () => {
        workspace = createWorkspace(bin);
        workspace.pulumi(["stack", "tag", "set", "eks-app:last-good-commit", "a".repeat(40), "--stack", "dev"]);

        assert.equal(workspace.pulumi(["stack", "tag", "get", "eks-app:last-good-commit", "--stack", "dev"]).stdout.trim(), "a".repeat(40));
        const missing = workspace.pulumi(["stack", "tag", "get", "eks-app:cancelled-update", "--stack", "dev"], { allowFailure: true });
        assert.notEqual(missing.status, 0, "an unset tag fails, which deploy.sh reads as none");
    });

    it("leaves a lock and a pending create when an up is killed mid-create; a second up is refused with the lock's holder, as deploy.sh parses it", async () => {
        workspace = createWorkspace(bin);
        const pid = await killUpMidCreate(workspace);

        const state = JSON.parse(workspace.pulumi(["stack", "export", "--stack", "dev"]).stdout);
        assert.deepEqual(
            (state.deployment.pending_operations as { type: string; resource: { urn: string } }[]).map((operation) => [operation.type, operation.resource.urn]),
            [["creating", thingUrn]],
        );
        const refused = workspace.pulumi(["up", "--yes", "--stack", "dev"], { allowFailure: true });
        assert.notEqual(refused.status, 0);
        // The line deploy.sh's locks_in_errors reads: "<url>: created by <user>@<host> (pid <pid>) at <RFC 3339>".
        const lock = new RegExp(`^  \\S+: created by (\\S+)@(\\S+) \\(pid ${pid}\\) at (\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ)$`, "m").exec(refused.stderr);
        assert.ok(lock, refused.stderr);
        assert.match(refused.stderr, /the stack is currently locked by 1 lock\(s\)/);
        const parsed = execSed(refused.stderr);
        assert.equal(parsed, `${lock[2]} ${pid} ${lock[3]} ${lock[1]}`);

        workspace.pulumi(["cancel", "--yes", "--stack", "dev"]);
        assert.equal(workspace.pulumi(["preview", "--stack", "dev"], { allowFailure: true }).status, 0, "cancel deleted the lock");
    });

    it("takes one value per --import-pending-creates flag, and then drops the pending create without adopting the resource", async () => {
        workspace = createWorkspace(bin);
        await killUpMidCreate(workspace);
        workspace.pulumi(["cancel", "--yes", "--stack", "dev"]);

        // `<urn> <id>` after one flag: the ID is a positional argument, which refresh does not take.
        const oneFlag = workspace.pulumi(["refresh", "--yes", "--stack", "dev", "--import-pending-creates", thingUrn, "thing-first"], { allowFailure: true });
        assert.notEqual(oneFlag.status, 0);
        assert.match(oneFlag.stderr, /accepts 0 arg\(s\), received 1/);

        // A flag each is parsed as a URN, ID pair (pendingCreatesToImports in refresh.go) and the pending create goes;
        // but the engine adopts no "importing" operation (only "creating" ones are carried over), so the resource is
        // not in the state either: the runbook adopts with `pulumi import` instead, or deletes it.
        workspace.pulumi(["refresh", "--yes", "--stack", "dev", "--import-pending-creates", thingUrn, "--import-pending-creates", "thing-first"]);
        const state = JSON.parse(workspace.pulumi(["stack", "export", "--stack", "dev"]).stdout);
        assert.equal(state.deployment.pending_operations ?? undefined, undefined);
        assert.equal(
            state.deployment.resources.find((resource: { urn: string }) => resource.urn === thingUrn),
            undefined,
            "Pulumi now adopts the imported resource: the failure runbook can use --import-pending-creates again",
        );
    });

    it("drops a pending create with --clear-pending-creates", async () => {
        workspace = createWorkspace(bin);
        await killUpMidCreate(workspace);
        workspace.pulumi(["cancel", "--yes", "--stack", "dev"]);

        workspace.pulumi(["refresh", "--yes", "--stack", "dev", "--clear-pending-creates"]);
        assert.equal(JSON.parse(workspace.pulumi(["stack", "export", "--stack", "dev"]).stdout).deployment.pending_operations ?? undefined, undefined);
    });

    it("refuses a targeted up on an empty stack whose target's parent is an untargeted create", () => {
        workspace = createWorkspace(bin);
        const member = "urn:pulumi:dev::tiny::tiny:index:Group$pulumi-nodejs:dynamic:Resource::group-member";

        const targeted = workspace.pulumi(["up", "--yes", "--stack", "dev", "--target", member], { allowFailure: true });
        assert.notEqual(targeted.status, 0);
        // The engine targets providers implicitly, never a parent or a dependency (step_generator.go, v3.248.0).
        assert.match(targeted.stdout + targeted.stderr, /group-member' depends on 'urn:pulumi:dev::tiny::tiny:index:Group::group' which was was not specified in --target list/);
        assert.equal(JSON.parse(workspace.pulumi(["stack", "export", "--stack", "dev"]).stdout).deployment.resources ?? undefined, undefined, "nothing was created");
    });

    describe("preview --json, as check-preview.ts reads it", () => {
        /** Steps without what differs between runs (provider ids, timings, stack traces). */
        // In the engine's order but for the deletions at the end, which it schedules in parallel and so lists in either
        // order from one run to the next (seen: delete-replaced before or after an unrelated delete).
        const stepsOf = (json: string) => {
            const steps = parsePreview(json).map((step) => ({ op: step.op, urn: step.urn }));
            const isDeletion = (step: { op: string }) => step.op === "delete" || step.op === "delete-replaced";
            const byOpAndUrn = (a: { op: string; urn: string }, b: { op: string; urn: string }) => `${a.op} ${a.urn}`.localeCompare(`${b.op} ${b.urn}`);
            return [...steps.filter((step) => !isDeletion(step)), ...steps.filter(isDeletion).sort(byOpAndUrn)];
        };

        function previewAfterChange(name: string, args: string[] = []): string {
            workspace = createWorkspace(bin);
            workspace.pulumi(["config", "set", "extra", "true", "--stack", "dev"]);
            workspace.pulumi(["up", "--yes", "--stack", "dev"]);
            workspace.pulumi(["config", "set", "thingName", "second", "--stack", "dev"]);
            workspace.pulumi(["config", "rm", "extra", "--stack", "dev"]);
            const json = workspace.pulumi(["preview", "--json", "--stack", "dev", ...args]).stdout;
            // The committed fixture is this output: regenerate with EKS_APP_WRITE_FIXTURES=1.
            if (process.env.EKS_APP_WRITE_FIXTURES) writeFileSync(join(fixtures, name), json);
            return json;
        }

        for (const [name, args, ops] of [
            ["preview-replace-and-delete.json", [], ["replace"]],
            ["preview-replace-and-delete-replacement-steps.json", ["--show-replacement-steps"], ["create-replacement", "delete-replaced", "replace"]],
        ] as const) {
            it(`finds the replacement and the deletion in the real CLI's output (${args.join(" ") || "default"}), as in the committed fixture`, () => {
                const json = previewAfterChange(name, [...args]);
                const changes = destructiveChanges(parsePreview(json), guard);

                assert.deepEqual(
                    changes.map((change) => [change.urn, [...change.ops].sort()]).sort(),
                    [
                        ["urn:pulumi:dev::tiny::pulumi-nodejs:dynamic:Resource::extra", ["delete"]],
                        [thingUrn, [...ops]],
                    ],
                );
                assert.deepEqual(stepsOf(json), stepsOf(readFileSync(join(fixtures, name), "utf8")), `${name} is what the CLI prints today`);
            });
        }
    });
});

/** deploy.sh's own parsing of a refused update's locks (its locks_in_errors), run on the real CLI's message. */
function execSed(stderr: string): string {
    const script = readFileSync(join(__dirname, "..", "..", "..", "scripts", "deploy", "deploy.sh"), "utf8");
    const expression = /sed -n '(s\/\^ \*\[\^ \]\.\*: created by .*\/p)' "\$pulumi_errors"/.exec(script)?.[1];
    assert.ok(expression, "deploy.sh parses locks with sed");
    const { spawnSync } = require("node:child_process") as typeof import("node:child_process");
    return spawnSync("sed", ["-n", expression], { input: stderr, encoding: "utf8" }).stdout.trim();
}
