// What every end-to-end test shares: the cluster scripts/e2e/run.sh started (KUBECONFIG), its state folder
// (E2E_STATE), and the real `pulumi` and `kubectl` run as a user runs them.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

export const repositoryRoot = path.resolve(__dirname, "..", "..", "..");

/** The state folder of this run (removed by run.sh when it ends); undefined outside `npm run test:e2e`. */
export function e2eState(): string {
    const state = process.env.E2E_STATE;
    if (!state || !process.env.KUBECONFIG) throw new Error("run the end-to-end suite with `npm run test:e2e`: it starts the cluster and sets E2E_STATE and KUBECONFIG");
    return state;
}

export interface CommandResult {
    status: number;
    stdout: string;
    stderr: string;
}

/** Runs a command to completion; never throws on a non-zero exit. */
export function run(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number } = {}): CommandResult {
    const result = spawnSync(command, args, {
        cwd: options.cwd,
        env: options.env ?? process.env,
        input: options.input,
        encoding: "utf8",
        maxBuffer: 512 * 1024 * 1024,
        timeout: options.timeoutMs ?? 20 * 60 * 1000,
        killSignal: "SIGTERM",
    });
    if (result.error) throw result.error;
    return { status: result.status ?? 1, stdout: result.stdout, stderr: result.stderr };
}

/** Runs kubectl against the suite's cluster; throws with its stderr when it fails. */
export function kubectl(args: string[], input?: string): string {
    const result = run("kubectl", args, { input });
    if (result.status !== 0) throw new Error(`kubectl ${args.join(" ")} failed (${result.status}): ${result.stderr}`);
    return result.stdout;
}

export function kubectlJson<T = any>(args: string[]): T {
    return JSON.parse(kubectl([...args, "-o", "json"])) as T;
}

/** Polls until check returns true (or a value), or throws what it last said after the timeout. */
export async function waitFor<T>(what: string, check: () => T | false | undefined, timeoutMs = 120_000, intervalMs = 1_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    for (;;) {
        try {
            const value = check();
            if (value !== false && value !== undefined) return value;
        } catch (error) {
            last = error;
        }
        if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}${last ? `: ${last}` : ""}`);
        await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
}

/**
 * A copy of the project (without node_modules, linked instead) in the state folder, so `pulumi stack init`,
 * `pulumi config set` and the stack's encryption salt change the copy's stack file, never the repository's.
 */
export function projectCopy(name: string): string {
    const dir = path.join(e2eState(), name);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    const skip = new Set(["node_modules", ".git", ".tools", "manifests-out", "tests"]);
    for (const entry of fs.readdirSync(repositoryRoot)) {
        if (skip.has(entry)) continue;
        fs.cpSync(path.join(repositoryRoot, entry), path.join(dir, entry), { recursive: true, filter: (source) => path.basename(source) !== "node_modules" });
    }
    fs.symlinkSync(path.join(repositoryRoot, "node_modules"), path.join(dir, "node_modules"));
    return dir;
}

/** The environment the real CLI runs in: a local backend and a home of its own, no plugin downloads, no prompts. */
export function pulumiEnv(backendName: string): NodeJS.ProcessEnv {
    const state = e2eState();
    const backend = path.join(state, backendName, "backend");
    const home = path.join(state, backendName, "home");
    fs.mkdirSync(backend, { recursive: true });
    fs.mkdirSync(home, { recursive: true });
    return {
        ...process.env,
        PULUMI_BACKEND_URL: `file://${backend}`,
        PULUMI_HOME: home,
        PULUMI_CONFIG_PASSPHRASE: "eks-app-e2e",
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
        PULUMI_SKIP_UPDATE_CHECK: "true",
        PULUMI_SKIP_CONFIRMATIONS: "true",
        PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: "true",
        NO_COLOR: "1",
    };
}

export function pulumi(args: string[], cwd: string, env: NodeJS.ProcessEnv, timeoutMs?: number): CommandResult {
    return run("pulumi", [...args, "--non-interactive"], { cwd, env, timeoutMs });
}

/** Runs pulumi and throws with the end of its output when it fails. */
export function pulumiOk(args: string[], cwd: string, env: NodeJS.ProcessEnv, timeoutMs?: number): string {
    const result = pulumi(args, cwd, env, timeoutMs);
    if (result.status !== 0) {
        const tail = (text: string) => text.split("\n").slice(-80).join("\n");
        throw new Error(`pulumi ${args.join(" ")} exited ${result.status}\n--- stdout ---\n${tail(result.stdout)}\n--- stderr ---\n${tail(result.stderr)}`);
    }
    return result.stdout;
}
