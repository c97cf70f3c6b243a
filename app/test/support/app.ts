import { request } from "node:http";
import type { RedisServer } from "./redis-server";
import { loadConfig } from "../../src/config";
import { createLogger } from "../../src/logger";
import { startApp } from "../../src/server";

export interface TestApp {
  baseUrl: string;
  logLines: string[];
  stop(): Promise<void>;
}

/**
 * The app in this process, on an ephemeral loopback port, logging into an array instead of stdout.
 * `env` adds to the environment contract the app reads, as in production. The create burst is
 * raised so that only the rate-limit tests meet the limit.
 */
export async function startTestApp(redis: RedisServer, env: Record<string, string> = {}): Promise<TestApp> {
  const logLines: string[] = [];
  const config = loadConfig({ REDIS_HOST: "127.0.0.1", REDIS_PORT: String(redis.port), REDIS_PASSWORD: redis.password, CREATE_BURST: "100000", ...env });
  const app = await startApp({ ...config, port: 0 }, createLogger((line) => logLines.push(line)));
  const baseUrl = `http://127.0.0.1:${app.port}`;
  await waitForReady(baseUrl, 10_000);
  return { baseUrl, logLines, stop: async () => void (await app.shutdown(0, 5_000)) };
}

/** Creates a link through the API and returns its code; anything but a 201 fails the test. */
export async function shorten(app: TestApp, url: string): Promise<string> {
  const response = await fetch(`${app.baseUrl}/api/links`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ url }) });
  if (response.status !== 201) throw new Error(`creating a link for ${url} answered ${response.status}: ${await response.text()}`);
  return ((await response.json()) as { code: string }).code;
}

/** Polls /readyz until it answers 200; fails after timeoutMs. */
export async function waitForReady(baseUrl: string, timeoutMs: number): Promise<number> {
  const started = Date.now();
  for (;;) {
    const status = await fetch(`${baseUrl}/readyz`).then(
      (response) => response.status,
      () => 0,
    );
    if (status === 200) return Date.now() - started;
    if (Date.now() - started > timeoutMs) throw new Error(`${baseUrl}/readyz not 200 after ${timeoutMs} ms (last: ${status})`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * A request with full control over headers and body framing (fetch fixes Host and Content-Length).
 * `body` as an array is sent chunk by chunk with chunked transfer encoding.
 */
export function rawRequest(
  baseUrl: string,
  options: { method: string; path: string; headers?: Record<string, string>; body?: string | string[] },
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(`${baseUrl}${options.path}`, { method: options.method, headers: options.headers }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on("error", reject);
    if (Array.isArray(options.body)) {
      for (const chunk of options.body) req.write(chunk);
    } else if (options.body !== undefined) {
      req.write(options.body);
    }
    req.end();
  });
}
