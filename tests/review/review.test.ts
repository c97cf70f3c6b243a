// A pull request's review environment: the program run as stack pr-123 with Pulumi.review.yaml (as the review
// workflow runs it), staging's stack read through a mocked StackReference shaped like staging's real outputs.
import { strict as assert } from "assert";
import * as path from "path";
import { ProgramError, ProgramRun, RegisteredResource, repositoryRoot, runProgram, testStagingOutputs } from "../../harness";
import { DependencyGraph } from "../../harness/graph";
import { cidrContains } from "../../components/review/network";
import { admits, Flow, NetworkPolicyObject, PodEndpoint } from "../../scripts/manifests/network-policy";
import { kubernetesObjects } from "../../scripts/manifests/render";
import { validateObjects } from "../../scripts/manifests/schema";

const reviewFile = path.join(repositoryRoot, "Pulumi.review.yaml");
/** What the review workflow sets on each deploy (review-stack.sh): the image tag and the deploy's time. */
const deployedAt = "2026-12-04T20:15:00Z";
const reviewRun = (stack: string, config: Record<string, string> = {}) =>
    runProgram(stack, { configFile: reviewFile, config: { "eks-app:imageTag": `${stack}-0123abc`, "eks-app:reviewUpdatedAt": deployedAt, ...config } });
const expiryOf = (run: ProgramRun) => one(run, "Namespace").inputs.metadata.annotations["eks-app.io/expires-at"];

const byKind = (run: ProgramRun, kind: string) => run.resources.filter((r) => r.custom && r.inputs.kind === kind);
const one = (run: ProgramRun, kind: string, name?: string): RegisteredResource => {
    const found = byKind(run, kind).filter((r) => name === undefined || r.inputs.metadata?.name === name);
    assert.equal(found.length, 1, `expected one ${kind} ${name ?? ""}, found ${found.length}`);
    return found[0];
};
const podSpecs = (run: ProgramRun) => byKind(run, "Deployment").map((d) => d.inputs.spec.template.spec);
const policies = (run: ProgramRun): NetworkPolicyObject[] => byKind(run, "NetworkPolicy").map((r) => r.inputs as NetworkPolicyObject);

const appPod = (namespace: string): PodEndpoint => ({ namespace, labels: { "app.kubernetes.io/name": "eks-app" } });
const redisPod = (namespace: string): PodEndpoint => ({ namespace, labels: { "app.kubernetes.io/name": "redis" } });

/** Kubernetes quantities as the settings allow them, in millicores and MiB. */
const cpu = (q: string) => (q.endsWith("m") ? Number(q.slice(0, -1)) : Number(q) * 1000);
const memory = (q: string) => (q.endsWith("Gi") ? Number(q.slice(0, -2)) * 1024 : Number(q.slice(0, -2)));

describe("review environment (stack pr-123, Pulumi.review.yaml)", function () {
    this.timeout(5 * 60 * 1000);
    let run: ProgramRun;
    let other: ProgramRun;
    before(async () => {
        run = await reviewRun("pr-123");
        other = await reviewRun("pr-124");
    });

    it("creates no AWS or platform resource: only the workload's Kubernetes objects and a generated password", () => {
        const workloadKinds = new Set(["Namespace", "ResourceQuota", "LimitRange", "Secret", "ServiceAccount", "Deployment", "Service", "PodDisruptionBudget", "HorizontalPodAutoscaler", "NetworkPolicy"]);
        const platform = run.resources.filter(
            (r) =>
                r.custom &&
                !r.type.startsWith("pulumi:providers:") &&
                r.type !== "pulumi:pulumi:StackReference" &&
                r.type !== "random:index/randomPassword:RandomPassword" &&
                !(r.type.startsWith("kubernetes:") && workloadKinds.has(r.inputs.kind)),
        );
        assert.deepEqual(platform.map((r) => `${r.type} ${r.name}`), []);
    });

    it("validates every Kubernetes object against the Kubernetes schema, unknown fields rejected", async () => {
        const rendered = kubernetesObjects(run);
        const partial = new Set(rendered.filter((r) => r.partial).map((r) => r.object));
        const problems = await validateObjects(rendered.map((r) => r.object), { partial: (o) => partial.has(o) });
        assert.deepEqual(problems, []);
    });

    it("reads staging's stack through a StackReference and talks to staging's cluster with its kubeconfig", () => {
        assert.equal(run.one("pulumi:pulumi:StackReference").inputs.name, "organization/eks-app/dev");
        const kubernetes = run.ofType("pulumi:providers:kubernetes");
        assert.equal(kubernetes.length, 1);
        assert.equal(kubernetes[0].inputs.kubeconfig, testStagingOutputs.kubeconfig);
        for (const resource of run.resources.filter((r) => r.type.startsWith("kubernetes:"))) {
            assert.deepEqual(resource.provider, { type: kubernetes[0].type, name: kubernetes[0].name }, resource.name);
        }
    });

    it("runs the pull request's own image from the review repository beside staging's, by digest", () => {
        const image = one(run, "Deployment", "eks-app").inputs.spec.template.spec.containers[0].image;
        assert.ok(image.startsWith(`${testStagingOutputs.ecrRepositoryUrl}-review@sha256:`), image);
        assert.equal(run.outputs.imageTag, "pr-123-0123abc");
    });

    it("deploys into one namespace of its own, eks-app-pr-123, labelled with the pull request and enforcing restricted Pod Security", () => {
        const namespace = one(run, "Namespace").inputs.metadata;
        assert.equal(namespace.name, "eks-app-pr-123");
        assert.equal(namespace.labels["eks-app.io/pull-request"], "123");
        assert.equal(namespace.labels["pod-security.kubernetes.io/enforce"], "restricted");
        assert.equal(namespace.labels["pod-security.kubernetes.io/enforce-version"], `v${testStagingOutputs.kubernetesVersion}`);
        const elsewhere = run.resources.filter((r) => r.type.startsWith("kubernetes:") && r.inputs.kind !== "Namespace" && r.inputs.metadata?.namespace !== "eks-app-pr-123");
        assert.deepEqual(elsewhere.map((r) => `${r.inputs.kind} ${r.inputs.metadata?.name}`), []);
        assert.equal(run.outputs.namespace, "eks-app-pr-123");
    });

    it("annotates the namespace with its expiry, reviewLifetimeDays (7) after the deploy's time, and outputs both", () => {
        assert.equal(expiryOf(run), "2026-12-11T20:15:00Z");
        assert.equal(run.outputs.expiresAt, "2026-12-11T20:15:00Z");
        assert.equal(run.outputs.updatedAt, deployedAt);
    });

    it("registers the same expiry for the same inputs whenever it runs (no perpetual diff), and a later deploy pushes it out", async () => {
        const realNow = Date.now;
        // Three days on, as a preview of the unchanged environment would run.
        Date.now = () => realNow() + 3 * 24 * 60 * 60 * 1000;
        let later: ProgramRun;
        try {
            later = await reviewRun("pr-123");
        } finally {
            Date.now = realNow;
        }
        assert.equal(expiryOf(later), expiryOf(run));
        assert.equal(later.outputs.expiresAt, run.outputs.expiresAt);
        const redeployed = await reviewRun("pr-123", { "eks-app:reviewUpdatedAt": "2026-12-06T09:00:00Z" });
        assert.equal(expiryOf(redeployed), "2026-12-13T09:00:00Z");
    });

    it("bounds the pull request with a quota that its pods fit during a rollout, and no volume or second load balancer", () => {
        const hard = one(run, "ResourceQuota").inputs.spec.hard;
        assert.equal(hard["services.loadbalancers"], "1");
        assert.equal(hard.persistentvolumeclaims, "0");
        const containers = byKind(run, "Deployment").map((d) => ({
            replicas: 2, // each rollout surges one pod
            limits: d.inputs.spec.template.spec.containers[0].resources.limits,
        }));
        const cpuUsed = containers.reduce((sum, c) => sum + c.replicas * cpu(c.limits.cpu), 0);
        const memoryUsed = containers.reduce((sum, c) => sum + c.replicas * memory(c.limits.memory), 0);
        assert.ok(cpuUsed <= cpu(hard["limits.cpu"]), `${cpuUsed}m of ${hard["limits.cpu"]}`);
        assert.ok(memoryUsed <= memory(hard["limits.memory"]), `${memoryUsed}Mi of ${hard["limits.memory"]}`);
        assert.equal(Number(hard.pods), 4, "the app and Redis, each surging one pod in a rollout");
    });

    it("limits each container, and creates every pod only after the quota and the limits exist", () => {
        const limit = one(run, "LimitRange").inputs.spec.limits.find((l: { type: string }) => l.type === "Container");
        assert.ok(limit.max.cpu && limit.max.memory && limit.default.cpu);
        const graph = new DependencyGraph(run);
        for (const deployment of byKind(run, "Deployment")) {
            for (const bound of [one(run, "ResourceQuota"), one(run, "LimitRange")]) {
                assert.ok(graph.deletedBefore(deployment, bound), `${deployment.name} does not wait for ${bound.inputs.kind}`);
            }
        }
    });

    it("has no persistent volume: no PersistentVolumeClaim, no volumeClaimTemplates, no claim in any pod", () => {
        assert.deepEqual(byKind(run, "PersistentVolumeClaim"), []);
        assert.deepEqual(byKind(run, "StatefulSet").filter((s) => s.inputs.spec.volumeClaimTemplates), []);
        assert.equal(run.ofType("kubernetes:helm.sh/v3:Release").length, 0);
        for (const pod of podSpecs(run)) {
            assert.deepEqual((pod.volumes ?? []).filter((v: Record<string, unknown>) => !v.emptyDir), []);
        }
    });

    it("runs one Redis server without Sentinel and one app pod, both on staging's spot NodePool", () => {
        const redis = one(run, "Deployment", "redis").inputs.spec;
        assert.equal(redis.replicas, 1);
        assert.deepEqual(redis.template.spec.containers.map((c: { name: string }) => c.name), ["redis"]);
        const hpa = one(run, "HorizontalPodAutoscaler").inputs.spec;
        assert.deepEqual([hpa.minReplicas, hpa.maxReplicas], [1, 1]);
        for (const pod of podSpecs(run)) {
            const terms = pod.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms;
            assert.deepEqual(terms[0].matchExpressions, [{ key: "karpenter.sh/nodepool", operator: "In", values: ["spot"] }]);
        }
    });

    it("admits the app to its own Redis, and nothing from any other namespace, other review environments included", () => {
        const all = [...policies(run), ...policies(other)];
        const redisFlow = (from: PodEndpoint, namespace: string): Flow => ({ from, to: redisPod(namespace), port: 6379, portName: "redis" });
        const appFlow = (from: PodEndpoint, namespace: string): Flow => ({ from, to: appPod(namespace), port: 8080, portName: "http" });
        assert.ok(admits(all, redisFlow(appPod("eks-app-pr-123"), "eks-app-pr-123")), "the app must reach its Redis");
        const strangers = [appPod("eks-app-pr-124"), redisPod("eks-app-pr-124"), appPod("eks-app"), { namespace: "monitoring", labels: {} }, { namespace: "default", labels: {} }];
        for (const from of strangers) {
            assert.ok(!admits(all, redisFlow(from, "eks-app-pr-123")), `${from.namespace} reaches pr-123's Redis`);
            assert.ok(!admits(all, appFlow(from, "eks-app-pr-123")), `${from.namespace} reaches pr-123's app`);
        }
        assert.ok(!admits(all, redisFlow(appPod("eks-app-pr-123"), "eks-app-pr-124")), "pr-123 reaches pr-124's Redis");
    });

    it("admits the load balancer's clients to the app, never an address of staging's VPC (where every pod lives)", () => {
        const allow = byKind(run, "NetworkPolicy").find((p) => p.inputs.metadata.name === "eks-app-allow")!.inputs.spec;
        const peers = allow.ingress.flatMap((rule: { from?: unknown[] }) => rule.from ?? [undefined]);
        assert.ok(peers.length > 0);
        for (const peer of peers) {
            assert.ok(peer?.ipBlock, `ingress peer ${JSON.stringify(peer)} is not an address block`);
            const excluded = (peer.ipBlock.except ?? []).some((e: string) => cidrContains(e, testStagingOutputs.vpcCidr));
            assert.ok(excluded || !cidrContains(peer.ipBlock.cidr, testStagingOutputs.vpcCidr), JSON.stringify(peer));
        }
    });

    it("gets its own load balancer and outputs its URL", () => {
        const service = one(run, "Service", "eks-app").inputs;
        assert.equal(service.spec.type, "LoadBalancer");
        assert.equal(service.metadata.annotations["service.beta.kubernetes.io/aws-load-balancer-type"], "nlb");
        assert.equal(run.outputs.url, "http://app-0123456789.elb.eu-west-1.amazonaws.com");
    });

    describe("refuses", () => {
        const refusal = async (stack: string, config: Record<string, string> = {}) => {
            const error = await reviewRun(stack, config).then(
                () => undefined,
                (e: unknown) => e,
            );
            assert.ok(error instanceof ProgramError, `${stack} was accepted`);
            assert.deepEqual(error.resources, [], "nothing may be registered before the refusal");
            return error.message;
        };
        for (const stack of ["dev", "pr-", "pr-0", "pr-12a", "review-123", "pr-123-x"]) {
            it(`the stack name ${stack}: a review stack is pr-<number>`, async () => {
                assert.match(await refusal(stack, { "eks-app:imageTag": "pr-1-0123abc" }), /pr-<number> \(e\.g\. pr-123\)/);
            });
        }
        it("an image tag that is not the pull request's own (pr-<n>-…), which could be main's", async () => {
            assert.match(await refusal("pr-123", { "eks-app:imageTag": "0123456789abcdef0123456789abcdef01234567" }), /imageTag .* expected pr-123-<commit>/);
            assert.match(await refusal("pr-123", { "eks-app:imageTag": "pr-124-0123abc" }), /expected pr-123-<commit>/);
        });
        it("a quota its own pods do not fit", async () => {
            assert.match(await refusal("pr-123", { "eks-app:reviewMemoryQuota": "512Mi" }), /reviewMemoryQuota.*do not fit/);
        });
        it("monitoring of its own", async () => {
            assert.match(await refusal("pr-123", { "eks-app:monitoring": "true" }), /monitoring = true is not allowed in a review stack/);
        });
    });
});
