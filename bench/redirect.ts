/**
 * Redirect throughput of the sample app next to Redis's own GET throughput, on this machine.
 *
 *   npm --prefix app run build   # once, and after every change to app/src
 *   npm run bench
 *
 * Starts a private redis-server and the compiled app on free loopback ports, seeds one link, runs
 * autocannon against GET /:code, then redis-benchmark GET against the same redis-server, prints
 * both and stops everything it started. Traffic never leaves 127.0.0.1.
 */
import autocannon from "autocannon";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const APP_MAIN = resolve(__dirname, "..", "app", "dist", "src", "main.js");
const DURATION_SECONDS = 10;
const WARMUP_SECONDS = 2;
// Ten connections for both tools: enough to keep a 2-core machine busy without queueing.
const CONNECTIONS = 10;
const REDIS_BENCHMARK_REQUESTS = 500_000;
const REDIS_PASSWORD = "bench-only";

function requireTool(command: string, hint: string): void {
  if (spawnSync(command, ["--version"]).error !== undefined) throw new Error(`${command} is not on PATH: ${hint}`);
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() => (typeof address === "object" && address !== null ? resolvePort(address.port) : reject(new Error("no free port"))));
    });
  });
}

async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((wake) => setTimeout(wake, 100));
  }
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((done) => child.once("exit", done));
  child.kill("SIGTERM");
  await exited;
}

interface RedisBenchmarkGet {
  requestsPerSecond: number;
  p99Ms: number;
}

/** Runs redis-benchmark's GET test and reads its CSV line: "GET","rps","avg",…,"p99",… */
function runRedisBenchmark(port: number): RedisBenchmarkGet {
  const run = spawnSync(
    "redis-benchmark",
    ["-h", "127.0.0.1", "-p", String(port), "-a", REDIS_PASSWORD, "-t", "get", "-n", String(REDIS_BENCHMARK_REQUESTS), "-c", String(CONNECTIONS), "--csv"],
    { encoding: "utf8" },
  );
  if (run.status !== 0) throw new Error(`redis-benchmark failed: ${run.stderr}`);
  const [header, row] = run.stdout
    .trim()
    .split("\n")
    .map((line) => line.split(",").map((cell) => cell.replace(/"/g, "")));
  const column = (name: string): number => Number(row[header.indexOf(name)]);
  return { requestsPerSecond: column("rps"), p99Ms: column("p99_latency_ms") };
}

async function main(): Promise<void> {
  if (!existsSync(APP_MAIN)) throw new Error(`${APP_MAIN} is missing: run \`npm --prefix app run build\` first.`);
  requireTool("redis-server", "install it with `apt-get install redis-server`");
  requireTool("redis-benchmark", "it comes with redis-server (`apt-get install redis-server`)");

  const dataDir = mkdtempSync(join(tmpdir(), "bench-redis-"));
  const children: ChildProcess[] = [];
  try {
    const redisPort = await freePort();
    // The same shape as the platform's Redis: a password and the append-only file.
    const redis = spawn("redis-server", ["--port", String(redisPort), "--bind", "127.0.0.1", "--dir", dataDir, "--appendonly", "yes", "--save", "", "--requirepass", REDIS_PASSWORD], { stdio: "ignore" });
    children.push(redis);

    const appPort = await freePort();
    const baseUrl = `http://127.0.0.1:${appPort}`;
    // The app's per-request JSON log goes to /dev/null: still produced, as in production, but not printed.
    const app = spawn(process.execPath, [APP_MAIN], {
      env: { PATH: process.env.PATH, PORT: String(appPort), REDIS_HOST: "127.0.0.1", REDIS_PORT: String(redisPort), REDIS_PASSWORD },
      stdio: ["ignore", "ignore", "inherit"],
    });
    children.push(app);
    await waitUntil("the app becoming ready", async () => (await fetch(`${baseUrl}/readyz`)).status === 200);

    const created = await fetch(`${baseUrl}/api/links`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ url: "https://example.com/benchmark" }) });
    if (created.status !== 201) throw new Error(`seeding a link failed with ${created.status}`);
    const { code } = (await created.json()) as { code: string };
    const target = `${baseUrl}/${code}`;

    // JIT and connection pools warm up first, so they do not count against the app.
    await autocannon({ url: target, connections: CONNECTIONS, duration: WARMUP_SECONDS });
    const visitsBefore = ((await (await fetch(`${baseUrl}/api/links/${code}`)).json()) as { visits: number }).visits;
    console.log(`autocannon: GET /:code for ${DURATION_SECONDS} s with ${CONNECTIONS} connections …`);
    const result = await autocannon({ url: target, connections: CONNECTIONS, duration: DURATION_SECONDS });
    const visitsAfter = ((await (await fetch(`${baseUrl}/api/links/${code}`)).json()) as { visits: number }).visits;

    // Every answer must have been the redirect, and every redirect a counted visit; otherwise the figure measures errors.
    if (result.errors > 0 || result["3xx"] !== result.requests.total || result.requests.total === 0) {
      throw new Error(`the run was not all redirects: ${result["3xx"]} of ${result.requests.total} were 3xx, ${result.errors} errors`);
    }
    // autocannon stops with up to one request per connection still in flight: served and counted, but not tallied by it.
    const uncountedByAutocannon = visitsAfter - visitsBefore - result["3xx"];
    if (uncountedByAutocannon < 0 || uncountedByAutocannon > CONNECTIONS) {
      throw new Error(`${result["3xx"]} redirects but ${visitsAfter - visitsBefore} visits counted`);
    }

    console.log(`redis-benchmark: GET, ${REDIS_BENCHMARK_REQUESTS} requests with ${CONNECTIONS} clients …`);
    const redisGet = runRedisBenchmark(redisPort);

    const rows: [string, string, string][] = [
      ["", "requests/s", "p99 latency"],
      ["app GET /:code (302, counted)", result.requests.average.toFixed(0), `${result.latency.p99} ms`],
      ["redis-benchmark GET", redisGet.requestsPerSecond.toFixed(0), `${redisGet.p99Ms} ms`],
      ["ratio app / redis", (result.requests.average / redisGet.requestsPerSecond).toFixed(3), ""],
    ];
    console.log();
    for (const [name, rate, latency] of rows) console.log(`${name.padEnd(32)}${rate.padStart(12)}${latency.padStart(14)}`);
    console.log(`\n${result.requests.total} redirects in ${result.duration} s, every one counted as a visit; Node ${process.version}.`);
  } finally {
    for (const child of children.reverse()) await stop(child);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
