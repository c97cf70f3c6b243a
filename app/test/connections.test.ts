import assert from "node:assert/strict";
import { connect, type Socket } from "node:net";
import { after, before, describe, it } from "node:test";
import { startTestApp, type TestApp } from "./support/app";
import { RedisServer } from "./support/redis-server";

interface RawExchange {
  /** Everything the server sent before it closed the connection. */
  response: string;
  /** Milliseconds from the first byte sent to the close. */
  closedAfterMs: number;
}

/** Sends raw bytes (then, if given, more every intervalMs) and waits until the server closes the connection. */
function exchangeRaw(port: number, first: string, trickle?: { chunk: string; intervalMs: number }): Promise<RawExchange> {
  return new Promise((resolve, reject) => {
    const socket: Socket = connect(port, "127.0.0.1");
    const started = Date.now();
    let response = "";
    let timer: NodeJS.Timeout | undefined;
    socket.setEncoding("latin1");
    socket.on("data", (chunk: string) => (response += chunk));
    socket.on("error", (error: NodeJS.ErrnoException) => {
      // A reset after the answer still counts as the close; before it, it is a failure.
      if (response === "") reject(error);
    });
    socket.on("close", () => {
      clearInterval(timer);
      resolve({ response, closedAfterMs: Date.now() - started });
    });
    socket.write(first);
    if (trickle !== undefined) timer = setInterval(() => socket.writable && socket.write(trickle.chunk), trickle.intervalMs);
  });
}

function parse(raw: string): { status: number; headers: Map<string, string>; body: string } {
  const [head, body = ""] = raw.split("\r\n\r\n");
  const [statusLine, ...headerLines] = head.split("\r\n");
  const headers = new Map(headerLines.map((line) => [line.slice(0, line.indexOf(":")).toLowerCase(), line.slice(line.indexOf(":") + 1).trim()]));
  return { status: Number(statusLine.split(" ")[1]), headers, body };
}

describe("connections: parser errors, slow and vanishing clients", () => {
  let redis: RedisServer;
  let app: TestApp;
  let port: number;
  const HEADERS_TIMEOUT_SECONDS = 2;
  const REQUEST_TIMEOUT_SECONDS = 3;

  before(async () => {
    redis = await RedisServer.start();
    app = await startTestApp(redis, { HEADERS_TIMEOUT_SECONDS: String(HEADERS_TIMEOUT_SECONDS), REQUEST_TIMEOUT_SECONDS: String(REQUEST_TIMEOUT_SECONDS) });
    port = Number(new URL(app.baseUrl).port);
  });

  after(async () => {
    await app?.stop();
    await redis?.destroy();
  });

  function logEntries(): Record<string, unknown>[] {
    return app.logLines.map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  it("answers headers over the size limit with a JSON 431, its request id, a JSON log line and a metric", async () => {
    const request = `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Request-Id: huge-headers-1\r\nX-Padding: ${"a".repeat(20_000)}\r\n\r\n`;
    const { status, headers, body } = parse((await exchangeRaw(port, request)).response);
    assert.equal(status, 431);
    assert.match(String(headers.get("content-type")), /^application\/json/);
    assert.match((JSON.parse(body) as { error: string }).error, /too large/);
    assert.equal(headers.get("x-content-type-options"), "nosniff");
    assert.equal(headers.get("x-request-id"), "huge-headers-1");
    const entry = logEntries().find((candidate) => candidate.requestId === "huge-headers-1");
    assert.deepEqual({ level: entry?.level, message: entry?.message, status: entry?.status }, { level: "info", message: "request", status: 431 });
    const metrics = await (await fetch(`${app.baseUrl}/metrics`)).text();
    assert.match(metrics, /^http_requests_total\{method="<unparsed>",route="<unmatched>",status="431"\} [1-9]/m);
  });

  it("answers a request smuggling attempt (Content-Length with chunked) with a JSON 400", async () => {
    const request = "POST /api/links HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n";
    const { status, headers, body } = parse((await exchangeRaw(port, request)).response);
    assert.equal(status, 400);
    assert.equal(headers.get("connection"), "close");
    assert.match((JSON.parse(body) as { error: string }).error, /malformed/);
    assert.match(String(headers.get("x-request-id")), /^[0-9a-f-]{36}$/);
  });

  it("cuts a client that sends its headers slowly within 2 s of HEADERS_TIMEOUT_SECONDS, with a 408 logged at info", async () => {
    const { response, closedAfterMs } = await exchangeRaw(port, "GET /healthz HTTP/1.1\r\nHost: x\r\n", { chunk: "X-Slow: 1\r\n", intervalMs: 300 });
    assert.equal(parse(response).status, 408);
    const limitMs = HEADERS_TIMEOUT_SECONDS * 1000;
    assert.ok(closedAfterMs >= limitMs - 100 && closedAfterMs <= limitMs + 2000, `cut after ${closedAfterMs} ms`);
    assert.ok(logEntries().some((entry) => entry.status === 408 && entry.level === "info"));
  });

  it("cuts a request whose body arrives slowly within 2 s of REQUEST_TIMEOUT_SECONDS, with a 408 on its own log line", async () => {
    const head = "POST /api/links HTTP/1.1\r\nHost: x\r\nX-Request-Id: slow-body-1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{";
    const { response, closedAfterMs } = await exchangeRaw(port, head, { chunk: " ", intervalMs: 300 });
    const { status, headers } = parse(response);
    assert.equal(status, 408);
    assert.equal(headers.get("x-request-id"), "slow-body-1");
    const limitMs = REQUEST_TIMEOUT_SECONDS * 1000;
    assert.ok(closedAfterMs >= limitMs - 100 && closedAfterMs <= limitMs + 2000, `cut after ${closedAfterMs} ms`);
    const entry = logEntries().find((candidate) => candidate.requestId === "slow-body-1");
    assert.deepEqual({ level: entry?.level, status: entry?.status, route: entry?.route }, { level: "info", status: 408, route: "/api/links" });
  });

  it("logs a client that leaves mid-request at info with status 499, not as an error", async () => {
    await new Promise<void>((resolve) => {
      const socket = connect(port, "127.0.0.1", () => {
        socket.write("POST /api/links HTTP/1.1\r\nHost: x\r\nX-Request-Id: gone-away-1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"url\":");
        setTimeout(() => socket.destroy(), 100);
      });
      socket.on("close", () => resolve());
    });
    const deadline = Date.now() + 2000;
    while (!app.logLines.some((line) => line.includes("gone-away-1")) && Date.now() < deadline) await new Promise((wake) => setTimeout(wake, 20));
    const entries = logEntries().filter((entry) => entry.requestId === "gone-away-1");
    assert.deepEqual(entries.map((entry) => [entry.level, entry.status]), [["info", 499]]);
  });
});
