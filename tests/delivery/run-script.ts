// Runs a delivery script as a child process without blocking this one, which serves the fake app meanwhile.
import { ChildProcess, spawn } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export const repositoryRoot = resolve(__dirname, "..", "..");
export const deployScripts = join(repositoryRoot, "scripts", "deploy");

export interface ScriptResult {
    code: number | null;
    stdout: string;
    stderr: string;
}

export function runScript(script: string, args: string[], env: NodeJS.ProcessEnv = {}, cwd?: string): Promise<ScriptResult> {
    return startScript(script, args, env, cwd).result;
}

/** Starts a script and hands back the child too, for tests that signal it while it runs. */
export function startScript(script: string, args: string[], env: NodeJS.ProcessEnv = {}, cwd?: string): { child: ChildProcess; result: Promise<ScriptResult> } {
    const child = spawn(join(deployScripts, script), args, { env: { ...process.env, ...env }, cwd });
    const result = new Promise<ScriptResult>((resolvePromise, reject) => {
        let stdout = "";
        let stderr = "";
        child.stdout?.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
        child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
        child.on("error", reject);
        child.on("close", (code) => resolvePromise({ code, stdout, stderr }));
    });
    return { child, result };
}

/** A scratch directory whose bin/ runs the given fakes (files in tests/delivery/fakes) under the commands' names. */
export function sandboxWithFakes(fakes: Record<string, string>): { dir: string; path: string } {
    const dir = mkdtempSync(join(tmpdir(), "eks-app-delivery-"));
    const bin = join(dir, "bin");
    mkdirSync(bin);
    for (const [command, fake] of Object.entries(fakes)) {
        const wrapper = join(bin, command);
        writeFileSync(wrapper, `#!/bin/sh\nexec node "${join(__dirname, "fakes", fake)}" "$@"\n`);
        chmodSync(wrapper, 0o755);
    }
    return { dir, path: `${bin}:${process.env.PATH ?? ""}` };
}

/** What a fake recorded, one entry per line: an argument list, or the stand-in pulumi's { args, program } / { signal }. */
export interface RecordedCall {
    args?: string[];
    /** The program.txt of the directory the call ran in: which commit's program it was. */
    program?: string;
    signal?: string;
}

export function recordedEntries(logFile: string): RecordedCall[] {
    return readFileSync(logFile, "utf8")
        .split("\n")
        .filter((line) => line !== "")
        .map((line) => JSON.parse(line) as string[] | RecordedCall)
        .map((entry) => (Array.isArray(entry) ? { args: entry } : entry));
}

/** Every call a fake recorded, one argument list per call. */
export function recordedCalls(logFile: string): string[][] {
    return recordedEntries(logFile).flatMap((entry) => (entry.args === undefined ? [] : [entry.args]));
}
