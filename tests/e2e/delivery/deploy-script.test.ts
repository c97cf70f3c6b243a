// deploy.sh against the real Pulumi CLI (v3.248.0) on a local backend, with the stand-in app for its smoke test:
// the last good commit is a real stack tag, a lock left by a killed update of this pipeline is cancelled, one that
// may belong to a running update is not, and a real pending create stops it. The program is tiny; no AWS.
import { strict as assert } from "node:assert";
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { FakeApp, startFakeApp } from "../../delivery/fake-app";
import { createWorkspace, deployScripts, killUpMidCreate, realPulumiBin, Workspace } from "./workspace";

interface Deploy {
    code: number | null;
    stdout: string;
    stderr: string;
    outputs: string;
}

describe("deploy.sh with the real Pulumi CLI (local backend, stand-in app)", function () {
    this.timeout(300_000);
    let bin: string;
    let app: FakeApp | undefined;
    let workspace: Workspace | undefined;

    before(() => {
        bin = realPulumiBin();
    });
    afterEach(async () => {
        await app?.close();
        workspace?.remove();
        app = workspace = undefined;
    });

    /** A stack that runs commit `first` (deployed by deploy.sh), and a commit `second` on top, checked out. */
    async function deployedStack(): Promise<{ first: string; second: string }> {
        app = await startFakeApp();
        workspace = createWorkspace(bin);
        workspace.pulumi(["config", "set", "url", app.url, "--stack", "dev"]);
        const first = workspace.commit("first");
        const result = await deploy(first);
        assert.equal(result.code, 0, result.stderr);
        writeFileSync(join(workspace.programDir, "change.txt"), "second\n");
        return { first, second: workspace.commit("second") };
    }

    function deploy(tag: string): Promise<Deploy> {
        const ws = workspace as Workspace;
        const outputs = join(ws.dir, `outputs-${tag}`);
        writeFileSync(outputs, "");
        const env = { ...ws.env, GITHUB_OUTPUT: outputs, SMOKE_READY_ATTEMPTS: "2", SMOKE_READY_INTERVAL_SECONDS: "0" };
        const child = spawn(join(deployScripts, "deploy.sh"), ["--stack", "dev", "--image-tag", tag, "--message", tag], { cwd: ws.programDir, env });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
        child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
        return new Promise((resolve) => child.on("close", (code) => resolve({ code, stdout, stderr, outputs: readFileSync(outputs, "utf8") })));
    }

    const tag = (name: string) => (workspace as Workspace).pulumi(["stack", "tag", "get", name, "--stack", "dev"], { allowFailure: true }).stdout.trim();

    it("deploys, records the commit as a real stack tag and prints the deployed image by digest", async () => {
        const { first, second } = await deployedStack();
        assert.equal(tag("eks-app:last-good-commit"), first);

        const result = await deploy(second);
        assert.equal(result.code, 0, result.stderr);
        assert.equal(tag("eks-app:last-good-commit"), second);
        assert.match(result.outputs, /^image=registry\.example\.com\/tiny@sha256:d{64}$/m);
    });

    it("cancels the lock an update of this pipeline left when it was cancelled and killed, then deploys", async () => {
        const { second } = await deployedStack();
        const pid = await killUpMidCreate(workspace as Workspace, "dev", "updating");
        // What deploy.sh's signal trap records before its pulumi is killed ("<host> <pid>").
        (workspace as Workspace).pulumi(["stack", "tag", "set", "eks-app:cancelled-update", `${hostname()} ${pid}`, "--stack", "dev"]);

        const result = await deploy(second);
        assert.equal(result.code, 0, result.stderr);
        assert.match(result.stderr, new RegExp(`lock of \\S+@${hostname()} \\(pid ${pid}, \\d+ min old\\): left by an update of this pipeline that was cancelled; stale`));
        assert.equal(tag("eks-app:last-good-commit"), second);
    });

    it("never cancels a recent lock it cannot tell is stale: stops, names its holder, and the lock stays", async () => {
        const { first, second } = await deployedStack();
        const pid = await killUpMidCreate(workspace as Workspace, "dev", "updating");

        const result = await deploy(second);
        assert.equal(result.code, 1);
        assert.match(result.stderr, new RegExp(`lock of \\S+@${hostname()} \\(pid ${pid}, since [0-9T:-]+Z\\): another update may be running; not cancelling it`));
        assert.match(result.stderr, /nothing was changed/);
        assert.equal(tag("eks-app:last-good-commit"), first, "no roll back, nothing recorded");
        const stillLocked = (workspace as Workspace).pulumi(["up", "--yes", "--stack", "dev"], { allowFailure: true });
        assert.match(stillLocked.stderr, /the stack is currently locked by 1 lock\(s\)/);
    });

    it("stops before changing anything when an interrupted update left a real pending create", async () => {
        app = await startFakeApp();
        workspace = createWorkspace(bin);
        workspace.pulumi(["config", "set", "url", app.url, "--stack", "dev"]);
        const first = workspace.commit("first");
        await killUpMidCreate(workspace);
        workspace.pulumi(["cancel", "--yes", "--stack", "dev"]);

        const result = await deploy(first);
        assert.equal(result.code, 1);
        assert.match(result.stderr, /creating pulumi-nodejs:dynamic:Resource urn:pulumi:dev::tiny::pulumi-nodejs:dynamic:Resource::thing/);
        assert.match(result.stderr, /stack dev has pending creates/);
        assert.equal(tag("eks-app:last-good-commit"), "");
    });
});
