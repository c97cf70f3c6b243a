// Who may do what in the monitoring stack, read from what a deploy creates: the vendored charts rendered by real Helm
// with the program's values, plus the RBAC objects the program writes itself (components/monitoring/operator-rbac.ts).
// The end-to-end suite asks the same of a real API server (tests/e2e/support/live-checks.ts).
import { strict as assert } from "assert";
import { alloyHostStoragePath } from "../../components/monitoring/logs-values";
import { chartServiceAccounts, kubePrometheusStackRbac, PolicyRule } from "../../components/monitoring/operator-rbac";
import { kubePrometheusStackChart, monitoringCharts } from "../../components/monitoring/charts";
import { ProgramRun, runProgram, StackName } from "../../harness";
import { KubernetesObject, renderChart } from "../../harness/helm";
import { describeObject } from "../../scripts/manifests/schema";
import { monitoringNamespace } from "./support";

const stacks: StackName[] = ["dev", "prod", "local"];
const nodeAgentNamespace = "monitoring-node-agents";
const monitoringNamespaces = [monitoringNamespace, nodeAgentNamespace];
const apiVersions = ["monitoring.coreos.com/v1", "apiregistration.k8s.io/v1"];

type Subject = { kind: string; name: string; namespace?: string };

function releaseOf(run: ProgramRun, name: string) {
    return run.resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release" && r.inputs.name === name)!;
}

/** What a deploy creates: every chart's objects (namespace filled in) and the program's own RBAC objects. */
function deployedObjects(run: ProgramRun, override?: object): KubernetesObject[] {
    const fromCharts = monitoringCharts.flatMap((chart) => {
        const release = releaseOf(run, chart.release).inputs;
        const values = chart === kubePrometheusStackChart && override ? { ...release.values, ...override } : release.values;
        return renderChart({ chart: release.chart, release: release.name, namespace: release.namespace, values, apiVersions }).map((o) => ({
            ...o,
            metadata: { ...o.metadata, namespace: o.metadata.namespace ?? (/^Cluster/.test(o.kind) ? undefined : release.namespace) },
        }));
    });
    const fromProgram = run.resources.filter((r) => r.type.startsWith("kubernetes:rbac.authorization.k8s.io/v1:")).map((r) => r.inputs as KubernetesObject);
    return [...fromCharts, ...fromProgram];
}

/** Each rule as (apiGroup, resource, verb) triples, resourceNames kept: what the authorizer matches on. */
function grants(rules: PolicyRule[]): Set<string> {
    return new Set(
        rules.flatMap((rule) =>
            (rule.nonResourceURLs ?? []).length > 0
                ? rule.nonResourceURLs!.flatMap((url) => rule.verbs.map((verb) => `url ${url} ${verb}`))
                : (rule.apiGroups ?? []).flatMap((group) =>
                      (rule.resources ?? []).flatMap((resource) => rule.verbs.map((verb) => `${group}/${resource} ${verb}${rule.resourceNames ? ` [${[...rule.resourceNames].sort()}]` : ""}`)),
                  ),
        ),
    );
}

const readsSecrets = (rule: PolicyRule) => (rule.apiGroups ?? []).some((g) => g === "" || g === "*") && (rule.resources ?? []).some((r) => r === "secrets" || r === "*");

/** What one service account may do: cluster-wide (ClusterRoleBindings) and per namespace (RoleBindings). */
function accessOf(objects: KubernetesObject[], account: { name: string; namespace: string }) {
    const bound = (binding: KubernetesObject) => (binding.subjects ?? []).some((s: Subject) => s.kind === "ServiceAccount" && s.name === account.name && s.namespace === account.namespace);
    const roleOf = (kind: string, name: string, namespace?: string) =>
        objects.find((o) => o.kind === kind && o.metadata.name === name && (kind === "ClusterRole" || o.metadata.namespace === namespace));
    const rulesOf = (binding: KubernetesObject): PolicyRule[] => roleOf(binding.roleRef.kind, binding.roleRef.name, binding.metadata.namespace)?.rules ?? [];
    const cluster = objects.filter((o) => o.kind === "ClusterRoleBinding" && bound(o)).flatMap(rulesOf);
    const namespaced = new Map<string, PolicyRule[]>();
    for (const binding of objects.filter((o) => o.kind === "RoleBinding" && bound(o))) {
        namespaced.set(binding.metadata.namespace!, [...(namespaced.get(binding.metadata.namespace!) ?? []), ...rulesOf(binding)]);
    }
    return { cluster, namespaced };
}

const difference = (a: Set<string>, b: Set<string>) => [...a].filter((x) => !b.has(x)).sort();

describe("monitoring: RBAC and privilege of what a deploy creates", function () {
    this.timeout(20 * 60 * 1000);
    const runs = {} as Record<StackName, ProgramRun>;
    const deployed = {} as Record<StackName, KubernetesObject[]>;
    /** The chart's own RBAC for the same values: what the operator, Prometheus and the admission job are meant to get. */
    const chartRbac = {} as Record<StackName, KubernetesObject[]>;
    before(async () => {
        for (const stack of stacks) {
            runs[stack] = await runProgram(stack);
            deployed[stack] = deployedObjects(runs[stack]);
            chartRbac[stack] = deployedObjects(runs[stack], { global: { rbac: { create: true } } }).filter((o) => /Role/.test(o.kind) && o.metadata.labels?.["app.kubernetes.io/managed-by"] !== "pulumi");
        }
    });

    it("binds no monitoring service account to a role that reads Secrets outside its own namespace", () => {
        for (const stack of stacks) {
            const objects = deployed[stack];
            const accounts = objects
                .flatMap((o) => (/Binding$/.test(o.kind) ? (o.subjects ?? []) : []))
                .filter((s: Subject) => s.kind === "ServiceAccount" && monitoringNamespaces.includes(s.namespace!));
            assert.ok(accounts.some((s: Subject) => s.name === chartServiceAccounts.operator), `${stack}: the operator is bound to nothing`);
            for (const account of accounts) {
                const access = accessOf(objects, { name: account.name, namespace: account.namespace! });
                assert.deepEqual(access.cluster.filter(readsSecrets), [], `${stack}: ${account.namespace}/${account.name} reads Secrets in every namespace`);
                for (const [namespace, rules] of access.namespaced) {
                    // kube-system's extension-apiserver-authentication-reader (a built-in Role, no Secrets) is the one
                    // outside grant: an aggregated API server (prometheus-adapter) reads the cluster's client CA.
                    if (namespace === "kube-system") continue;
                    if (rules.some(readsSecrets)) assert.equal(namespace, account.namespace, `${stack}: ${account.namespace}/${account.name} reads Secrets in ${namespace}`);
                }
            }
            // Outside the monitoring namespaces, a RoleBinding grants only that built-in Role.
            for (const binding of objects.filter((o) => o.kind === "RoleBinding" && !monitoringNamespaces.includes(o.metadata.namespace!))) {
                assert.equal(binding.roleRef.name, "extension-apiserver-authentication-reader", `${stack}: ${describeObject(binding)}`);
            }
            // Grafana's sidecars search their own namespace (with a Role there), not ALL.
            const grafana = objects.find((o) => o.kind === "Deployment" && o.metadata.name === "kube-prometheus-stack-grafana")!.spec.template.spec;
            for (const container of grafana.containers.filter((c: { name: string }) => c.name.startsWith("grafana-sc"))) {
                assert.notEqual((container.env ?? []).find((e: { name: string }) => e.name === "NAMESPACE")?.value, "ALL", `${stack}: ${container.name}`);
            }
        }
    });

    it("gives the operator all the chart's ClusterRole grants but Secrets, which it gets in the monitoring namespace only", () => {
        const operator = { name: chartServiceAccounts.operator, namespace: monitoringNamespace };
        for (const stack of stacks) {
            const intended = grants(accessOf(chartRbac[stack], operator).cluster);
            const access = accessOf(deployed[stack], operator);
            const cluster = grants(access.cluster);
            assert.deepEqual(difference(intended, cluster), ["/secrets *"], `${stack}: what the operator lost cluster-wide`);
            assert.deepEqual(difference(cluster, intended), [], `${stack}: what the operator gained cluster-wide`);
            assert.deepEqual([...access.namespaced.keys()], [monitoringNamespace], stack);
            assert.deepEqual([...grants(access.namespaced.get(monitoringNamespace)!)], ["/secrets *"], stack);
        }
    });

    it("runs the operator's Prometheus, Alertmanager and their Secrets in the monitoring namespace only, and still watches monitors everywhere", () => {
        for (const stack of stacks) {
            const objects = deployed[stack];
            const operator = objects.find((o) => o.kind === "Deployment" && o.metadata.name === chartServiceAccounts.operator)!;
            const args: string[] = operator.spec.template.spec.containers[0].args;
            for (const flag of ["prometheus-instance-namespaces", "alertmanager-instance-namespaces", "alertmanager-config-namespaces", "thanos-ruler-instance-namespaces"]) {
                assert.ok(args.includes(`--${flag}=${monitoringNamespace}`), `${stack}: --${flag}`);
            }
            // --namespaces would also narrow where ServiceMonitors, PodMonitors and PrometheusRules are watched.
            assert.ok(!args.some((a) => a.startsWith("--namespaces=") || a.startsWith("--watch-referenced-objects-in-all-namespaces")), stack);
            for (const kind of ["Prometheus", "Alertmanager"]) assert.equal(objects.find((o) => o.kind === kind)!.metadata.namespace, monitoringNamespace, `${stack}: ${kind}`);
        }
    });

    it("references no Secret from a monitor outside the monitoring namespace, where the operator could not read it", () => {
        const secretKeys = /^(basicAuth|bearerTokenSecret|authorization|oauth2|secret|keySecret|credentials)$/;
        const references = (value: unknown, at: string): string[] =>
            value && typeof value === "object"
                ? Object.entries(value).flatMap(([key, v]) => (secretKeys.test(key) ? [`${at}.${key}`] : references(v, `${at}.${key}`)))
                : [];
        for (const stack of stacks) {
            const program = runs[stack].resources.map((r) => r.inputs as KubernetesObject).filter((o) => o?.apiVersion === "monitoring.coreos.com/v1");
            const monitors = [...deployed[stack], ...program].filter((o) => ["ServiceMonitor", "PodMonitor", "Probe", "ScrapeConfig"].includes(o.kind));
            assert.ok(monitors.some((m) => m.metadata.namespace !== monitoringNamespace), `${stack}: every monitor is in ${monitoringNamespace}`);
            for (const monitor of monitors.filter((m) => m.metadata.namespace !== monitoringNamespace)) {
                assert.deepEqual(references(monitor.spec, "spec"), [], `${stack}: ${describeObject(monitor)}`);
            }
        }
    });

    it("gives Prometheus what the chart would, and the admission job the chart's rights on its own webhook configuration only", () => {
        for (const stack of stacks) {
            const prometheus = { name: chartServiceAccounts.prometheus, namespace: monitoringNamespace };
            assert.ok(grants(accessOf(chartRbac[stack], prometheus).cluster).size > 0, `${stack}: the chart no longer grants Prometheus anything`);
            assert.deepEqual([...grants(accessOf(deployed[stack], prometheus).cluster)].sort(), [...grants(accessOf(chartRbac[stack], prometheus).cluster)].sort(), stack);
            const admission = { name: chartServiceAccounts.admission, namespace: monitoringNamespace };
            const [intended, actual] = [accessOf(chartRbac[stack], admission), accessOf(deployed[stack], admission)];
            const webhooks = deployed[stack].filter((o) => /WebhookConfiguration$/.test(o.kind)).map((o) => o.metadata.name);
            assert.ok(webhooks.length > 0, stack);
            const narrowed = intended.cluster.map((rule) => ({ ...rule, resourceNames: [...new Set(webhooks)] }));
            assert.deepEqual([...grants(actual.cluster)].sort(), [...grants(narrowed)].sort(), `${stack}: admission, cluster-wide`);
            assert.deepEqual([...grants(actual.namespaced.get(monitoringNamespace) ?? [])], [...grants(intended.namespaced.get(monitoringNamespace) ?? [])], `${stack}: admission, namespaced`);
        }
    });

    it("creates the program's RBAC in the Monitoring component, after the namespace and before the release that needs it", () => {
        for (const stack of stacks) {
            const names = kubePrometheusStackRbac(monitoringNamespace).map((o) => `${o.kind} ${o.metadata.name}`);
            const rbac = runs[stack].resources.filter((r) => r.type.startsWith("kubernetes:rbac.authorization.k8s.io/v1:") && names.includes(`${r.inputs.kind} ${r.inputs.metadata.name}`));
            const release = releaseOf(runs[stack], kubePrometheusStackChart.release);
            const namespace = runs[stack].resources.find((r) => r.type === "kubernetes:core/v1:Namespace" && r.inputs.metadata.name === monitoringNamespace)!;
            assert.equal(rbac.length, names.length, stack);
            for (const resource of rbac) {
                assert.equal(resource.parent?.type, "eks-app:monitoring:Monitoring", `${stack}: ${resource.name}`);
                // The admission hooks run at install, the operator right after: the release waits for its RBAC.
                assert.ok(release.options.dependsOn.some((d) => d.type === resource.type && d.name === resource.name), `${stack}: the release does not wait for ${resource.name}`);
                assert.ok(resource.options.dependsOn.some((d) => d.type === namespace.type && d.name === namespace.name), `${stack}: ${resource.name} does not wait for its namespace`);
            }
        }
    });

    it("runs Alloy with the least that reads the node's log files: uid 0, no capability, read-only but for its positions", () => {
        for (const stack of stacks) {
            const alloy = deployed[stack].find((o) => o.kind === "DaemonSet" && o.metadata.name === "alloy")!;
            const pod = alloy.spec.template.spec;
            assert.equal(pod.securityContext?.seccompProfile?.type, "RuntimeDefault", stack);
            assert.ok(!pod.hostNetwork && !pod.hostPID && !pod.hostIPC, stack);
            for (const container of [...(pod.initContainers ?? []), ...pod.containers]) {
                const context = container.securityContext ?? {};
                // Owner of the root-owned 0640 log files: an explicit uid 0, not whatever the image says.
                assert.equal(context.runAsUser, 0, `${stack}: ${container.name}`);
                assert.deepEqual(context.capabilities, { drop: ["ALL"] }, `${stack}: ${container.name} keeps or adds a capability`);
                assert.equal(context.allowPrivilegeEscalation, false, `${stack}: ${container.name}`);
                assert.notEqual(context.privileged, true, `${stack}: ${container.name}`);
                assert.equal(context.readOnlyRootFilesystem, true, `${stack}: ${container.name}`);
                for (const mount of container.volumeMounts ?? []) {
                    const path = pod.volumes.find((v: { name: string }) => v.name === mount.name)?.hostPath?.path;
                    if (path === undefined) continue;
                    if (path === alloyHostStoragePath) continue;
                    assert.equal(mount.readOnly, true, `${stack}: ${container.name} may write the node's ${path}`);
                }
            }
            const hostPaths = pod.volumes.filter((v: { hostPath?: unknown }) => v.hostPath).map((v: { hostPath: { path: string } }) => v.hostPath.path).sort();
            assert.deepEqual(hostPaths, ["/var/log", alloyHostStoragePath].sort(), stack);
        }
    });
});
