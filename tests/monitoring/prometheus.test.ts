// End to end on real parts: the app (app/dist) with a real redis-server, scraped every second by a real Prometheus 3
// (the major the chart deploys, scripts/get-prometheus.sh) that evaluates the program's own rules. Stopping Redis fires the app's
// Redis-unavailable alert; a known load gives the request-rate series the HPA scales on the value it implies.
// Every metric a rule or dashboard reads must exist in what the app, the Redis exporter, Loki, Alloy or the chart export.
import { strict as assert } from "assert";
import { ChildProcess, execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { stringify as stringifyYaml } from "yaml";
import { dashboards, monitoringDir, ruleFiles } from "../../components/monitoring/as-code";
import { kubePrometheusStackChart, vendoredChartFile } from "../../components/monitoring/charts";
import { requestsPerSecondSeries } from "../../components/monitoring/values";
import { repositoryRoot } from "../../harness";
import { renderChart } from "../../harness/helm";
import { metricNames, monitoringNamespace, prometheusTool } from "./support";

const prometheusBinary = prometheusTool("prometheus");
const appDir = path.join(repositoryRoot, "app");
const appMain = path.join(appDir, "dist", "src", "main.js");
/** The labels a PodMonitor gives the app's series in the cluster. */
const podLabels = { namespace: "eks-app", pod: "eks-app-0" };
const loadPerSecond = 20;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const server = net.createServer().listen(0, "127.0.0.1", () => {
            const { port } = server.address() as net.AddressInfo;
            server.close(() => resolve(port));
        });
        server.on("error", reject);
    });
}

/** The app's compiled output, rebuilt only when a source file is newer (the build empties dist/ first). */
function ensureAppBuilt(): void {
    const newestSource = (dir: string): number =>
        Math.max(...fs.readdirSync(dir, { withFileTypes: true }).map((e) => (e.isDirectory() ? newestSource(path.join(dir, e.name)) : fs.statSync(path.join(dir, e.name)).mtimeMs)));
    if (fs.existsSync(appMain) && fs.statSync(appMain).mtimeMs > newestSource(path.join(appDir, "src"))) return;
    execFileSync("npm", ["--prefix", appDir, "run", "build"], { stdio: "ignore" });
}

/** The window of the request-rate series the HPA reads, and the one this test evaluates it over instead. */
const deployedRateWindow = "[2m]";
const testRateWindowSeconds = 20;

/**
 * The program's rules with every `for` cut to 3 s and every 2-minute window to 20 s (twenty 1 s scrapes: more than
 * the four the rules' own comment asks for), so an alert fires and a rate settles within seconds. promtool's rule
 * tests (tests/monitoring/rules.test.ts) prove the rules as deployed, windows and `for` included.
 */
function rulesWithShortFor(dir: string): string[] {
    const [recorded] = ruleFiles().flatMap((rules) => rules.groups.flatMap((group) => group.rules.filter((rule) => rule.record === requestsPerSecondSeries)));
    assert.ok(String(recorded?.expr).includes(deployedRateWindow), `${requestsPerSecondSeries} is recorded over ${deployedRateWindow}: update this test's window`);
    const shorten = (expr: unknown) => String(expr).split(deployedRateWindow).join(`[${testRateWindowSeconds}s]`);
    return ruleFiles().map((rules) => {
        const groups = rules.groups.map((group) => ({
            ...group,
            rules: group.rules.map((rule) => ({ ...rule, expr: shorten(rule.expr), ...(rule.alert ? { for: "3s" } : {}) })),
        }));
        const file = path.join(dir, `${rules.name}.yaml`);
        fs.writeFileSync(file, stringifyYaml({ groups }));
        return file;
    });
}

async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        const value = await probe().catch(() => undefined);
        if (value !== undefined) return value;
        if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
        await sleep(500);
    }
}

describe("monitoring end to end: the app, redis-server and a real Prometheus with the program's rules", function () {
    this.timeout(5 * 60 * 1000);
    const processes: ChildProcess[] = [];
    let workDir: string;
    let redis: ChildProcess;
    let appUrl: string;
    let prometheusUrl: string;
    /** Stands in for kube-state-metrics: the app's Deployment with one available replica, until it is closed. */
    let kubeStateMetrics: http.Server;

    const start = (command: string, args: string[], env: NodeJS.ProcessEnv = {}) => {
        const child = spawn(command, args, { cwd: workDir, env: { ...process.env, ...env }, stdio: ["ignore", "ignore", "pipe"] });
        let stderr = "";
        child.stderr?.on("data", (chunk) => (stderr = (stderr + chunk).slice(-4000)));
        child.on("exit", (code) => code && code > 0 && !child.killed && console.error(`${command} exited ${code}: ${stderr}`));
        processes.push(child);
        return child;
    };
    const query = async (promql: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> => {
        const response = await fetch(`${prometheusUrl}/api/v1/query?query=${encodeURIComponent(promql)}`);
        const body = (await response.json()) as { status: string; data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
        assert.equal(body.status, "success", promql);
        return body.data.result;
    };
    const firing = async (alertname: string) => (await query(`ALERTS{alertname="${alertname}",alertstate="firing"}`)).length > 0;

    before(async function () {
        if (!fs.existsSync("/usr/bin/redis-server")) throw new Error("/usr/bin/redis-server is missing: apt-get install redis-server (.ci/run does)");
        ensureAppBuilt();
        workDir = fs.mkdtempSync(path.join(os.tmpdir(), "e2e-prometheus-"));
        const [redisPort, appPort, prometheusPort] = [await freePort(), await freePort(), await freePort()];
        const password = "e2e-redis-password-0123456789";
        redis = start("/usr/bin/redis-server", ["--port", String(redisPort), "--bind", "127.0.0.1", "--requirepass", password, "--save", "", "--appendonly", "no", "--dir", workDir]);
        start(process.execPath, [appMain], { PORT: String(appPort), REDIS_HOST: "127.0.0.1", REDIS_PORT: String(redisPort), REDIS_PASSWORD: password });
        appUrl = `http://127.0.0.1:${appPort}`;
        await waitFor("the app to be ready", 30_000, async () => ((await fetch(`${appUrl}/readyz`)).ok ? true : undefined));

        const kubeStateMetricsPort = await freePort();
        kubeStateMetrics = http
            // Prometheus 3 refuses a scrape without a valid Content-Type.
            .createServer((_, response) =>
                response.writeHead(200, { "content-type": "text/plain; version=0.0.4" }).end('kube_deployment_status_replicas_available{namespace="eks-app",deployment="eks-app"} 1\n'),
            )
            .listen(kubeStateMetricsPort, "127.0.0.1");
        const config = {
            global: { scrape_interval: "1s", scrape_timeout: "900ms", evaluation_interval: "1s" },
            rule_files: rulesWithShortFor(workDir),
            scrape_configs: [
                { job_name: "eks-app", static_configs: [{ targets: [`127.0.0.1:${appPort}`], labels: podLabels }] },
                // Its own namespace label wins over the target's, as kube-prometheus-stack's ServiceMonitor has it.
                { job_name: "kube-state-metrics", honor_labels: true, static_configs: [{ targets: [`127.0.0.1:${kubeStateMetricsPort}`] }] },
            ],
        };
        fs.writeFileSync(path.join(workDir, "prometheus.yml"), stringifyYaml(config));
        start(prometheusBinary, [
            `--config.file=${path.join(workDir, "prometheus.yml")}`,
            `--storage.tsdb.path=${path.join(workDir, "data")}`,
            `--web.listen-address=127.0.0.1:${prometheusPort}`,
        ]);
        prometheusUrl = `http://127.0.0.1:${prometheusPort}`;
        await waitFor("Prometheus to scrape the app", 60_000, async () => ((await query('up{job="eks-app"} == 1')).length === 1 ? true : undefined));
    });

    after(async () => {
        kubeStateMetrics?.close();
        for (const child of processes) if (child.exitCode === null) child.kill("SIGKILL");
        await sleep(200);
        if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
    });

    it("records the HPA's request-rate series at the rate of a steady load, per pod", async () => {
        const created = await fetch(`${appUrl}/api/links`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ url: "https://example.com/e2e" }) });
        assert.equal(created.status, 201);
        const { code } = (await created.json()) as { code: string };
        // Visits at a fixed rate for a little longer than the rule's window fill it with load only.
        const sentAt: number[] = [];
        const load = setInterval(() => {
            sentAt.push(Date.now());
            void fetch(`${appUrl}/${code}`, { redirect: "manual" }).catch(() => undefined);
        }, 1000 / loadPerSecond);
        try {
            await sleep((testRateWindowSeconds + 5) * 1000);
        } finally {
            clearInterval(load);
        }
        const [sample] = await query(`${requestsPerSecondSeries}{namespace="${podLabels.namespace}",pod="${podLabels.pod}"}`);
        assert.ok(sample, `no ${requestsPerSecondSeries} series for the pod`);
        const sentInWindow = sentAt.filter((t) => t > Date.now() - testRateWindowSeconds * 1000).length / testRateWindowSeconds;
        const recorded = Number(sample.value[1]);
        assert.ok(Math.abs(recorded - sentInWindow) / sentInWindow < 0.15, `recorded ${recorded}/s, sent ${sentInWindow}/s`);
        assert.ok(Math.abs(recorded - loadPerSecond) / loadPerSecond < 0.2, `recorded ${recorded}/s for a load of ${loadPerSecond}/s`);
        assert.equal(await firing("AppRedisUnavailable"), false, "silent while Redis answers");
    });

    it("fires the Redis-unavailable alert once Redis stops", async () => {
        assert.equal(await firing("AppRedisUnavailable"), false);
        redis.kill("SIGKILL");
        await waitFor("AppRedisUnavailable to fire", 60_000, async () => ((await firing("AppRedisUnavailable")) ? true : undefined));
    });

    it("pages AppDown once the app's Deployment series go stale (its target gone), silent while they report", async () => {
        await waitFor("the Deployment series", 30_000, async () => ((await query("kube_deployment_status_replicas_available")).length === 1 ? true : undefined));
        assert.equal(await firing("AppDown"), false, "silent while a replica is available");
        kubeStateMetrics.close();
        kubeStateMetrics.closeAllConnections();
        // The failed scrape marks the series stale at once: absent() sees nothing, and the alert fires after its `for`.
        await waitFor("AppDown to fire", 60_000, async () => ((await firing("AppDown")) ? true : undefined));
    });

    it("uses in rules and dashboards only metric names the app, the Redis exporter, Loki, Alloy or kube-prometheus-stack export", async () => {
        const exposition = await (await fetch(`${appUrl}/metrics`)).text();
        const appNames = new Set<string>();
        for (const line of exposition.split("\n")) {
            const typed = line.match(/^# TYPE (\S+) (\S+)/);
            if (typed) {
                appNames.add(typed[1]);
                if (typed[2] === "histogram") for (const suffix of ["_bucket", "_sum", "_count"]) appNames.add(typed[1] + suffix);
            } else if (/^[a-zA-Z_]/.test(line)) appNames.add(line.split(/[{ ]/)[0]);
        }
        // The Redis exporter's, Loki's and Alloy's, each listed with its source in monitoring/exported-metrics/.
        const exportedDir = path.join(monitoringDir, "exported-metrics");
        const exporterNames = fs
            .readdirSync(exportedDir)
            .flatMap((file) => fs.readFileSync(path.join(exportedDir, file), "utf8").split("\n"))
            .filter((line) => line && !line.startsWith("#"));
        // What kube-prometheus-stack's own rules and dashboards read (kube-state-metrics, kubelet, node-exporter).
        const chartObjects = renderChart({ chart: vendoredChartFile(kubePrometheusStackChart), release: "kps", namespace: monitoringNamespace, values: {}, apiVersions: ["monitoring.coreos.com/v1"] });
        const chartExprs = [
            ...chartObjects.filter((o) => o.kind === "PrometheusRule").flatMap((o) => o.spec.groups.flatMap((g: { rules: { expr: string }[] }) => g.rules.map((r) => String(r.expr)))),
            ...chartObjects.filter((o) => o.kind === "ConfigMap").flatMap((o) => Object.values(o.data ?? {}).flatMap((json) => [...String(json).matchAll(/"expr":\s*"((?:[^"\\]|\\.)*)"/g)].map((m) => JSON.parse(`"${m[1]}"`)))),
        ];
        const recorded = ruleFiles().flatMap((rules) => rules.groups.flatMap((group) => group.rules.map((rule) => rule.record).filter(Boolean))) as string[];
        const known = new Set([...appNames, ...exporterNames, ...chartExprs.flatMap(metricNames), ...recorded]);

        const used = [
            ...ruleFiles().flatMap((rules) => rules.groups.flatMap((group) => group.rules.map((rule) => String(rule.expr)))),
            ...dashboards().flatMap((d) => JSON.parse(d.json).panels.flatMap((p: { targets: { expr: string }[] }) => p.targets.map((t) => t.expr))),
        ].flatMap(metricNames);
        assert.ok(appNames.has("http_requests_total") && appNames.has("redis_errors_total"), "the app's /metrics was read");
        assert.deepEqual([...new Set(used.filter((name) => !known.has(name)))], []);
    });
});
