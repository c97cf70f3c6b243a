import assert from "node:assert/strict";
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { request, type IncomingMessage } from "node:http";
import { connect } from "node:net";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { waitForReady } from "./support/app";
import { freePort } from "./support/ports";
import { RedisServer } from "./support/redis-server";

// Tests run from dist/test/, next to the compiled server in dist/src/.
const MAIN = join(__dirname, "..", "src", "main.js");

interface ServerProcess {
  child: ChildProcessWithoutNullStreams;
  output: () => string;
  exited: Promise<number | null>;
}

/** The compiled server as its own process, exactly as the container runs it. */
function runServer(env: Record<string, string>): ServerProcess {
  const child = spawn(process.execPath, [MAIN], { env: { PATH: process.env.PATH ?? "", ...env } });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, output: () => output, exited };
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Resolves to true if something accepts a TCP connection on the port. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

describe("the server process", () => {
  let redis: RedisServer;

  before(async () => {
    redis = await RedisServer.start();
  });

  after(async () => {
    await redis?.destroy();
  });

  async function startServer(extraEnv: Record<string, string> = {}): Promise<{ server: ServerProcess; port: number }> {
    const port = await freePort();
    const server = runServer({ PORT: String(port), REDIS_HOST: "127.0.0.1", REDIS_PORT: String(redis.port), REDIS_PASSWORD: redis.password, ...extraEnv });
    await waitForReady(`http://127.0.0.1:${port}`, 10_000);
    return { server, port };
  }

  /** Sends the headers and half of a POST body, holding the request in flight until finish() is called. */
  function startSlowPost(port: number): { response: Promise<IncomingMessage>; finish: () => void; failed: Promise<Error> } {
    const body = JSON.stringify({ url: "https://example.com/in-flight" });
    const half = Math.floor(body.length / 2);
    const req = request({ host: "127.0.0.1", port, method: "POST", path: "/api/links", headers: { "Content-Type": "application/json", "Content-Length": body.length } });
    const response = new Promise<IncomingMessage>((resolve) => req.once("response", resolve));
    const failed = new Promise<Error>((resolve) => req.once("error", resolve));
    req.write(body.slice(0, half));
    return { response, failed, finish: () => req.end(body.slice(half)) };
  }

  it("finishes an in-flight request on SIGTERM, refuses new connections, and exits 0", async () => {
    const { server, port } = await startServer();
    const keysBefore = await redis.keyCount();

    const slowPost = startSlowPost(port);
    await delay(200);
    server.child.kill("SIGTERM");
    await delay(300);

    assert.equal(server.child.exitCode, null, "still running while a request is in flight");
    assert.equal(await accepts(port), false, "no longer accepts connections");
    slowPost.finish();
    const response = await slowPost.response;
    assert.equal(response.statusCode, 201);
    assert.equal(response.headers.connection, "close");

    assert.equal(await server.exited, 0);
    assert.equal(await redis.keyCount(), keysBefore + 1, "the in-flight link was stored");
    assert.match(server.output(), /"message":"shutting down","signal":"SIGTERM"/);
    assert.match(server.output(), /"message":"stopped"/);
  });

  it("writes only JSON lines to stdout and never the Redis password", async () => {
    const { server, port } = await startServer();
    await fetch(`http://127.0.0.1:${port}/healthz`);
    server.child.kill("SIGINT");
    assert.equal(await server.exited, 0);

    const lines = server.output().trimEnd().split("\n");
    assert.ok(lines.length >= 4, "listening, redis ready, requests, shutdown");
    for (const line of lines) {
      const entry = JSON.parse(line) as { time: string; level: string; message: string };
      assert.equal(typeof entry.message, "string");
      assert.match(entry.level, /^(info|warn|error)$/);
      assert.ok(!line.includes(redis.password), "the password is never logged");
    }
  });

  it("cuts off a request that outlasts SHUTDOWN_TIMEOUT_SECONDS and exits 1", async () => {
    const { server, port } = await startServer({ SHUTDOWN_TIMEOUT_SECONDS: "1" });
    const slowPost = startSlowPost(port);
    await delay(200);
    const signalledAt = Date.now();
    server.child.kill("SIGTERM");

    assert.equal(await server.exited, 1);
    const tookMs = Date.now() - signalledAt;
    assert.ok(tookMs >= 900 && tookMs < 5000, `exited after ${tookMs} ms`);
    assert.ok((await slowPost.failed) instanceof Error, "the unfinished request was cut off");
    assert.match(server.output(), /shutdown timeout/);
  });

  describe("refuses to start on a bad environment, naming the variable", () => {
    const valid = { REDIS_HOST: "127.0.0.1" };
    const cases: { env: Record<string, string>; variable: string }[] = [
      { env: {}, variable: "REDIS_HOST" },
      { env: { REDIS_HOST: "not a host!" }, variable: "REDIS_HOST" },
      { env: { ...valid, PORT: "http" }, variable: "PORT" },
      { env: { ...valid, PORT: "0" }, variable: "PORT" },
      { env: { ...valid, REDIS_PORT: "70000" }, variable: "REDIS_PORT" },
      { env: { ...valid, REDIS_TLS: "yes" }, variable: "REDIS_TLS" },
      { env: { ...valid, SHUTDOWN_TIMEOUT_SECONDS: "-5" }, variable: "SHUTDOWN_TIMEOUT_SECONDS" },
    ];
    for (const { env, variable } of cases) {
      it(`exits 1 on ${JSON.stringify(env)}`, async () => {
        const server = runServer(env);
        assert.equal(await server.exited, 1);
        const entry = JSON.parse(server.output().trim()) as { level: string; message: string };
        assert.equal(entry.level, "error");
        assert.match(entry.message, new RegExp(`^invalid configuration: ${variable} `));
      });
    }
  });
});
