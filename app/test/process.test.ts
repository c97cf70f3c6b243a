import assert from "node:assert/strict";
import { Agent, request, type IncomingMessage } from "node:http";
import { connect } from "node:net";
import { after, before, describe, it } from "node:test";
import { waitForReady } from "./support/app";
import { runServer, type ServerProcess } from "./support/server-process";
import { freePort } from "./support/ports";
import { RedisServer } from "./support/redis-server";

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

interface Answer {
  port: number;
  status: number;
  connection: string | undefined;
  at: number;
}

/**
 * What a load balancer does, in miniature: it sends each request to the primary until a health
 * check of its /readyz fails, then, after a propagation lag shorter than the drain delay, to the
 * standby. Keep-alive connections are reused, as autocannon -c 20 reuses them.
 */
class ReadinessBalancer {
  readonly primaryNotReady: Promise<number>;
  private usePrimary = true;
  private stopped = false;
  private readonly agents = new Map<number, Agent>();
  private readonly answers: Answer[] = [];
  private readonly failures: string[] = [];

  constructor(
    private readonly primary: number,
    private readonly standby: number,
    propagationLagMs = 500,
  ) {
    for (const port of [primary, standby]) this.agents.set(port, new Agent({ keepAlive: true, maxSockets: 20 }));
    this.primaryNotReady = (async () => {
      for (;;) {
        await delay(100);
        const ready = await fetch(`http://127.0.0.1:${primary}/readyz`).then((response) => response.status === 200, () => false);
        if (!ready) {
          const at = Date.now();
          setTimeout(() => (this.usePrimary = false), propagationLagMs);
          return at;
        }
      }
    })();
  }

  run(connections: number, path: string): Promise<void[]> {
    const client = async (): Promise<void> => {
      while (!this.stopped) {
        const port = this.usePrimary ? this.primary : this.standby;
        try {
          this.answers.push(await this.get(port, path));
        } catch (error) {
          this.failures.push(`${port}: ${(error as Error).message}`);
        }
      }
    };
    return Promise.all(Array.from({ length: connections }, client));
  }

  async stop(load: Promise<void[]>): Promise<{ answers: Answer[]; failures: string[] }> {
    this.stopped = true;
    await load;
    for (const agent of this.agents.values()) agent.destroy();
    return { answers: this.answers, failures: this.failures };
  }

  private get(port: number, path: string): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const req = request({ host: "127.0.0.1", port, path, agent: this.agents.get(port) }, (res) => {
        res.resume();
        res.on("end", () => resolve({ port, status: res.statusCode ?? 0, connection: res.headers.connection, at: Date.now() }));
        res.on("error", reject);
      });
      req.on("error", reject);
      req.end();
    });
  }
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

  async function linkCount(): Promise<number> {
    return ((await redis.command("KEYS", "link:*")) as string[]).length;
  }

  async function shortenOn({ server, port }: { server: ServerProcess; port: number }, url: string): Promise<string> {
    const response = await fetch(`http://127.0.0.1:${port}/api/links`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ url }) });
    server.child.kill("SIGINT");
    await server.exited;
    return ((await response.json()) as { code: string }).code;
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
    const { server, port } = await startServer({ DRAIN_DELAY_SECONDS: "0" });
    const linksBefore = await linkCount();

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
    assert.equal(await linkCount(), linksBefore + 1, "the in-flight link was stored");
    assert.match(server.output(), /"message":"shutting down","signal":"SIGTERM"/);
    assert.match(server.output(), /"message":"stopped"/);
  });

  it("loses no request of 20 keep-alive clients across a SIGTERM, with a load balancer that follows /readyz", async () => {
    const code = await shortenOn(await startServer({ DRAIN_DELAY_SECONDS: "0" }), "https://example.com/drain");
    const draining = await startServer({ DRAIN_DELAY_SECONDS: "3" });
    const standby = await startServer();
    try {
      const balancer = new ReadinessBalancer(draining.port, standby.port);
      const load = balancer.run(20, `/${code}`);
      await delay(500);

      const signalledAt = Date.now();
      draining.server.child.kill("SIGTERM");
      const notReadyAt = await balancer.primaryNotReady;
      // The flag flips on the signal; the margin is the health check's polling on a busy machine.
      assert.ok(notReadyAt - signalledAt < 1500, `/readyz turned 503 ${notReadyAt - signalledAt} ms after SIGTERM`);
      assert.equal(await draining.server.exited, 0);
      await delay(300);
      const results = await balancer.stop(load);

      assert.deepEqual(results.failures, [], "no request failed");
      assert.ok(results.answers.every((answer) => answer.status === 302));
      // Answers already on their way when the signal arrived may lack it; later ones may not.
      const drainedAnswers = results.answers.filter((answer) => answer.port === draining.port && answer.at > signalledAt + 200);
      assert.ok(drainedAnswers.length > 0, "the draining instance went on serving after SIGTERM");
      assert.deepEqual(drainedAnswers.filter((answer) => answer.connection !== "close"), [], "and told every keep-alive client to reconnect");
      assert.ok(results.answers.some((answer) => answer.port === standby.port), "the rest went to the standby");
    } finally {
      draining.server.child.kill("SIGKILL");
      standby.server.child.kill("SIGINT");
      await standby.server.exited;
    }
  });

  it("logs the Redis URL with its password masked", async () => {
    const { server } = await startServer({ REDIS_HOST: "", REDIS_PORT: "", REDIS_PASSWORD: "", REDIS_URL: `redis://:${redis.password}@127.0.0.1:${redis.port}` });
    server.child.kill("SIGINT");
    assert.equal(await server.exited, 0);
    assert.ok(server.output().includes(`"redis":"redis://:***@127.0.0.1:${redis.port}"`));
    assert.ok(!server.output().includes(redis.password));
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
    const { server, port } = await startServer({ DRAIN_DELAY_SECONDS: "0", SHUTDOWN_TIMEOUT_SECONDS: "1" });
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
});
