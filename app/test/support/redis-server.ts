import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Redis from "ioredis";
import { freePort } from "./ports";

/**
 * A real redis-server on a free loopback port with AOF on and RDB snapshots off, so a restart
 * keeps exactly what the append-only file kept. A password makes every test exercise AUTH.
 */
export class RedisServer {
  readonly password = "test-secret-7f3a9c";
  private process: ChildProcess | undefined;

  private constructor(
    readonly port: number,
    readonly dir: string,
  ) {}

  static async start(): Promise<RedisServer> {
    const found = spawnSync("redis-server", ["--version"]);
    if (found.error !== undefined) {
      throw new Error("redis-server is not on PATH: these tests need a real Redis. Install it with `apt-get install redis-server`.");
    }
    const server = new RedisServer(await freePort(), mkdtempSync(join(tmpdir(), "shortener-redis-")));
    await server.resume();
    return server;
  }

  /** Starts the server again on the same port and data directory, after stop(). */
  async resume(): Promise<void> {
    const child = spawn(
      "redis-server",
      ["--port", String(this.port), "--bind", "127.0.0.1", "--dir", this.dir, "--appendonly", "yes", "--save", "", "--requirepass", this.password],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    this.process = child;
    await new Promise<void>((resolve, reject) => {
      let output = "";
      const timer = setTimeout(() => reject(new Error(`redis-server did not become ready:\n${output}`)), 10_000);
      child.stdout.on("data", (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes("Ready to accept connections")) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`redis-server exited with ${code}:\n${output}`));
      });
    });
  }

  /** A clean shutdown (SIGTERM): Redis flushes the append-only file before it exits. */
  async stop(): Promise<void> {
    const child = this.process;
    if (child === undefined || child.exitCode !== null) return;
    this.process = undefined;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    await exited;
  }

  /** Freezes the server: connections stay open but nothing answers, like a network partition. */
  pause(): void {
    this.process?.kill("SIGSTOP");
  }

  unpause(): void {
    this.process?.kill("SIGCONT");
  }

  /** Runs one command on a short-lived connection of its own. */
  async command(name: string, ...args: string[]): Promise<unknown> {
    const client = new Redis({ port: this.port, host: "127.0.0.1", password: this.password, lazyConnect: true, retryStrategy: () => null });
    try {
      await client.connect();
      return await client.call(name, ...args);
    } finally {
      client.disconnect();
    }
  }

  async keyCount(): Promise<number> {
    return Number(await this.command("DBSIZE"));
  }

  async destroy(): Promise<void> {
    this.unpause();
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
