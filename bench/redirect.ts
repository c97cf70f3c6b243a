/**
 * Redirect throughput of the sample app next to its two ceilings, measured in one run on this machine:
 * a bare node:http server that answers 302 with no work at all, and redis-benchmark GET on the same Redis.
 *
 *   npm --prefix app run build   # once, and after every change to app/src
 *   npm run bench                # add `-- --cpu-prof` to profile the app and print its top frames
 *
 * Exits 1 when a target is missed and 2 when other work used the CPU (then it prints no ratios), so a
 * script can rely on it; `-- --report-only` prints the same and exits 0. `-- --ignore-load` prints and
 * checks the ratios even on a busy machine, marked as such (for comparing changes, never for results).
 *
 * Starts a private redis-server, the compiled app twice (as deployed, and with its link cache off) and
 * the bare server on free loopback ports, seeds links, samples the machine's idle CPU, then measures
 * the ceilings (bare server, redis-benchmark GET), both apps, and the ceilings again, and prints them
 * with the ratios and the targets. Stops everything it started. Traffic never leaves 127.0.0.1.
 */
import autocannon from "autocannon";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { busyReason, cpuSecondsOf, foreignCpu, MAX_FOREIGN_CPU_SHARE, sampleMachine } from "./machine";
import { topFrames } from "./profile";

const APP_MAIN = resolve(__dirname, "..", "app", "dist", "src", "main.js");
const APP_DOCKERFILE = resolve(__dirname, "..", "app", "Dockerfile");
const DURATION_SECONDS = 10;
const WARMUP_SECONDS = 2;
// The issue's bar: 50 connections, for every tool alike.
const CONNECTIONS = 50;
const REDIS_BENCHMARK_REQUESTS = 1_000_000;
const REDIS_PASSWORD = "bench-only";
// Links the cache-off run spreads its redirects over, so concurrent requests rarely share one read.
const SEEDED_LINKS = 1000;
const TARGETS = { ofBareServer: 0.5, ofRedisGet: 0.4, p99Ms: 10, uncachedOfBareServer: 0.35 };
// Seconds of idle machine sampled before the run: long enough to see a build, short enough to wait for.
const QUIET_SAMPLE_SECONDS = 3;
// Ceilings after the apps may differ from those before by this much (a quiet machine's vary by about 10 %).
const MAX_CEILING_DRIFT = 0.2;

// The ceiling for one Node.js process here: a 302 with no routing, logging, metrics or Redis.
const BARE_SERVER_SOURCE = `require("node:http").createServer((req, res) => { res.writeHead(302, { Location: "https://example.com/benchmark" }); res.end(); }).listen(Number(process.env.PORT), "127.0.0.1", () => process.stdout.write("listening\\n"));`;

/**
 * The exit code of a finished run: a missed target fails it (1), and so does a run whose ratios were
 * refused because the machine was busy (2), unless --report-only was given.
 */
export function exitCode(targetsMet: boolean, argv: readonly string[], ratiosRefused = false): number {
  if (argv.includes("--report-only")) return 0;
  if (ratiosRefused) return 2;
  return targetsMet ? 0 : 1;
}

/** The node flags the image starts the app with (its CMD), so that the app measured is the app deployed. */
export function nodeFlagsOfImage(dockerfile: string): string[] {
  const command = /^CMD (\[.*\])\s*$/m.exec(dockerfile)?.[1];
  const words = JSON.parse(command ?? "[]") as string[];
  if (words[0] !== "node" || words.at(-1) !== "dist/src/main.js") throw new Error(`app/Dockerfile's CMD is not "node [flags] dist/src/main.js": ${command}`);
  return words.slice(1, -1);
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
  /** Share of the machine's CPU that processes other than the benchmark's used meanwhile. */
  foreignShare: number;
}

type OwnPids = () => readonly number[];

/**
 * Warms up (JIT, connection pools), then measures; every answer must be a redirect. Also returns the
 * server's CPU time per redirect: on a machine shared with other work, throughput swings with what
 * else runs, while CPU per request barely does. With `codes`, each request asks for one of them at random.
 */
async function measureRedirects(url: string, serverPid: number, ownPids: OwnPids, codes?: readonly string[]): Promise<Measurement & { redirects: number; cpuMicrosPerRequest: number }> {
  const requests =
    codes === undefined ? undefined : [{ method: "GET" as const, setupRequest: (request: autocannon.Request) => ({ ...request, path: `/${codes[Math.floor(Math.random() * codes.length)]}` }) }];
  await autocannon({ url, connections: CONNECTIONS, duration: WARMUP_SECONDS, requests });
  const cpuBefore = cpuSecondsOf(serverPid);
  const foreign = foreignCpu(ownPids);
  const result = await autocannon({ url, connections: CONNECTIONS, duration: DURATION_SECONDS, requests });
  const foreignShare = foreign.end();
  const cpuSeconds = cpuSecondsOf(serverPid) - cpuBefore;
  if (result.errors > 0 || result.timeouts > 0 || result["3xx"] !== result.requests.total || result.requests.total === 0) {
    throw new Error(`${url}: not all redirects: ${result["3xx"]} of ${result.requests.total} were 3xx, ${result.errors} errors, ${result.timeouts} timeouts`);
  }
  return {
    requestsPerSecond: result.requests.average,
    p99Ms: result.latency.p99,
    foreignShare,
    redirects: result["3xx"],
    cpuMicrosPerRequest: (cpuSeconds / result.requests.total) * 1e6,
  };
}

/** Runs redis-benchmark's GET test and reads its CSV line: "GET","rps","avg",…,"p99",… */
function runRedisBenchmark(port: number, ownPids: OwnPids): Measurement {
  const foreign = foreignCpu(ownPids);
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
  return { requestsPerSecond: column("rps"), p99Ms: column("p99_latency_ms"), foreignShare: foreign.end() };
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
      const instance = spawn(process.execPath, [...nodeFlagsOfImage(readFileSync(APP_DOCKERFILE, "utf8")), ...(withProfile ? ["--cpu-prof", "--cpu-prof-dir", workDir] : []), APP_MAIN], {
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

    const ownPids = (): number[] => [process.pid, ...children.map((child) => Number(child.pid))];
    const machine = await sampleMachine(QUIET_SAMPLE_SECONDS, ownPids);
    const bareUrl = `http://127.0.0.1:${barePort}/${code}`;
    const measureBare = (when: string): Promise<Awaited<ReturnType<typeof measureRedirects>>> => {
      console.log(`autocannon: bare node:http 302 server (${when}), ${DURATION_SECONDS} s with ${CONNECTIONS} connections …`);
      return measureRedirects(bareUrl, Number(bare.pid), ownPids);
    };
    const measureRedis = (when: string): Measurement => {
      console.log(`redis-benchmark: GET (${when}), ${REDIS_BENCHMARK_REQUESTS} requests with ${CONNECTIONS} clients …`);
      return runRedisBenchmark(redisPort, ownPids);
    };

    // The ceilings before and after the apps: their mean stands for the ceiling while the apps ran
    // (the lower of the two would flatter the app whenever the machine drifted), and their difference
    // shows whether the machine changed under the run.
    const bareBefore = await measureBare("before");
    const redisBefore = measureRedis("before");
    console.log(`autocannon: app GET /:code, one link, ${DURATION_SECONDS} s with ${CONNECTIONS} connections …`);
    const visitsBefore = await visits();
    const appResult = await measureRedirects(`${appUrl}/${code}`, Number(app.process.pid), ownPids);
    const counted = (await visits()) - visitsBefore;
    // Warm-up redirects count too, and autocannon stops with up to one request per connection in flight.
    if (counted < appResult.redirects) throw new Error(`${appResult.redirects} redirects but only ${counted} visits counted`);
    console.log(`autocannon: app with LINK_CACHE_SECONDS=0, GET /:code over ${SEEDED_LINKS} links at random, ${DURATION_SECONDS} s with ${CONNECTIONS} connections …`);
    const uncachedResult = await measureRedirects(uncachedApp.url, Number(uncachedApp.process.pid), ownPids, seededCodes);
    const bareAfter = await measureBare("after");
    const redisAfter = measureRedis("after");

    const rows: [string, Measurement & { cpuMicrosPerRequest?: number }][] = [
      ["bare node:http 302, before", bareBefore],
      ["redis-benchmark GET, before", redisBefore],
      ["app GET /:code (302, counted)", appResult],
      ["app, LINK_CACHE_SECONDS=0", uncachedResult],
      ["bare node:http 302, after", bareAfter],
      ["redis-benchmark GET, after", redisAfter],
    ];
    const percent = (share: number): string => `${(share * 100).toFixed(1)} %`;
    console.log(`\n${"".padEnd(30)}${"requests/s".padStart(11)}${"p99".padStart(9)}${"CPU/request".padStart(13)}${"other work".padStart(12)}`);
    for (const [name, result] of rows) {
      const cpu = result.cpuMicrosPerRequest === undefined ? "" : `${result.cpuMicrosPerRequest.toFixed(1)} µs`;
      console.log(`${name.padEnd(30)}${result.requestsPerSecond.toFixed(0).padStart(11)}${`${result.p99Ms} ms`.padStart(9)}${cpu.padStart(13)}${percent(result.foreignShare).padStart(12)}`);
    }
    console.log(
      `\nMachine: ${machine.cores} cores, load average ${machine.loadAverage.map((value) => value.toFixed(2)).join(" ")} at the start; ` +
        `other work used ${percent(machine.foreignShareBefore)} of its CPU in the ${QUIET_SAMPLE_SECONDS} s before the run (at most ${percent(MAX_FOREIGN_CPU_SHARE)} allowed, before and during each measurement).`,
    );
    const bareCpu = (bareBefore.cpuMicrosPerRequest + bareAfter.cpuMicrosPerRequest) / 2;
    const cpuRatio = (server: { cpuMicrosPerRequest: number }): string => `${server.cpuMicrosPerRequest.toFixed(1)} µs (bare / app ${(bareCpu / server.cpuMicrosPerRequest).toFixed(3)})`;
    console.log(
      `CPU per redirect: bare server ${bareCpu.toFixed(1)} µs (mean of before and after), app ${cpuRatio(appResult)}, app reading Redis every time ${cpuRatio(uncachedResult)};` +
        " bare / app is about the ratio the throughputs would have on otherwise idle cores.",
    );

    const ceiling = (before: Measurement, after: Measurement): { mean: number; drift: number } => ({
      mean: (before.requestsPerSecond + after.requestsPerSecond) / 2,
      drift: Math.abs(before.requestsPerSecond - after.requestsPerSecond) / Math.max(before.requestsPerSecond, after.requestsPerSecond),
    });
    const bareCeiling = ceiling(bareBefore, bareAfter);
    const redisCeiling = ceiling(redisBefore, redisAfter);
    const foreignByPhase = Object.fromEntries(rows.map(([name, result]) => [name, result.foreignShare]));
    const drift = Math.max(bareCeiling.drift, redisCeiling.drift);
    const busy =
      busyReason(machine.foreignShareBefore, foreignByPhase) ??
      (drift > MAX_CEILING_DRIFT ? `a ceiling moved by ${percent(drift)} between before and after (at most ${percent(MAX_CEILING_DRIFT)} allowed), so the machine changed under the run` : undefined);
    const ignoreLoad = process.argv.includes("--ignore-load");
    console.log(`\n${appResult.redirects + uncachedResult.redirects} redirects, 0 errors, every one to the single link counted as a visit; Node ${process.version}.`);
    if (busy !== undefined && !ignoreLoad) {
      console.log(`No ratios: ${busy}. Rerun on a quiet machine; CPU per redirect above still compares.`);
      process.exitCode = exitCode(false, process.argv.slice(2), true);
    } else {
      if (busy !== undefined) console.log(`UNRELIABLE (--ignore-load): ${busy}.`);
      const ratio = (result: Measurement, of: { mean: number }): number => result.requestsPerSecond / of.mean;
      const checks: [string, number, string, boolean][] = [
        ["app / bare server", ratio(appResult, bareCeiling), `≥ ${TARGETS.ofBareServer}`, ratio(appResult, bareCeiling) >= TARGETS.ofBareServer],
        ["app / redis GET", ratio(appResult, redisCeiling), `≥ ${TARGETS.ofRedisGet}`, ratio(appResult, redisCeiling) >= TARGETS.ofRedisGet],
        ["app p99, ms", appResult.p99Ms, `< ${TARGETS.p99Ms}`, appResult.p99Ms < TARGETS.p99Ms],
        ["cache off / bare server", ratio(uncachedResult, bareCeiling), `≥ ${TARGETS.uncachedOfBareServer}`, ratio(uncachedResult, bareCeiling) >= TARGETS.uncachedOfBareServer],
        ["cache off / redis GET", ratio(uncachedResult, redisCeiling), "", true],
        ["cache off p99, ms", uncachedResult.p99Ms, `< ${TARGETS.p99Ms}`, uncachedResult.p99Ms < TARGETS.p99Ms],
      ];
      console.log(`Ratios to the mean of each ceiling before and after (bare server ${bareCeiling.mean.toFixed(0)}/s, drift ${percent(bareCeiling.drift)}; redis GET ${redisCeiling.mean.toFixed(0)}/s, drift ${percent(redisCeiling.drift)}):`);
      for (const [name, value, target, met] of checks) console.log(`  ${name.padEnd(26)}${value.toFixed(3).padStart(9)}  ${target ? `target ${target}: ${met ? "met" : "MISSED"}` : ""}`);
      const met = checks.every(([, , , ok]) => ok);
      console.log(`Targets ${met ? "met" : "NOT met"}.`);
      process.exitCode = exitCode(met, process.argv.slice(2));
    }

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
