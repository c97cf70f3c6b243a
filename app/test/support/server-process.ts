import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { join } from "node:path";

// Tests run from dist/test/support/, the compiled server is in dist/src/.
const MAIN = join(__dirname, "..", "..", "src", "main.js");

export interface ServerProcess {
  child: ChildProcessWithoutNullStreams;
  output: () => string;
  exited: Promise<number | null>;
}

/** The compiled server as its own process, exactly as the container runs it. */
export function runServer(env: Record<string, string>): ServerProcess {
  const child = spawn(process.execPath, [MAIN], { env: { PATH: process.env.PATH ?? "", ...env } });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, output: () => output, exited };
}

