// A pull request's review environment: the program run as stack pr-123 with Pulumi.review.yaml (as the review
// workflow runs it), staging's stack read through a mocked StackReference shaped like staging's real outputs.
import { strict as assert } from "assert";
import * as path from "path";
import { ProgramError, ProgramRun, RegisteredResource, repositoryRoot, runProgram, testAccountId, testStagingOutputs } from "../harness";
import { DependencyGraph } from "../harness/graph";
import { cidrContains } from "../components/review/network";
import { admits, Flow, NetworkPolicyObject, PodEndpoint } from "../scripts/manifests/network-policy";
import { kubernetesObjects } from "../scripts/manifests/render";
import { validateObjects } from "../scripts/manifests/schema";
import { representativeStack, runStackFile } from "../scripts/cli";
import { ConfigError, parseSettings } from "../stacks/settings";

const reviewFile = path.join(repositoryRoot, "Pulumi.review.yaml");
const reviewRun = (stack: string, config: Record<string, string> = {}) =>
    runProgram(stack, { configFile: reviewFile, config: { "eks-app:imageTag": `${stack}-0123abc`, ...config } });

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

    it("annotates the namespace with its expiry, reviewLifetimeDays (7) after this update", () => {
        const expiresAt = Date.parse(one(run, "Namespace").inputs.metadata.annotations["eks-app.io/expires-at"]);
        const days = (expiresAt - Date.now()) / (24 * 60 * 60 * 1000);
        assert.ok(days > 6.9 && days <= 7, `expires in ${days} days`);
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

describe("staging's side of review environments (stack dev)", function () {
    this.timeout(5 * 60 * 1000);
    const reviewRole = "eks-app-ci/eks-app-staging-review";
    let run: ProgramRun;
    before(async () => {
        run = await runProgram("dev", { config: { "eks-app:clusterReviewRole": reviewRole } });
    });

    it("exports everything a review stack reads", () => {
        for (const key of Object.keys(testStagingOutputs)) assert.ok(key in run.outputs, `staging does not export ${key}`);
        assert.equal(run.outputs.vpcCidr, testStagingOutputs.vpcCidr);
        assert.ok(run.secretOutputs.has("kubeconfig"));
    });

    it("grants the review role edit access scoped to eks-app-pr-* namespaces, and no cluster-wide access policy", () => {
        const principalArn = `arn:aws:iam::${testAccountId}:role/${reviewRole}`;
        const associations = run.ofType("aws:eks/accessPolicyAssociation:AccessPolicyAssociation").filter((a) => a.inputs.principalArn === principalArn);
        assert.equal(associations.length, 1);
        assert.deepEqual(associations[0].inputs.accessScope, { type: "namespace", namespaces: ["eks-app-pr-*"] });
        assert.match(associations[0].inputs.policyArn, /cluster-access-policy\/AmazonEKSEditPolicy$/);
        const entry = run.ofType("aws:eks/accessEntry:AccessEntry").filter((e) => e.inputs.principalArn === principalArn);
        assert.deepEqual(entry.map((e) => e.inputs.kubernetesGroups), [["eks-app:review-environments"]]);
    });

    it("holds the review role's namespace and quota rights to eks-app-pr-* with restricted Pod Security, by an admission policy", () => {
        const policy = run.resources.find((r) => r.inputs.kind === "ValidatingAdmissionPolicy")!.inputs.spec;
        assert.match(policy.matchConditions[0].expression, /'eks-app:review-environments'/);
        const expressions = policy.validations.map((v: { expression: string }) => v.expression).join("\n");
        assert.match(expressions, /startsWith\('eks-app-pr-'\)/);
        assert.match(expressions, /pod-security\.kubernetes\.io\/enforce'\] == 'restricted'/);
        const binding = run.resources.find((r) => r.inputs.kind === "ValidatingAdmissionPolicyBinding")!.inputs.spec;
        assert.deepEqual(binding.validationActions, ["Deny"]);
    });

    it("grants nothing to review environments when no review role is named", async () => {
        const plain = await runProgram("dev", { without: ["eks-app:clusterReviewRole"] });
        assert.equal(plain.resources.filter((r) => r.type.startsWith("eks-app:review:")).length, 0);
    });
});

describe("the tools on Pulumi.review.yaml (npm run cost, npm run check:manifests)", function () {
    this.timeout(5 * 60 * 1000);

    it("run it as a review stack, standing in for the image tag the workflow sets on each run", async () => {
        const run = await runStackFile({ stack: "pr-5", file: reviewFile });
        assert.equal(run.outputs.imageTag, "pr-5-stand-in");
        const tagged = await runStackFile({ stack: "pr-5", file: reviewFile }, { config: { "eks-app:imageTag": "pr-5-0123abc" } });
        assert.equal(tagged.outputs.imageTag, "pr-5-0123abc");
    });

    it("check the shared file as review stack pr-1 with --all, and other stack files as themselves", () => {
        assert.equal(representativeStack({ stack: "review", file: reviewFile }).stack, "pr-1");
        assert.equal(representativeStack({ stack: "dev", file: path.join(repositoryRoot, "Pulumi.dev.yaml") }).stack, "dev");
    });
});

describe("review settings", () => {
    const settings = (stack: string, config: Record<string, string>) => () =>
        parseSettings({ project: "eks-app", stack, config: { "aws:region": "eu-west-1", ...config } });
    const review = { "eks-app:environment": "review", "eks-app:imageTag": "pr-9-0123abc" };

    it("take the pull request's number from the stack name", () => {
        assert.equal(settings("pr-9", review)().pullRequest, 9);
    });

    it("refuse a lifetime longer than review images are kept, naming the key and what is allowed", () => {
        assert.throws(settings("pr-9", { ...review, "eks-app:reviewLifetimeDays": "30" }), (e: Error) => e instanceof ConfigError && /eks-app:reviewLifetimeDays = "30" is not allowed: expected an integer number of days from 1 to 14/.test(e.message));
    });

    it("refuse review keys in other stacks, and the review role anywhere but staging", () => {
        assert.throws(settings("dev", { "eks-app:environment": "staging", "eks-app:reviewCpuQuota": "2" }), /eks-app:reviewCpuQuota is set in a staging stack: only review stacks/);
        assert.throws(
            settings("prod", { "eks-app:environment": "production", "eks-app:clusterReviewRole": "eks-app-ci/eks-app-staging-review" }),
            /eks-app:clusterReviewRole is set in a production stack: review environments run on staging's cluster only/,
        );
        assert.throws(settings("pr-9", { ...review, "eks-app:clusterReviewRole": "eks-app-ci/eks-app-staging-review" }), /eks-app:clusterReviewRole is not allowed in a review stack/);
    });

    it("refuse a review stack without an image, or with more than one app pod or Redis server", () => {
        assert.throws(settings("pr-9", { "eks-app:environment": "review" }), /eks-app:imageTag is not set: a review stack runs the pull request's own build/);
        assert.throws(settings("pr-9", { ...review, "eks-app:appMaxReplicas": "3" }), /a review environment runs one app pod and one Redis/);
    });
});
