// The alert and recording rules in monitoring/rules through the real promtool (Debian's `prometheus` package):
// they parse, and each alert fires on the condition it names and stays silent on a healthy series.
import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import { dashboards, monitoringDir, ruleFiles } from "../components/monitoring-as-code";
import { metricNames } from "./monitoring-support";

const promtool = process.env.PROMTOOL ?? "/usr/bin/promtool";
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
    tests: { alert_rule_test?: AlertTest[] }[];
}
const unitTests = testFiles.map((file) => ({ file, content: parseYaml(fs.readFileSync(file, "utf8")) as UnitTestFile }));
const alertNames = ruleFiles().flatMap((rules) => rules.groups.flatMap((group) => group.rules.map((rule) => rule.alert).filter((name): name is string => typeof name === "string")));

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
    before(function () {
        if (!fs.existsSync(promtool)) throw new Error(`promtool is not installed at ${promtool}: apt-get install prometheus (.ci/run does)`);
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
