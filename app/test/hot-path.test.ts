// What every redirect pays for, made cheap (issue 23): the access log line and its buffer, the request
// metrics, batched reads. Each must say exactly what the costly version said.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Histogram, Registry } from "prom-client";
import { loadConfig } from "../src/config";
import { createLogger, lineBuffer, requestLine, type RequestLogFields } from "../src/logger";
import { createMetrics } from "../src/metrics";
import { createRequestMetrics } from "../src/request-metrics";
import { LinkStore, StoreUnavailableError } from "../src/store";
import { shorten, startTestApp, waitForReady } from "./support/app";
import { freePort } from "./support/ports";
import { RedisServer } from "./support/redis-server";
import { runServer } from "./support/server-process";

describe("the access log line", () => {
  const fields: RequestLogFields = { requestId: "lb-4f2a9c", method: "GET", path: "/Ab3dE6gH", route: "/:code", status: 302, durationMs: 0.123 };

  it("is the JSON that JSON.stringify makes of the same fields, escapes included", () => {
    const awkwardPaths = ["/Ab3dE6gH", '/a"b', "/back\\slash", "/tab\there", "/ünïcödé", "/\u2028", "/emoji😀", "/%22"];
    for (const path of awkwardPaths) {
      const line = requestLine("2026-12-04T20:00:00.000Z", { ...fields, path });
      const expected = JSON.stringify({ time: "2026-12-04T20:00:00.000Z", level: "info", message: "request", ...fields, path }) + "\n";
      assert.equal(line, expected, `path ${JSON.stringify(path)}`);
    }
  });

  it("carries the current time in ISO 8601", () => {
    const lines: string[] = [];
    const before = Date.now();
    createLogger((line) => lines.push(line)).request(fields);
    const logged = JSON.parse(lines[0]) as { time: string };
    assert.ok(Date.parse(logged.time) >= before && Date.parse(logged.time) <= Date.now(), logged.time);
  });
});

describe("the log line buffer", () => {
  it("writes every line whole and in order, across full buffers and lines of many-byte characters", () => {
    const chunks: Buffer[] = [];
    const lines = lineBuffer((chunk) => chunks.push(Buffer.from(chunk)), 60_000, 1024);
    const written: string[] = [];
    for (let i = 0; i < 500; i++) {
      // Three-byte characters (€) and four-byte ones (😀, two UTF-16 units) fill a buffer far sooner than their length says.
      const line = `{"n":${i},"text":"${"€".repeat(i % 97)}${"😀".repeat(i % 13)}"}\n`;
      written.push(line);
      lines.add(line);
    }
    lines.add(`{"long":"${"x".repeat(5000)}"}\n`);
    written.push(`{"long":"${"x".repeat(5000)}"}\n`);
    lines.flush();
    assert.ok(chunks.length > 10, `the 1 KiB buffer was written many times (${chunks.length})`);
    assert.equal(Buffer.concat(chunks).toString("utf8"), written.join(""));
    for (const chunk of chunks) assert.ok(chunk.toString("utf8").endsWith("\n"), "no line is split across writes");
  });

  it("writes what it holds after the flush delay, without being asked", async () => {
    const chunks: Buffer[] = [];
    const lines = lineBuffer((chunk) => chunks.push(chunk), 20);
    lines.add("one\n");
    lines.add("two\n");
    assert.equal(chunks.length, 0);
    await new Promise((resolve) => setTimeout(resolve, 60));
    assert.equal(Buffer.concat(chunks).toString(), "one\ntwo\n");
  });

  it("loses no line of a server stopped with SIGTERM within the flush delay", async () => {
    const redis = await RedisServer.start();
    const port = await freePort();
    const server = runServer({ PORT: String(port), REDIS_HOST: "127.0.0.1", REDIS_PORT: String(redis.port), REDIS_PASSWORD: redis.password, DRAIN_DELAY_SECONDS: "0" });
    try {
      await waitForReady(`http://127.0.0.1:${port}`, 10_000);
      const ids = Array.from({ length: 300 }, (_, i) => `flush-${i}`);
      for (const id of ids) await fetch(`http://127.0.0.1:${port}/healthz`, { headers: { "X-Request-Id": id } });
      server.child.kill("SIGTERM");
      assert.equal(await server.exited, 0);
      const entries = server
        .output()
        .trimEnd()
        .split("\n")
        .map((line) => JSON.parse(line) as { requestId?: string; message: string });
      const logged = entries.filter((entry) => entry.requestId?.startsWith("flush-")).map((entry) => entry.requestId);
      assert.deepEqual(logged, ids, "every request's line, in the order answered");
      assert.equal(entries.at(-1)?.message, "stopped");
    } finally {
      if (server.child.exitCode === null) server.child.kill("SIGKILL");
      await redis.destroy();
    }
  });
});

describe("the request metrics", () => {
  const observations: [method: string, route: string, status: number, seconds: number][] = [
    ["GET", "/:code", 302, 0.0004],
    ["GET", "/:code", 302, 0.001],
    ["GET", "/:code", 302, 0.0031],
    ["GET", "/:code", 404, 0.02],
    ["POST", "/api/links", 201, 0.3],
    ["GET", "/:code", 302, 7],
  ];

  it("expose the same text as prom-client's own counter and histogram fed the same requests", async () => {
    const cheap = new Registry();
    const { observe } = createRequestMetrics(cheap);
    const reference = new Registry();
    const { httpRequests: referenceCounter } = createRequestMetrics(reference);
    const buckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
    // The reference histogram replaces the cheap one in its registry.
    reference.removeSingleMetric("http_request_duration_seconds");
    const referenceHistogram = new Histogram({ name: "http_request_duration_seconds", help: "Time to answer an HTTP request, by method, route template and status code.", labelNames: ["method", "route", "status"], buckets, registers: [reference] });
    for (const [method, route, status, seconds] of observations) {
      observe(method, route, status, seconds);
      referenceCounter.inc({ method, route, status: String(status) });
      referenceHistogram.observe({ method, route, status: String(status) }, seconds);
    }
    assert.equal(await cheap.metrics(), await reference.metrics());
    // A second scrape adds nothing twice.
    assert.equal(await cheap.metrics(), await reference.metrics());
  });

  it("add requests counted straight on the counter (parser refusals) to those observed", async () => {
    const metrics = createMetrics();
    metrics.observeRequest("GET", "/:code", 302, 0.001);
    metrics.httpRequests.inc({ method: "<unparsed>", route: "<unmatched>", status: "431" });
    metrics.observeRequest("GET", "/:code", 302, 0.001);
    const text = await metrics.registry.metrics();
    assert.match(text, /^http_requests_total\{method="GET",route="\/:code",status="302"\} 2$/m);
    assert.match(text, /^http_requests_total\{method="<unparsed>",route="<unmatched>",status="431"\} 1$/m);
  });
});

describe("reads of link targets and visit counts, against a real Redis", () => {
  let redis: RedisServer;

  before(async () => {
    redis = await RedisServer.start();
  });

  after(async () => {
    await redis?.destroy();
  });

  const calls = async (command: string): Promise<number> => Number(new RegExp(`cmdstat_${command}:calls=(\\d+)`).exec(String(await redis.command("INFO", "commandstats")))?.[1] ?? 0);

  const read = (store: LinkStore, code: string): Promise<string | null> =>
    new Promise((resolve, reject) => store.resolve(code, undefined, (_, url) => resolve(url), (_, error) => reject(error)));

  it("sends the reads of one turn of the event loop as one command, and answers every redirect waiting on one", async () => {
    const app = await startTestApp(redis, { LINK_CACHE_SECONDS: "0" });
    const config = loadConfig({ REDIS_HOST: "127.0.0.1", REDIS_PORT: String(redis.port), REDIS_PASSWORD: redis.password, LINK_CACHE_SECONDS: "0" });
    const metrics = createMetrics();
    const store = new LinkStore(config.redis, config.limits, config.linkCache, createLogger(() => {}), metrics);
    let redisStopped = false;
    try {
      const codes = await Promise.all(Array.from({ length: 10 }, (_, i) => shorten(app, `https://example.com/batch/${i}`)));
      // The first read also loads the script into Redis, so the counts below are of EVALSHA alone.
      assert.equal(await read(store, codes[0]), "https://example.com/batch/0");
      const [scriptsBefore, hgetsBefore] = [await calls("evalsha"), await calls("hget")];
      // Three redirects to the first link at once share its read.
      const urls = await Promise.all([codes[0], codes[0], ...codes, "Unknown1"].map((code) => read(store, code)));
      assert.deepEqual(urls, ["https://example.com/batch/0", "https://example.com/batch/0", ...codes.map((_, i) => `https://example.com/batch/${i}`), null]);
      assert.equal((await calls("evalsha")) - scriptsBefore, 1, "thirteen reads, one command");
      assert.equal((await calls("hget")) - hgetsBefore, 11, "each code still read once");
      assert.equal(await read(store, codes[0]), "https://example.com/batch/0", "a read after the last one was answered is a new read");
      assert.equal((await calls("evalsha")) - scriptsBefore, 2);

      await redis.stop();
      redisStopped = true;
      const failed = await Promise.allSettled([codes[0], ...codes.slice(0, 3)].map((code) => read(store, code)));
      assert.ok(failed.every((outcome) => outcome.status === "rejected" && outcome.reason instanceof StoreUnavailableError));
      assert.match(await metrics.registry.metrics(), /^redis_errors_total\{operation="resolve"\} 3$/m, "one error per link that could not be read, each of its redirects answered");
    } finally {
      if (redisStopped) await redis.resume();
      await store.close();
      await app.stop();
    }
  });

  it("counts a batch of visits to more links than one script takes, each by its own count, and never revives a deleted link", async () => {
    const config = loadConfig({ REDIS_HOST: "127.0.0.1", REDIS_PORT: String(redis.port), REDIS_PASSWORD: redis.password });
    const store = new LinkStore(config.redis, config.limits, config.linkCache, createLogger(() => {}), createMetrics());
    try {
      // 501 links: one more than a script takes, so the batch goes as two scripts.
      const codes = Array.from({ length: 501 }, (_, i) => `Visit${String(i).padStart(3, "0")}`);
      for (const code of codes) await redis.command("HSET", `link:${code}`, "url", "https://example.com/", "visits", "0");
      // The first call of a script not yet loaded goes as EVAL, after a refused EVALSHA.
      const scriptCalls = async () => {
        const stats = String(await redis.command("INFO", "commandstats"));
        return ["eval", "evalsha"].reduce((sum, command) => sum + Number(new RegExp(`cmdstat_${command}:calls=(\\d+)`).exec(stats)?.[1] ?? 0), 0);
      };
      const scriptsBefore = await scriptCalls();
      codes.forEach((code, i) => {
        for (let visit = 0; visit <= i % 3; visit++) store.countVisit(code, `request-${i}`);
      });
      store.countVisit("Deleted0", "request-deleted");
      await new Promise((resolve) => setTimeout(resolve, 200));
      for (const [i, code] of codes.entries()) assert.equal(await redis.command("HGET", `link:${code}`, "visits"), String((i % 3) + 1), code);
      assert.equal(await redis.command("EXISTS", "link:Deleted0"), 0);
      const scriptsAfter = await scriptCalls();
      assert.equal(scriptsAfter - scriptsBefore, 2, "502 links, two scripts");
    } finally {
      await store.close();
    }
  });
});
