// Runs a delivery script as a child process without blocking this one, which serves the fake app meanwhile.
import { spawn } from "node:child_process";
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

export function runScript(script: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<ScriptResult> {
    return new Promise((resolvePromise, reject) => {
        const child = spawn(join(deployScripts, script), args, { env: { ...process.env, ...env } });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
        child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
        child.on("error", reject);
        child.on("close", (code) => resolvePromise({ code, stdout, stderr }));
    });
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

/** Every call a fake recorded, one argument list per call. */
export function recordedCalls(logFile: string): string[][] {
    return readFileSync(logFile, "utf8")
        .split("\n")
        .filter((line) => line !== "")
        .map((line) => JSON.parse(line) as string[]);
}
