// The vendored karpenter charts rendered by real Helm with the program's values.
import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import { parse as parseYaml } from "yaml";
import { chartDefaultValues, chartPath, KubernetesObject, renderChart, unknownValueKeys } from "../../harness/helm";
import {
    karpenterChartFile,
    karpenterChartVersion,
    karpenterNamespace,
    karpenterReleaseName,
    karpenterServiceMonitor,
    karpenterValues,
} from "../../components/autoscaling/karpenter";
import { validateObjects } from "../../scripts/manifests/schema";
import { evaluatePolicies } from "../../policy/lib/evaluate";
import { guardrails } from "../../policy/policies";

const values = karpenterValues({ clusterName: "eks-app-dev", interruptionQueueName: "eks-app-dev-karpenter" });

function render(chartValues: object): KubernetesObject[] {
    return renderChart({
        chart: karpenterChartFile("karpenter"),
        release: karpenterReleaseName,
        namespace: karpenterNamespace,
        values: chartValues,
        apiVersions: ["monitoring.coreos.com/v1"],
    });
}

function chartYaml(chart: "karpenter" | "karpenter-crd"): { version: string; appVersion: string } {
    return parseYaml(execFileSync("tar", ["-xzOf", karpenterChartFile(chart), `${chart}/Chart.yaml`], { encoding: "utf8" }));
}

/** The Pulumi type token of a rendered object, as the policy pack sees resources. */
function typeToken(object: KubernetesObject): string {
    const [group, version] = object.apiVersion.includes("/") ? object.apiVersion.split("/") : ["core", object.apiVersion];
    return `kubernetes:${group}/${version}:${object.kind}`;
}

/**
 * Policies the chart's objects break on purpose (the Release is one Pulumi resource, so the pack never sees them in a
 * preview; this test holds them to it instead). Keyed by policy and object.
 */
const chartExceptions: Record<string, string> = {
    "k8s-no-service-account-token karpenter-Deployment-karpenter": "the controller is a Kubernetes controller: it watches pods and nodes and writes NodeClaims",
    "k8s-rollout-keeps-capacity karpenter-Deployment-karpenter":
        "one leader works, the other replica waits: losing the standby for a rollout costs nothing, while a surge pod could not schedule (one replica per node, on a node group sized for system pods)",
};

describe("Karpenter charts (vendored, rendered by real Helm)", () => {
    let objects: KubernetesObject[];
    let deployment: KubernetesObject;
    before(() => {
        objects = render(values);
        deployment = objects.find((object) => object.kind === "Deployment")!;
    });

    it("deploys the files whose version the releases declare (Pulumi ignores `version` for a local chart)", () => {
        for (const chart of ["karpenter", "karpenter-crd"] as const) {
            assert.equal(karpenterChartFile(chart), chartPath(chart, karpenterChartVersion));
            assert.equal(chartYaml(chart).version, karpenterChartVersion, chart);
        }
    });

    it("sets only values keys the chart has", () => {
        const defaults = chartDefaultValues(karpenterChartFile("karpenter"));
        assert.deepEqual(unknownValueKeys(values, defaults), []);
    });

    it("runs the controller image the chart pins by digest", () => {
        const images = deployment.spec.template.spec.containers.map((container: { image: string }) => container.image);
        assert.deepEqual(images, [`public.ecr.aws/karpenter/controller:${karpenterChartVersion}@sha256:445baefaaa689029cc12ac1f659b916b0b82fb14308ce536f8521fcf079116fa`]);
    });

    it("tells the controller its cluster and interruption queue", () => {
        const env = Object.fromEntries(deployment.spec.template.spec.containers[0].env.map((e: { name: string; value?: string }) => [e.name, e.value]));
        assert.equal(env.CLUSTER_NAME, "eks-app-dev");
        assert.equal(env.INTERRUPTION_QUEUE, "eks-app-dev-karpenter");
        // Left empty, the controller reads the endpoint from eks:DescribeCluster (its policy allows this cluster only).
        assert.ok(!env.CLUSTER_ENDPOINT);
    });

    it("runs only on the managed node group, never on a node it launched, two replicas on different nodes", () => {
        const spec = deployment.spec.template.spec;
        const terms = spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms;
        assert.deepEqual(terms, [
            {
                matchExpressions: [
                    { key: "karpenter.sh/nodepool", operator: "DoesNotExist" },
                    { key: "eks.amazonaws.com/nodegroup", operator: "Exists" },
                ],
            },
        ]);
        assert.equal(deployment.spec.replicas, 2);
        assert.equal(spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey, "kubernetes.io/hostname");
        assert.ok(objects.some((object) => object.kind === "PodDisruptionBudget"));
    });

    it("uses the service account the Pod Identity association names", () => {
        assert.equal(deployment.spec.template.spec.serviceAccountName, karpenterReleaseName);
        assert.equal(deployment.metadata.namespace, karpenterNamespace);
    });

    it("declares the ServiceMonitor the chart would render, outside the release (its CRD comes later, with monitoring)", () => {
        assert.ok(!objects.some((object) => object.kind === "ServiceMonitor"));
        const charts = render({ ...values, serviceMonitor: { enabled: true } }).find((object) => object.kind === "ServiceMonitor")!;
        const ours = karpenterServiceMonitor();
        assert.deepEqual(ours.spec, charts.spec);
        assert.deepEqual([ours.metadata.name, ours.metadata.namespace], [charts.metadata.name, charts.metadata.namespace]);
    });

    it("renders objects valid against the Kubernetes schema (unknown fields rejected)", async () => {
        const problems = await validateObjects(objects);
        assert.deepEqual(problems, []);
    });

    it("passes the policy pack, but for the justified exceptions below", async () => {
        const resources = objects.map((object) => ({ type: typeToken(object), name: `karpenter-${object.kind}-${object.metadata.name}`, props: object }));
        const violations = await evaluatePolicies(guardrails, resources);
        const found = violations.map(({ policy, message }) => `${policy} ${/"([^"]+)"/.exec(message)?.[1]}`).sort();
        assert.deepEqual(found, Object.keys(chartExceptions).sort(), violations.map((v) => v.message).join("\n"));
    });

    it("ships the CRDs as templates in karpenter-crd, so upgrades reach them", () => {
        const crds = renderChart({ chart: karpenterChartFile("karpenter-crd"), release: "karpenter-crd", namespace: karpenterNamespace, values: {} });
        const names = crds.filter((object) => object.kind === "CustomResourceDefinition").map((crd) => crd.metadata.name);
        assert.ok(names.includes("nodepools.karpenter.sh") && names.includes("ec2nodeclasses.karpenter.k8s.aws"), names.join(", "));
    });
});
