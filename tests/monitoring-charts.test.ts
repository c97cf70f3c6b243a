// The monitoring releases as the program declares them for dev, prod and local, rendered by real Helm from the
// vendored packages: every values key exists in the chart, every object passes the Kubernetes schema (custom
// resources: the CRD schema the chart ships) and the policy pack.
import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import {
    alertmanagerService,
    grafanaService,
    lokiPort,
    lokiService,
    monitoringCharts,
    prometheusPort,
    prometheusService,
    VendoredChart,
} from "../components/monitoring-charts";
import { ProgramRun, repositoryRoot, runProgram, StackName } from "../harness";
import { chartDefaultValues, KubernetesObject, renderChart, unknownValueKeys } from "../harness/helm";
import { evaluatePolicies } from "../policy/lib/evaluate";
import { formatUrn } from "../policy/lib/urn";
import { guardrails } from "../policy/policies";
import { describeObject, isCustomResource, validateObjects } from "../scripts/manifests/schema";
import { crdValidator, monitoringNamespace } from "./monitoring-support";

const stacks: StackName[] = ["dev", "prod", "local"];

/**
 * Keys a chart's templates read that its values.yaml only shows in a comment, so the defaults cannot list them.
 * Each entry names the template that reads it; a test checks the template still does.
 */
const documentedButCommentedKeys: Record<string, { key: string; readBy: RegExp }[]> = {
    loki: [{ key: "loki.storage.bucketNames", readBy: /dig "storage" "bucketNames" "chunks"/ }],
};

/**
 * Maps the charts copy verbatim into a pod spec (securityContext, strategy): their fields are Kubernetes', not the
 * chart's, and the schema and policy tests below check them on the rendered objects.
 */
const passThroughMaps = /(^|\.)(securityContext|containerSecurityContext|deploymentStrategy|strategy)\./;

function tarEntry(file: string, entry: string): string {
    return execFileSync("tar", ["-xzOf", file, entry], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
}

function releaseOf(run: ProgramRun, chart: VendoredChart) {
    return run.resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release" && r.inputs.name === chart.release);
}

describe("monitoring: the vendored charts, rendered by real Helm with the program's values", function () {
    this.timeout(20 * 60 * 1000);
    const runs = {} as Record<StackName, ProgramRun>;
    const rendered = new Map<string, KubernetesObject[]>();
    before(async () => {
        for (const stack of stacks) {
            runs[stack] = await runProgram(stack);
            for (const chart of monitoringCharts) {
                const release = releaseOf(runs[stack], chart);
                assert.ok(release, `${stack}: no ${chart.name} release`);
                rendered.set(
                    `${stack}/${chart.name}`,
                    renderChart({
                        chart: release.inputs.chart,
                        release: release.inputs.name,
                        namespace: release.inputs.namespace,
                        values: release.inputs.values,
                        // What an EKS 1.34 API server serves besides the built-in kinds Helm knows.
                        apiVersions: ["monitoring.coreos.com/v1", "apiregistration.k8s.io/v1"],
                    }),
                );
            }
        }
    });

    it("deploys each chart from its file in charts/, checksummed in SHA256SUMS, with version equal to the package's own", () => {
        const sums = fs.readFileSync(`${repositoryRoot}/charts/SHA256SUMS`, "utf8");
        for (const stack of stacks) {
            for (const chart of monitoringCharts) {
                const release = releaseOf(runs[stack], chart)!.inputs;
                assert.ok(fs.existsSync(release.chart), `${release.chart} is not in the repository`);
                const packaged = tarEntry(release.chart, `${chart.name}/Chart.yaml`).match(/^version: (\S+)$/m)?.[1];
                assert.equal(release.version, packaged, `${stack}: ${chart.name} version pin differs from the vendored package`);
                const digest = crypto.createHash("sha256").update(fs.readFileSync(release.chart)).digest("hex");
                assert.ok(sums.includes(`${digest}  ${chart.name}-${packaged}.tgz`), `${chart.name}: checksum not in charts/SHA256SUMS`);
                assert.equal(release.namespace, monitoringNamespace);
                assert.ok(release.timeout >= 600, `${chart.name}: first installs need more than the default 300 s`);
                assert.notEqual(release.disableWebhooks, true, "hooks (the admission webhook's certificates) must run");
            }
        }
    });

    it("sets only values keys the chart (or a subchart) has", () => {
        for (const chart of monitoringCharts) {
            const file = releaseOf(runs.dev, chart)!.inputs.chart;
            const defaults = chartDefaultValues(file);
            const allowed = documentedButCommentedKeys[chart.name] ?? [];
            for (const stack of stacks) {
                const unknown = unknownValueKeys(releaseOf(runs[stack], chart)!.inputs.values, defaults).filter(
                    (key: string) => !passThroughMaps.test(key) && !allowed.some((entry) => key === entry.key || key.startsWith(`${entry.key}.`)),
                );
                assert.deepEqual(unknown, [], `${stack}: ${chart.name}`);
            }
        }
    });

    it("reads the keys its values.yaml only documents in comments (the exceptions above are real)", () => {
        for (const [name, entries] of Object.entries(documentedButCommentedKeys)) {
            const chart = monitoringCharts.find((c) => c.name === name)!;
            const helpers = tarEntry(releaseOf(runs.prod, chart)!.inputs.chart, `${name}/templates/_helpers.tpl`);
            for (const entry of entries) assert.match(helpers, entry.readBy, `${name} no longer reads ${entry.key}`);
        }
    });

    it("renders only objects that pass the Kubernetes 1.34 schema, unknown fields rejected", async () => {
        for (const [key, objects] of rendered) {
            const builtIn = objects.filter((object) => !isCustomResource(object.apiVersion));
            assert.deepEqual(await validateObjects(builtIn), [], key);
        }
    });

    it("renders custom resources, and declares PrometheusRules and PodMonitors, valid against the chart's CRD schemas", async () => {
        const validate = await crdValidator(releaseOf(runs.dev, monitoringCharts[0])!.inputs.chart);
        for (const stack of stacks) {
            const fromCharts = monitoringCharts.flatMap((chart) => rendered.get(`${stack}/${chart.name}`)!);
            const fromProgram = runs[stack].resources.map((r) => r.inputs as KubernetesObject).filter((o) => o.apiVersion === "monitoring.coreos.com/v1");
            const custom = [...fromCharts, ...fromProgram].filter((object) => isCustomResource(object.apiVersion));
            assert.ok(fromProgram.some((o) => o.kind === "PrometheusRule") && fromProgram.some((o) => o.kind === "PodMonitor"), stack);
            assert.deepEqual(custom.flatMap(validate), [], stack);
        }
    });

    it("renders objects that pass the policy pack", async () => {
        for (const stack of stacks) {
            const resources = monitoringCharts.flatMap((chart) =>
                rendered.get(`${stack}/${chart.name}`)!.map((object) => {
                    const [group, version] = object.apiVersion.includes("/") ? object.apiVersion.split("/") : ["core", object.apiVersion];
                    const type = `kubernetes:${group}/${version}:${object.kind}`;
                    // Chart objects have no logical name of their own: the release and the object's name stand in.
                    const name = `${chart.release}/${object.metadata.name}`;
                    return { type, name, props: object as unknown as Record<string, unknown>, urn: formatUrn({ stack, type, name }) };
                }),
            );
            const violations = await evaluatePolicies(guardrails, resources);
            assert.deepEqual(violations.map((v) => `${v.policy}: ${v.message}`), [], stack);
        }
    });

    it("renders the Services the program points at: Prometheus for the adapter, Loki for Grafana and Alloy, Grafana for port-forward", () => {
        for (const stack of stacks) {
            const services = monitoringCharts.flatMap((chart) => rendered.get(`${stack}/${chart.name}`)!).filter((o) => o.kind === "Service");
            const ports = (name: string) => services.find((s) => s.metadata.name === name)?.spec.ports.map((p: { port: number }) => p.port) ?? [];
            assert.ok(ports(prometheusService).includes(prometheusPort), `${stack}: ${prometheusService}`);
            assert.ok(ports(lokiService).includes(lokiPort), `${stack}: ${lokiService}`);
            assert.ok(ports(grafanaService).includes(80), `${stack}: ${grafanaService}`);
            assert.ok(ports(alertmanagerService).includes(9093), `${stack}: ${alertmanagerService}`);
        }
    });

    it("renders the workloads each profile asks for: HA Prometheus and Alertmanager in production only", () => {
        const custom = (stack: StackName, kind: string) => rendered.get(`${stack}/kube-prometheus-stack`)!.find((o) => o.kind === kind)!;
        assert.equal(custom("prod", "Prometheus").spec.replicas, 2);
        assert.equal(custom("prod", "Alertmanager").spec.replicas, 3);
        for (const stack of ["dev", "local"] as const) assert.equal(custom(stack, "Prometheus").spec.replicas, 1);
        const budgets = rendered.get("prod/kube-prometheus-stack")!.filter((o) => o.kind === "PodDisruptionBudget");
        assert.equal(budgets.length, 2, "production's Prometheus and Alertmanager each have a PodDisruptionBudget");
        for (const [key, objects] of rendered) {
            for (const object of objects.filter((o) => ["Deployment", "StatefulSet", "DaemonSet"].includes(o.kind))) {
                for (const container of object.spec.template.spec.containers) {
                    assert.ok(container.resources?.requests?.memory && container.resources?.limits?.memory, `${key}: ${describeObject(object)} ${container.name}`);
                }
            }
        }
    });
});
