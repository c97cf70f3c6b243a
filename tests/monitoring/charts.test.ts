// The monitoring releases as the program declares them for dev, prod and local, rendered by real Helm from the
// vendored packages: every values key exists in the chart, every object passes the Kubernetes schema (custom
// resources: the CRD schema the chart ships) and the policy pack.
import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import { nodePoolShapes, spotTaint } from "../../components/autoscaling/profile";
import {
    alertmanagerService,
    alloyChart,
    grafanaService,
    lokiPort,
    lokiService,
    monitoringCharts,
    prometheusPort,
    prometheusService,
    VendoredChart,
} from "../../components/monitoring/charts";
import { ProgramRun, repositoryRoot, runProgram, StackName } from "../../harness";
import { chartDefaultValues, KubernetesObject, renderChart, unknownValueKeys } from "../../harness/helm";
import { evaluatePolicies } from "../../policy/lib/evaluate";
import { formatUrn } from "../../policy/lib/urn";
import { guardrails } from "../../policy/policies";
import { admits, NetworkPolicyObject, PodEndpoint } from "../../scripts/manifests/network-policy";
import { podSpecOf, restrictedViolations } from "../../scripts/manifests/pod-security";
import { describeObject, isCustomResource, validateObjects } from "../../scripts/manifests/schema";
import { crdValidator, monitoringNamespace } from "./support";

const stacks: StackName[] = ["dev", "prod", "local"];

/**
 * Keys a chart's templates read that its values.yaml only shows in a comment, so the defaults cannot list them.
 * Each entry names the template that reads it; a test checks the template still does.
 */
const documentedButCommentedKeys: Record<string, { key: string; readBy: RegExp }[]> = {
    loki: [{ key: "loki.storage.bucketNames", readBy: /dig "storage" "bucketNames" "chunks"/ }],
};

/**
 * Maps the charts copy verbatim into a pod spec (securityContext, strategy, affinity): their fields are Kubernetes', not the
 * chart's, and the schema and policy tests below check them on the rendered objects.
 */
const passThroughMaps = /(^|\.)(securityContext|containerSecurityContext|deploymentStrategy|strategy|affinity)\./;

function tarEntry(file: string, entry: string): string {
    return execFileSync("tar", ["-xzOf", file, entry], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
}

/** Kubernetes' toleration semantics: whether one of these tolerations lets a pod onto a node with this taint. */
function tolerates(tolerations: { key?: string; operator?: string; value?: string; effect?: string }[], taint: { key: string; value: string; effect: string }): boolean {
    return tolerations.some(
        (t) =>
            (t.effect === undefined || t.effect === "" || t.effect === taint.effect) &&
            (t.key === undefined || t.key === "" ? t.operator === "Exists" : t.key === taint.key && (t.operator === "Exists" || (t.value ?? "") === taint.value)),
    );
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
                assert.equal(release.namespace, chart === alloyChart ? "monitoring-node-agents" : monitoringNamespace);
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

    const objectsOf = (stack: StackName) => monitoringCharts.flatMap((chart) => rendered.get(`${stack}/${chart.name}`)!);
    const workloads = (stack: StackName) => objectsOf(stack).filter((o) => podSpecOf(o) !== undefined);
    const workload = (stack: StackName, kind: string, name: string) => objectsOf(stack).find((o) => o.kind === kind && o.metadata.name === name)!;

    it("runs node-exporter and Alloy alone in a privileged namespace, every other pod at Pod Security restricted", () => {
        for (const stack of stacks) {
            const namespaces = runs[stack].resources.filter((r) => r.type === "kubernetes:core/v1:Namespace");
            const enforce = (name: string) => namespaces.find((n) => n.inputs.metadata.name === name)!.inputs.metadata.labels["pod-security.kubernetes.io/enforce"];
            assert.equal(enforce(monitoringNamespace), "restricted", stack);
            assert.equal(enforce("monitoring-node-agents"), "privileged", stack);
            for (const object of workloads(stack)) {
                const namespace = object.metadata.namespace ?? monitoringNamespace;
                if (namespace === monitoringNamespace) {
                    assert.deepEqual(restrictedViolations(podSpecOf(object)!), [], `${stack}: ${describeObject(object)}`);
                } else {
                    assert.equal(namespace, "monitoring-node-agents");
                    assert.ok(["alloy", "kube-prometheus-stack-prometheus-node-exporter"].includes(object.metadata.name), `${stack}: ${describeObject(object)} needs no privilege`);
                }
            }
            // Prometheus and Alertmanager pods come from the operator, which runs them as the CRs' securityContext says.
            for (const kind of ["Prometheus", "Alertmanager"]) {
                const context = objectsOf(stack).find((o) => o.kind === kind)!.spec.securityContext;
                assert.equal(context.runAsNonRoot, true, `${stack}: ${kind}`);
                assert.equal(context.seccompProfile?.type, "RuntimeDefault", `${stack}: ${kind}`);
            }
        }
    });

    it("ships logs from every node: Alloy and node-exporter tolerate every NodePool's taint, and Alloy keeps its positions on the node", () => {
        const taints = [spotTaint, ...Object.values(nodePoolShapes).flat().filter((pool) => pool.tainted).map(() => spotTaint), { key: "node.kubernetes.io/unreachable", value: "", effect: "NoExecute" }];
        for (const stack of stacks) {
            const alloy = workload(stack, "DaemonSet", "alloy").spec.template.spec;
            const nodeExporter = workload(stack, "DaemonSet", "kube-prometheus-stack-prometheus-node-exporter").spec.template.spec;
            for (const taint of taints) {
                assert.ok(tolerates(alloy.tolerations ?? [], taint), `${stack}: Alloy does not tolerate ${taint.key}`);
                assert.ok(tolerates(nodeExporter.tolerations ?? [], taint), `${stack}: node-exporter does not tolerate ${taint.key}`);
            }
            const container = alloy.containers.find((c: { name: string }) => c.name === "alloy");
            const storagePath = container.args.find((a: string) => a.startsWith("--storage.path="))!.split("=")[1];
            const mount = container.volumeMounts.find((m: { mountPath: string }) => m.mountPath === storagePath);
            assert.ok(mount, `${stack}: nothing is mounted at Alloy's storage path ${storagePath}`);
            const volume = alloy.volumes.find((v: { name: string }) => v.name === mount.name);
            assert.ok(volume.hostPath?.path, `${stack}: Alloy's positions are on ${JSON.stringify(volume)}, lost with the pod`);
        }
    });

    it("gives Grafana a writable /tmp under its read-only root, and files dashboards into the folder their annotation names", () => {
        for (const stack of stacks) {
            const spec = workload(stack, "Deployment", "kube-prometheus-stack-grafana").spec.template.spec;
            const grafana = spec.containers.find((c: { name: string }) => c.name === "grafana");
            assert.equal(grafana.securityContext.readOnlyRootFilesystem, true);
            const tmp = grafana.volumeMounts.find((m: { mountPath: string }) => m.mountPath === "/tmp");
            assert.ok(tmp, `${stack}: nothing writable at /tmp`);
            assert.ok(spec.volumes.find((v: { name: string }) => v.name === tmp.name).emptyDir, stack);
            const sidecar = spec.containers.find((c: { name: string }) => c.name === "grafana-sc-dashboard");
            const env = Object.fromEntries(sidecar.env.map((e: { name: string; value?: string }) => [e.name, e.value]));
            assert.equal(env.FOLDER_ANNOTATION, "grafana_folder", stack);
            const provider = objectsOf(stack).find((o) => o.kind === "ConfigMap" && o.metadata.name === "kube-prometheus-stack-grafana-config-dashboards")!;
            assert.match(Object.values(provider.data).join(), /foldersFromFilesStructure: true/, stack);
        }
    });

    it("scrapes Loki, Alloy and prometheus-adapter", () => {
        for (const stack of stacks) {
            const monitors = [...objectsOf(stack), ...runs[stack].resources.map((r) => r.inputs as KubernetesObject)].filter((o) => o.kind === "ServiceMonitor");
            const services = objectsOf(stack).filter((o) => o.kind === "Service");
            for (const name of ["loki", "alloy", "prometheus-adapter"]) {
                const service = services.find((s) => s.metadata.name === name)!;
                const monitor = monitors.find((m) => Object.entries(m.spec.selector.matchLabels).every(([k, v]) => service.metadata.labels?.[k] === v) && (m.metadata.namespace ?? monitoringNamespace) === (service.metadata.namespace ?? monitoringNamespace));
                assert.ok(monitor, `${stack}: no ServiceMonitor selects ${name}`);
                for (const endpoint of monitor.spec.endpoints) assert.ok(service.spec.ports.some((p: { name: string }) => p.name === endpoint.port), `${stack}: ${name} has no port ${endpoint.port}`);
            }
        }
    });

    it("admits to Loki, Prometheus and Alertmanager only their clients", () => {
        for (const stack of stacks) {
            const policies = runs[stack].resources.filter((r) => r.type === "kubernetes:networking.k8s.io/v1:NetworkPolicy").map((r) => r.inputs as NetworkPolicyObject);
            const pod = (kind: string, name: string, namespace = monitoringNamespace): PodEndpoint => ({
                namespace,
                labels: { ...workload(stack, kind, name).spec.template.metadata.labels, "kubernetes.io/metadata.name": namespace },
            });
            // Pods the operator creates: labelled with the component's name by the operator itself.
            const operatorPod = (name: string): PodEndpoint => ({ namespace: monitoringNamespace, labels: { "app.kubernetes.io/name": name } });
            const [loki, alloy, grafana, adapter] = [pod("StatefulSet", "loki"), pod("DaemonSet", "alloy", "monitoring-node-agents"), pod("Deployment", "kube-prometheus-stack-grafana"), pod("Deployment", "prometheus-adapter")];
            const [prometheus, alertmanager] = [operatorPod("prometheus"), operatorPod("alertmanager")];
            const app: PodEndpoint = { namespace: "eks-app", labels: { "app.kubernetes.io/name": "eks-app" } };
            const kubeStateMetrics = pod("Deployment", "kube-prometheus-stack-kube-state-metrics");
            const flow = (from: PodEndpoint, to: PodEndpoint, port: number) => admits(policies, { from, to, port, protocol: "TCP" });
            for (const client of [alloy, grafana, prometheus]) assert.ok(flow(client, loki, lokiPort), `${stack}: ${client.labels["app.kubernetes.io/name"]} to Loki`);
            for (const client of [grafana, adapter, prometheus]) assert.ok(flow(client, prometheus, prometheusPort), `${stack}: ${client.labels["app.kubernetes.io/name"]} to Prometheus`);
            for (const client of [prometheus, grafana]) assert.ok(flow(client, alertmanager, 9093), `${stack}: ${client.labels["app.kubernetes.io/name"]} to Alertmanager`);
            assert.ok(admits(policies, { from: alertmanager, to: alertmanager, port: 9094, protocol: "UDP" }), `${stack}: Alertmanager gossip`);
            for (const stranger of [app, kubeStateMetrics]) {
                assert.ok(!flow(stranger, loki, lokiPort), `${stack}: ${stranger.labels["app.kubernetes.io/name"]} may push to Loki`);
                assert.ok(!flow(stranger, prometheus, prometheusPort), `${stack}: ${stranger.labels["app.kubernetes.io/name"]} may query Prometheus`);
                assert.ok(!flow(stranger, alertmanager, 9093), `${stack}: ${stranger.labels["app.kubernetes.io/name"]} may silence alerts`);
            }
        }
    });

    it("places every monitoring pod but the node agents on production's on-demand NodePool", () => {
        const pools = (affinity: any) => affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms?.flatMap((t: any) => t.matchExpressions.filter((e: any) => e.key === "karpenter.sh/nodepool").flatMap((e: any) => e.values));
        for (const [stack, expected] of [["prod", ["on-demand"]], ["dev", ["spot"]]] as const) {
            for (const object of workloads(stack).filter((o) => (o.metadata.namespace ?? monitoringNamespace) === monitoringNamespace)) {
                assert.deepEqual(pools(podSpecOf(object)!.affinity), expected, `${stack}: ${describeObject(object)}`);
            }
            for (const kind of ["Prometheus", "Alertmanager"]) assert.deepEqual(pools(objectsOf(stack).find((o) => o.kind === kind)!.spec.affinity), expected, `${stack}: ${kind}`);
        }
    });
});
