// The alert and recording rules in monitoring/rules through the real promtool of the Prometheus major the chart
// deploys (3, scripts/get-prometheus.sh): they parse, each alert fires on the condition it names and stays silent on
// a healthy series, every window spans enough scrapes, and every alert links to its section of docs/runbook.md.
import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { dashboards, monitoringDir, ruleFiles } from "../../components/monitoring/as-code";
import { kubePrometheusStackChart, vendoredChartFile } from "../../components/monitoring/charts";
import { scrapeIntervalSeconds } from "../../components/monitoring/values";
import { repositoryRoot } from "../../harness";
import { markdownAnchors } from "../support/markdown";
import { metricNames, prometheusTool } from "./support";

const promtool = prometheusTool("promtool");
const testsDir = path.join(monitoringDir, "rules-tests");
const testFiles = fs
    .readdirSync(testsDir)
    .filter((file) => file.endsWith(".test.yaml"))
    .map((file) => path.join(testsDir, file));

interface AlertTest {
    alertname: string;
    exp_alerts?: unknown[];
}
interface UnitTestFile {
    rule_files: string[];
    tests: { name: string; interval?: string; input_series?: unknown[]; alert_rule_test?: AlertTest[] }[];
}
const unitTests = testFiles.map((file) => ({ file, content: parseYaml(fs.readFileSync(file, "utf8")) as UnitTestFile }));
const alertNames = ruleFiles().flatMap((rules) => rules.groups.flatMap((group) => group.rules.map((rule) => rule.alert).filter((name): name is string => typeof name === "string")));
const allRules = ruleFiles().flatMap((rules) => rules.groups.flatMap((group) => group.rules));
const alertRules = allRules.filter((rule) => typeof rule.alert === "string") as { alert: string; expr: string; for?: string; labels?: Record<string, string>; annotations?: Record<string, string> }[];

function seconds(duration: string): number {
    const units: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, w: 604800, y: 31536000 };
    return [...duration.matchAll(/(\d+)(ms|s|m|h|d|w|y)/g)].reduce((total, [, value, unit]) => total + Number(value) * units[unit], 0);
}

function run(args: string[]): string {
    try {
        return execFileSync(promtool, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], cwd: testsDir });
    } catch (error) {
        const failed = error as { stdout?: string; stderr?: string };
        throw new Error(`promtool ${args.join(" ")} failed:\n${failed.stdout ?? ""}${failed.stderr ?? ""}`);
    }
}

describe("monitoring: alert and recording rules (promtool)", function () {
    this.timeout(120_000);
    it("runs the promtool of the Prometheus major kube-prometheus-stack deploys", () => {
        const values = execFileSync("tar", ["-xzOf", vendoredChartFile(kubePrometheusStackChart), "kube-prometheus-stack/values.yaml"], { encoding: "utf8" });
        const deployed = values.match(/repository: prometheus\/prometheus\n\s+tag: v(\d+)\./)?.[1];
        const tested = run(["--version"]).match(/version (\d+)\./)?.[1];
        assert.ok(deployed, "the chart's Prometheus image tag");
        assert.equal(tested, deployed, "promtool's major differs from the deployed Prometheus's");
    });

    it("passes `promtool check rules` for every rule file", () => {
        for (const rules of ruleFiles()) assert.match(run(["check", "rules", rules.file]), /SUCCESS/, rules.file);
    });

    it("passes every `promtool test rules` unit test", () => {
        assert.ok(testFiles.length > 0);
        for (const file of testFiles) assert.match(run(["test", "rules", file]), /SUCCESS/, file);
    });

    it("tests every rule file", () => {
        const tested = new Set(unitTests.flatMap(({ content }) => content.rule_files.map((file) => path.resolve(testsDir, file))));
        for (const rules of ruleFiles()) assert.ok(tested.has(rules.file), `${rules.file} has no promtool unit test`);
    });

    it("has, for every alert, a case where it fires and one where it stays silent", () => {
        const cases = unitTests.flatMap(({ content }) => content.tests.flatMap((test) => test.alert_rule_test ?? []));
        for (const alert of alertNames) {
            const mine = cases.filter((test) => test.alertname === alert);
            assert.ok(mine.some((test) => (test.exp_alerts ?? []).length > 0), `${alert}: no test where it fires`);
            // The dead man's switch fires always; silence would be the failure it exists to reveal.
            if (alert !== "DeadMansSwitch") assert.ok(mine.some((test) => (test.exp_alerts ?? []).length === 0), `${alert}: no test where it stays silent`);
        }
    });

    it("gives every range window at least 4 scrape intervals, so one missed scrape never empties it", () => {
        for (const rule of allRules) {
            // Range selectors and subquery ranges: [2m], [1h:30s] (the range is before the colon).
            for (const [, range] of String(rule.expr).matchAll(/\[(\d+[a-z]+)(?::[^\]]*)?\]/g)) {
                assert.ok(seconds(range) >= 4 * scrapeIntervalSeconds, `${rule.alert ?? rule.record}: [${range}] spans fewer than 4 scrapes of ${scrapeIntervalSeconds} s`);
            }
        }
    });

    it("alerts on burn rates from recording rules only, with no `for:` beyond the workbook's windows", () => {
        const burnRateAlerts = alertRules.filter((rule) => rule.labels?.slo === "availability");
        assert.ok(burnRateAlerts.length >= 3);
        const recorded = new Set(allRules.map((rule) => rule.record).filter(Boolean));
        for (const rule of burnRateAlerts) {
            assert.equal(rule.for, undefined, `${rule.alert}: a for: delays the page past the detection time the windows give`);
            for (const name of metricNames(rule.expr)) assert.ok(recorded.has(name), `${rule.alert} reads ${name}, not a recording rule`);
        }
        // The long windows too: only the 5-minute rates read the raw counter.
        for (const rule of allRules.filter((r) => String(r.record ?? "").startsWith("namespace:http_request_errors:ratio_rate"))) {
            for (const name of metricNames(String(rule.expr))) assert.ok(recorded.has(name), `${rule.record} reads ${name}, not a recording rule`);
        }
    });

    it("links every alert to its own section of the alert runbook, docs/runbook.md", () => {
        const anchors = markdownAnchors(fs.readFileSync(path.join(repositoryRoot, "docs", "runbook.md"), "utf8"));
        for (const rule of alertRules) {
            const url = rule.annotations?.runbook_url ?? "";
            assert.equal(url, `docs/runbook.md#alert-${rule.alert.toLowerCase()}`, `${rule.alert}: runbook_url`);
            assert.ok(anchors.has(url.split("#")[1]), `${rule.alert}: docs/runbook.md has no heading "Alert: ${rule.alert}"`);
        }
    });

    it("pages on the app's absence: a critical alert that reads no series of the app's own", () => {
        const appSeries = /^(http_|redis_errors_total|redis_writes_failing)/;
        const absence = alertRules.filter((rule) => rule.labels?.severity === "critical" && metricNames(rule.expr).every((name) => !appSeries.test(name)) && /absent\(/.test(rule.expr));
        assert.ok(absence.some((rule) => metricNames(rule.expr).some((name) => name.startsWith("kube_deployment_"))), "no critical alert on the app's absence");
    });

    it("counts real failovers on the Redis dashboard: a promotion, not a restart", () => {
        const panel = JSON.parse(dashboards().find((d) => d.name === "redis")!.json).panels.find((p: { title: string }) => /failover/i.test(p.title));
        const expr = panel.targets[0].expr.replaceAll("$namespace", "eks-app-redis");
        const redisTests = unitTests.find(({ file }) => file.endsWith("redis.test.yaml"))!.content;
        const roles = redisTests.tests.find((test) => /replica promoted/.test(test.name))!;
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "failover-panel-"));
        try {
            const file = path.join(dir, "panel.test.yaml");
            fs.writeFileSync(
                file,
                stringifyYaml({
                    rule_files: [path.join(monitoringDir, "rules", "redis.yaml")],
                    evaluation_interval: "30s",
                    tests: [
                        {
                            interval: roles.interval,
                            input_series: roles.input_series,
                            promql_expr_test: [
                                // After server-0's restart (new run_id, still master): no failover.
                                { expr, eval_time: "5m", exp_samples: [{ labels: "{}", value: 0 }] },
                                // After server-1's promotion: one.
                                { expr, eval_time: "9m", exp_samples: [{ labels: "{}", value: 1 }] },
                            ],
                        },
                    ],
                }),
            );
            assert.match(run(["test", "rules", file]), /SUCCESS/);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("labels every alert with a severity Alertmanager routes on, and a summary", () => {
        for (const rules of ruleFiles()) {
            for (const rule of rules.groups.flatMap((group) => group.rules).filter((r) => r.alert)) {
                const { labels, annotations } = rule as { labels?: Record<string, string>; annotations?: Record<string, string> };
                assert.ok(["critical", "warning", "none"].includes(labels?.severity ?? ""), `${rule.alert}: severity`);
                assert.ok(annotations?.summary, `${rule.alert}: summary`);
            }
        }
    });

    it("queries in dashboards only what the rules record or a source exports (names checked against sources in the e2e test)", () => {
        const recorded = new Set(ruleFiles().flatMap((rules) => rules.groups.flatMap((group) => group.rules.map((rule) => rule.record))));
        for (const dashboard of dashboards()) {
            const exprs = JSON.parse(dashboard.json).panels.flatMap((panel: { targets: { expr: string }[] }) => panel.targets.map((target) => target.expr));
            assert.ok(exprs.length > 0, dashboard.name);
            for (const name of exprs.flatMap(metricNames)) {
                // Recording rules are named level:metric:operations; everything else is a raw metric name.
                if (name.includes(":")) assert.ok(recorded.has(name), `${dashboard.name}: ${name} is not recorded by monitoring/rules`);
            }
        }
    });
});
