/**
 * Redirect throughput of the sample app next to its two ceilings, measured in one run on this machine:
 * a bare node:http server that answers 302 with no work at all, and redis-benchmark GET on the same Redis.
 *
 *   npm --prefix app run build   # once, and after every change to app/src
 *   npm run bench                # add `-- --cpu-prof` to profile the app and print its top frames
 *
 * Exits 1 when a target is missed, so a script can rely on it; `-- --report-only` prints the same and exits 0.
 *
 * Starts a private redis-server, the compiled app twice (as deployed, and with its link cache off) and
 * the bare server on free loopback ports, seeds links, runs autocannon against each server, then
 * redis-benchmark GET, prints them with the ratios and checks the targets on the app as deployed.
 * Stops everything it started. Traffic never leaves 127.0.0.1.
 */
import autocannon from "autocannon";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const APP_MAIN = resolve(__dirname, "..", "app", "dist", "src", "main.js");
const DURATION_SECONDS = 10;
const WARMUP_SECONDS = 2;
// The issue's bar: 50 connections, for every tool alike.
const CONNECTIONS = 50;
const REDIS_BENCHMARK_REQUESTS = 1_000_000;
const REDIS_PASSWORD = "bench-only";
// Links the cache-off run spreads its redirects over, so concurrent requests rarely share one read.
const SEEDED_LINKS = 1000;
const TARGETS = { ofBareServer: 0.5, ofRedisGet: 0.4, p99Ms: 10 };

// The ceiling for one Node.js process here: a 302 with no routing, logging, metrics or Redis.
const BARE_SERVER_SOURCE = `require("node:http").createServer((req, res) => { res.writeHead(302, { Location: "https://example.com/benchmark" }); res.end(); }).listen(Number(process.env.PORT), "127.0.0.1", () => process.stdout.write("listening\\n"));`;

/** The exit code of a finished run: a missed target fails it unless --report-only was given. */
export function exitCode(targetsMet: boolean, argv: readonly string[]): number {
  return targetsMet || argv.includes("--report-only") ? 0 : 1;
}

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

interface Measurement {
  requestsPerSecond: number;
  p99Ms: number;
}

// /proc/<pid>/stat counts CPU time in clock ticks: 100 a second on Linux.
const CLOCK_TICKS_PER_SECOND = 100;

/** User plus system CPU time a process has used so far, in seconds. */
function cpuSecondsOf(pid: number): number {
  // The command name (field 2) may hold spaces; the fields after its closing parenthesis do not.
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
}

/**
 * Warms up (JIT, connection pools), then measures; every answer must be a redirect. Also returns the
 * server's CPU time per redirect: on a machine shared with other work, throughput swings with what
 * else runs, while CPU per request barely does. With `codes`, each request asks for one of them at random.
 */
async function measureRedirects(url: string, serverPid: number, codes?: readonly string[]): Promise<Measurement & { redirects: number; cpuMicrosPerRequest: number }> {
  const requests =
    codes === undefined ? undefined : [{ method: "GET" as const, setupRequest: (request: autocannon.Request) => ({ ...request, path: `/${codes[Math.floor(Math.random() * codes.length)]}` }) }];
  await autocannon({ url, connections: CONNECTIONS, duration: WARMUP_SECONDS, requests });
  const cpuBefore = cpuSecondsOf(serverPid);
  const result = await autocannon({ url, connections: CONNECTIONS, duration: DURATION_SECONDS, requests });
  const cpuSeconds = cpuSecondsOf(serverPid) - cpuBefore;
  if (result.errors > 0 || result.timeouts > 0 || result["3xx"] !== result.requests.total || result.requests.total === 0) {
    throw new Error(`${url}: not all redirects: ${result["3xx"]} of ${result.requests.total} were 3xx, ${result.errors} errors, ${result.timeouts} timeouts`);
  }
  return { requestsPerSecond: result.requests.average, p99Ms: result.latency.p99, redirects: result["3xx"], cpuMicrosPerRequest: (cpuSeconds / result.requests.total) * 1e6 };
}

/** Runs redis-benchmark's GET test and reads its CSV line: "GET","rps","avg",…,"p99",… */
function runRedisBenchmark(port: number): Measurement {
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

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

/** The frames with the most self time in a V8 .cpuprofile, as "share  function  file:line". */
function topFrames(profilePath: string, count: number): string[] {
  const profile = JSON.parse(readFileSync(profilePath, "utf8")) as { nodes: ProfileNode[]; samples: number[] };
  const nodesById = new Map(profile.nodes.map((node) => [node.id, node]));
  const samplesByFrame = new Map<string, number>();
  let busySamples = 0;
  for (const id of profile.samples) {
    const frame = nodesById.get(id)?.callFrame;
    // Idle time is the other two measurements and the waits between them, not the app's work.
    if (frame === undefined || frame.functionName === "(idle)") continue;
    busySamples++;
    const file = frame.url.replace(/^.*\/(node_modules\/|app\/dist\/)/, "$1");
    const key = `${frame.functionName || "(anonymous)"}  ${file}${file ? `:${frame.lineNumber + 1}` : ""}`;
    samplesByFrame.set(key, (samplesByFrame.get(key) ?? 0) + 1);
  }
  return [...samplesByFrame]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([frame, samples]) => `${((samples / busySamples) * 100).toFixed(1).padStart(5)} %  ${frame}`);
}

async function main(): Promise<void> {
  if (!existsSync(APP_MAIN)) throw new Error(`${APP_MAIN} is missing: run \`npm --prefix app run build\` first.`);
  requireTool("redis-server", "install it with `apt-get install redis-server`");
  requireTool("redis-benchmark", "it comes with redis-server (`apt-get install redis-server`)");
  const profiling = process.argv.includes("--cpu-prof");

  const workDir = mkdtempSync(join(tmpdir(), "bench-redirect-"));
  const children: ChildProcess[] = [];
  try {
    const redisPort = await freePort();
    // The same shape as the platform's Redis: a password and the append-only file.
    const redis = spawn("redis-server", ["--port", String(redisPort), "--bind", "127.0.0.1", "--dir", workDir, "--appendonly", "yes", "--save", "", "--requirepass", REDIS_PASSWORD], { stdio: "ignore" });
    children.push(redis);

    // Two instances of the compiled app on the same Redis: as deployed (a redirect to a link read
    // within LINK_CACHE_SECONDS is answered from memory), and with that cache off, so that every
    // redirect reads Redis. Logs go to /dev/null: still produced, as in production, but not printed.
    // CREATE_BURST only lets the seeding below create its links (the one link and the spread) at once.
    const startAppInstance = async (env: Record<string, string>, withProfile: boolean): Promise<{ url: string; process: ChildProcess }> => {
      const port = await freePort();
      const instance = spawn(process.execPath, [...(withProfile ? ["--cpu-prof", "--cpu-prof-dir", workDir] : []), APP_MAIN], {
        env: { PATH: process.env.PATH, PORT: String(port), REDIS_HOST: "127.0.0.1", REDIS_PORT: String(redisPort), REDIS_PASSWORD, CREATE_BURST: String(SEEDED_LINKS + 1), ...env },
        stdio: ["ignore", "ignore", "inherit"],
      });
      children.push(instance);
      const url = `http://127.0.0.1:${port}`;
      await waitUntil("the app becoming ready", async () => (await fetch(`${url}/readyz`)).status === 200);
      return { url, process: instance };
    };
    const app = await startAppInstance({}, profiling);
    const uncachedApp = await startAppInstance({ LINK_CACHE_SECONDS: "0" }, false);
    const appUrl = app.url;

    const barePort = await freePort();
    const bare = spawn(process.execPath, ["-e", BARE_SERVER_SOURCE], { env: { PORT: String(barePort) }, stdio: ["ignore", "pipe", "inherit"] });
    children.push(bare);
    await new Promise((listening) => bare.stdout?.once("data", listening));

    const createLink = async (url: string): Promise<string> => {
      const created = await fetch(`${appUrl}/api/links`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ url }) });
      if (created.status !== 201) throw new Error(`seeding a link failed with ${created.status}`);
      return ((await created.json()) as { code: string }).code;
    };
    const code = await createLink("https://example.com/benchmark");
    const seededCodes: string[] = [];
    while (seededCodes.length < SEEDED_LINKS) {
      seededCodes.push(...(await Promise.all(Array.from({ length: 20 }, (_, i) => createLink(`https://example.com/benchmark/${seededCodes.length + i}`)))));
    }
    const visits = async (): Promise<number> => ((await (await fetch(`${appUrl}/api/links/${code}`)).json()) as { visits: number }).visits;

    console.log(`autocannon: bare node:http 302 server, ${DURATION_SECONDS} s with ${CONNECTIONS} connections …`);
    const bareResult = await measureRedirects(`http://127.0.0.1:${barePort}/${code}`, Number(bare.pid));

    console.log(`autocannon: app GET /:code, one link, ${DURATION_SECONDS} s with ${CONNECTIONS} connections …`);
    const visitsBefore = await visits();
    const appResult = await measureRedirects(`${appUrl}/${code}`, Number(app.process.pid));
    const counted = (await visits()) - visitsBefore;
    // Warm-up redirects count too, and autocannon stops with up to one request per connection in flight.
    if (counted < appResult.redirects) throw new Error(`${appResult.redirects} redirects but only ${counted} visits counted`);

    console.log(`autocannon: app with LINK_CACHE_SECONDS=0, GET /:code over ${SEEDED_LINKS} links at random, ${DURATION_SECONDS} s with ${CONNECTIONS} connections …`);
    const uncachedResult = await measureRedirects(uncachedApp.url, Number(uncachedApp.process.pid), seededCodes);

    console.log(`redis-benchmark: GET, ${REDIS_BENCHMARK_REQUESTS} requests with ${CONNECTIONS} clients …`);
    const redisGet = runRedisBenchmark(redisPort);

    const ofBare = appResult.requestsPerSecond / bareResult.requestsPerSecond;
    const ofRedis = appResult.requestsPerSecond / redisGet.requestsPerSecond;
    const rows: [string, string, string][] = [
      ["", "requests/s", "p99 latency"],
      ["bare node:http 302", bareResult.requestsPerSecond.toFixed(0), `${bareResult.p99Ms} ms`],
      ["redis-benchmark GET", redisGet.requestsPerSecond.toFixed(0), `${redisGet.p99Ms} ms`],
      ["app GET /:code (302, counted)", appResult.requestsPerSecond.toFixed(0), `${appResult.p99Ms} ms`],
      ["ratio app / bare server", ofBare.toFixed(3), `target ${TARGETS.ofBareServer}`],
      ["ratio app / redis GET", ofRedis.toFixed(3), `target ${TARGETS.ofRedisGet}`],
      ["app, every redirect reads Redis", uncachedResult.requestsPerSecond.toFixed(0), `${uncachedResult.p99Ms} ms`],
      ["  ratio / bare server", (uncachedResult.requestsPerSecond / bareResult.requestsPerSecond).toFixed(3), ""],
      ["  ratio / redis GET", (uncachedResult.requestsPerSecond / redisGet.requestsPerSecond).toFixed(3), ""],
    ];
    console.log();
    for (const [name, rate, latency] of rows) console.log(`${name.padEnd(32)}${rate.padStart(12)}${latency.padStart(14)}`);
    const cpuRatio = (server: { cpuMicrosPerRequest: number }): string => `${server.cpuMicrosPerRequest.toFixed(1)} µs (bare / app ${(bareResult.cpuMicrosPerRequest / server.cpuMicrosPerRequest).toFixed(3)})`;
    console.log(
      `\nCPU per redirect: bare server ${bareResult.cpuMicrosPerRequest.toFixed(1)} µs, app ${cpuRatio(appResult)}, app reading Redis every time ${cpuRatio(uncachedResult)};` +
        " bare / app is the ratio the throughputs would have on idle cores.",
    );
    const met = ofBare >= TARGETS.ofBareServer && ofRedis >= TARGETS.ofRedisGet && appResult.p99Ms < TARGETS.p99Ms;
    console.log(
      `\n${appResult.redirects + uncachedResult.redirects} redirects, 0 errors, every one to the single link counted as a visit; Node ${process.version}. ` +
        `Targets (as deployed, one link) ${met ? "met" : "NOT met"}.`,
    );
    process.exitCode = exitCode(met, process.argv.slice(2));

    if (profiling) {
      await stop(app.process);
      const profile = readdirSync(workDir).find((name) => name.endsWith(".cpuprofile"));
      if (profile === undefined) throw new Error("the app wrote no CPU profile");
      console.log("\nThe app's top frames by share of its busy time (its warm-up and seeding included):");
      for (const line of topFrames(join(workDir, profile), 15)) console.log(line);
    }
  } finally {
    for (const child of children.reverse()) await stop(child);
    rmSync(workDir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}
