// Alertmanager's configuration as the program writes it, through the real amtool of the Alertmanager the chart
// deploys (scripts/get-prometheus.sh): it loads, critical alerts page and warnings open tickets on receivers of
// their own, the heartbeat reaches its service, and the chart's info-level inhibition is kept.
import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { kubePrometheusStackChart, vendoredChartFile } from "../../components/monitoring/charts";
import { ProgramRun, runProgram } from "../../harness";
import { prometheusTool } from "./support";

const amtool = prometheusTool("amtool");
const alertmanagerValues = (run: ProgramRun) => run.ofType("kubernetes:helm.sh/v3:Release").find((r) => r.inputs.name === "kube-prometheus-stack")!.inputs.values.alertmanager;

describe("monitoring: Alertmanager's routing (amtool)", function () {
    this.timeout(10 * 60 * 1000);
    let dir: string;
    const runs: Record<string, ProgramRun> = {};
    const files: Record<string, string> = {};

    before(async () => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "alertmanager-config-"));
        runs.prod = await runProgram("prod");
        runs.prodWithUrls = await runProgram("prod", {
            config: {
                "eks-app:alertReceiverUrl": "https://pager.example.com/hook",
                "eks-app:alertTicketReceiverUrl": "https://tickets.example.com/hook",
                "eks-app:alertHeartbeatUrl": "https://heartbeat.example.com/ping",
            },
        });
        runs.local = await runProgram("local");
        for (const [name, run] of Object.entries(runs)) {
            files[name] = path.join(dir, `${name}.yaml`);
            fs.writeFileSync(files[name], stringifyYaml(alertmanagerValues(run).config));
        }
    });
    after(() => dir && fs.rmSync(dir, { recursive: true, force: true }));

    const amtoolRun = (args: string[]) => {
        try {
            return execFileSync(amtool, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
        } catch (error) {
            const failed = error as { stdout?: string; stderr?: string };
            throw new Error(`amtool ${args.join(" ")} failed:\n${failed.stdout ?? ""}${failed.stderr ?? ""}`);
        }
    };
    /** The receivers an alert with these labels is sent to. */
    const receiversFor = (config: string, labels: Record<string, string>) =>
        amtoolRun(["config", "routes", "test", `--config.file=${config}`, ...Object.entries(labels).map(([k, v]) => `${k}=${v}`)]).trim();

    it("loads every configuration the program writes (`amtool check-config`)", () => {
        for (const file of Object.values(files)) assert.match(amtoolRun(["check-config", file]), /SUCCESS/, file);
    });

    it("pages on critical alerts and opens tickets on warnings, each on its own receiver", () => {
        for (const file of [files.prod, files.prodWithUrls]) {
            assert.equal(receiversFor(file, { alertname: "AppDown", severity: "critical" }), "page");
            assert.equal(receiversFor(file, { alertname: "AppErrorBudgetBurnFast", severity: "critical", namespace: "eks-app" }), "page");
            assert.equal(receiversFor(file, { alertname: "AppLatencyP99High", severity: "warning", namespace: "eks-app" }), "ticket");
            // The chart's info alerts and its InfoInhibitor reach no one.
            assert.equal(receiversFor(file, { alertname: "CPUThrottlingHigh", severity: "info", namespace: "eks-app" }), "null");
            assert.equal(receiversFor(file, { alertname: "InfoInhibitor", severity: "none", namespace: "eks-app" }), "null");
        }
        const receivers = (run: ProgramRun) => Object.fromEntries(alertmanagerValues(run).config.receivers.map((r: Record<string, unknown>) => [r.name, Object.keys(r).filter((k) => k !== "name").sort()]));
        assert.deepEqual(receivers(runs.prod), { null: [], page: ["sns_configs"], ticket: ["sns_configs"] });
        assert.deepEqual(receivers(runs.prodWithUrls), { null: [], page: ["sns_configs", "webhook_configs"], ticket: ["sns_configs", "webhook_configs"], heartbeat: ["webhook_configs"] });
    });

    it("sends the heartbeat to its service when one is configured, and nowhere otherwise", () => {
        assert.equal(receiversFor(files.prodWithUrls, { alertname: "DeadMansSwitch", severity: "none" }), "heartbeat");
        assert.equal(receiversFor(files.prod, { alertname: "DeadMansSwitch", severity: "none" }), "null");
    });

    it("keeps every alert in Alertmanager on a stack with no receiver", () => {
        for (const severity of ["critical", "warning", "info"]) assert.equal(receiversFor(files.local, { alertname: "AppDown", severity }), "null");
    });

    it("keeps kube-prometheus-stack's inhibition: info alerts silenced by InfoInhibitor and by alerts above them", () => {
        const chartValues = parseYaml(execFileSync("tar", ["-xzOf", vendoredChartFile(kubePrometheusStackChart), "kube-prometheus-stack/values.yaml"], { encoding: "utf8" }));
        const normalize = (rules: Record<string, string[]>[]) => rules.map((rule) => JSON.stringify(Object.entries(rule).sort().map(([k, v]) => [k, v.map((m) => m.replace(/\s+/g, ""))])));
        const chartRules = normalize(chartValues.alertmanager.config.inhibit_rules);
        assert.ok(chartRules.some((rule) => rule.includes("InfoInhibitor")), "the chart's rules were read");
        for (const run of Object.values(runs)) {
            const ours = normalize(alertmanagerValues(run).config.inhibit_rules);
            for (const rule of chartRules) assert.ok(ours.includes(rule), `missing the chart's inhibit rule ${rule}`);
        }
    });
});
