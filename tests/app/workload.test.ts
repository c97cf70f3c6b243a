import { strict as assert } from "assert";
import { kubernetesObjects } from "../../scripts/manifests/render";
import { isCustomResource, validateObjects } from "../../scripts/manifests/schema";
import { ProgramRun, runProgram, StackName, testGeneratedPassword } from "../../harness";
import { appContainer, appPod, kubernetesResource, object, workloadRuns } from "./support";

describe("workload", () => {
    let runs = {} as Record<StackName, ProgramRun>;
    before(async () => {
        runs = await workloadRuns();
    });
    const each = (test: (run: ProgramRun) => void) => () => (["dev", "prod", "local"] as const).forEach((stack) => test(runs[stack]));

    it("validates every Kubernetes object against the Kubernetes 1.34 schema, unknown fields rejected", async () => {
        for (const run of Object.values(runs)) {
            // Custom resources (Karpenter's, the monitoring stack's) are validated against their CRDs in their own tests.
            const rendered = kubernetesObjects(run).filter((r) => !isCustomResource(r.object.apiVersion));
            assert.ok(rendered.length >= 13, `${run.stack}: only ${rendered.length} objects`);
            const partial = new Set(rendered.filter((r) => r.partial).map((r) => r.object));
            const problems = await validateObjects(rendered.map((r) => r.object), { partial: (o) => partial.has(o) });
            assert.deepEqual(problems, [], `${run.stack}: ${JSON.stringify(problems, null, 2)}`);
        }
    });

    describe("the app", () => {
        it("lives in a namespace that enforces the restricted Pod Security Standard", each((run) => {
            const labels = object(run, "Namespace", "eks-app").metadata.labels;
            assert.equal(labels["pod-security.kubernetes.io/enforce"], "restricted");
        }));

        it("runs under its own ServiceAccount with no token automounted", each((run) => {
            assert.equal(object(run, "ServiceAccount", "eks-app").automountServiceAccountToken, false);
            assert.equal(appPod(run).serviceAccountName, "eks-app");
            assert.equal(appPod(run).automountServiceAccountToken, false);
        }));

        it("deploys by digest the tag CI pushed, or the image it built itself", async () => {
            assert.match(appContainer(runs.dev).image, /^123456789012\.dkr\.ecr\.eu-west-1\.amazonaws\.com\/eks-app-dev@sha256:a{64}$/);
            assert.equal(runs.dev.one("awsx:ecr:Image").inputs.platform, "linux/amd64");
            assert.match(runs.dev.one("awsx:ecr:Image").inputs.imageTag, /^src-[0-9a-f]{16}$/);
            const fromCi = await runProgram("dev", { config: { "eks-app:imageTag": "3f9c2e1" } });
            assert.match(appContainer(fromCi).image, /^123456789012\.dkr\.ecr\.eu-west-1\.amazonaws\.com\/eks-app-dev@sha256:b{64}$/);
            assert.equal(fromCi.ofType("awsx:ecr:Image").length, 0, "nothing is built when CI gives a tag");
            assert.equal(fromCi.outputs.imageTag, "3f9c2e1");
            assert.equal(appContainer(runs.local).image, "eks-app:local");
        });

        it("passes Redis's address and credentials, the password only through the Secret", each((run) => {
            const env = Object.fromEntries(appContainer(run).env.map((e: { name: string; value?: string; valueFrom?: unknown }) => [e.name, e.value ?? e.valueFrom]));
            for (const key of ["REDIS_HOST", "REDIS_PASSWORD", "REDIS_PORT", "REDIS_USERNAME"]) assert.ok(key in env, key);
            assert.ok(!JSON.stringify(env).includes(testGeneratedPassword), "no plaintext password in the pod spec");
            assert.equal(env.REDIS_PORT, "6379");
            assert.deepEqual(env.REDIS_PASSWORD, { secretKeyRef: { name: "eks-app-redis", key: "password" } });
            assert.equal(object(run, "Secret", "eks-app-redis").stringData.password, testGeneratedPassword);
        }));

        it("probes startup, readiness and liveness on the health endpoints", each((run) => {
            const container = appContainer(run);
            assert.equal(container.startupProbe.httpGet.path, "/healthz");
            assert.equal(container.readinessProbe.httpGet.path, "/readyz");
            assert.equal(container.livenessProbe.httpGet.path, "/healthz");
        }));

        it("sets requests and limits from config", async () => {
            const tuned = await runProgram("dev", { config: { "eks-app:appCpuLimit": "1", "eks-app:appMemoryLimit": "1Gi" } });
            assert.deepEqual(appContainer(tuned).resources, {
                requests: { cpu: "100m", memory: "128Mi" },
                limits: { cpu: "1", memory: "1Gi" },
            });
        });

        it("runs with a restricted security context", each((run) => {
            const pod = appPod(run);
            assert.equal(pod.securityContext.runAsNonRoot, true);
            assert.equal(pod.securityContext.seccompProfile.type, "RuntimeDefault");
            assert.deepEqual(appContainer(run).securityContext, {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                runAsNonRoot: true,
                privileged: false,
                capabilities: { drop: ["ALL"] },
                seccompProfile: { type: "RuntimeDefault" },
            });
        }));

        it("spreads pods across zones and nodes", each((run) => {
            const keys = appPod(run).topologySpreadConstraints.map((c: { topologyKey: string }) => c.topologyKey);
            assert.ok(keys.includes("topology.kubernetes.io/zone") && keys.includes("kubernetes.io/hostname"), keys.join(", "));
        }));

        it("rolls out without dropping capacity, drains before stopping, and fails a stuck rollout within minutes", each((run) => {
            const deployment = kubernetesResource(run, "Deployment", "eks-app");
            assert.deepEqual(deployment.inputs.spec.strategy.rollingUpdate, { maxUnavailable: 0, maxSurge: 1 });
            assert.equal(deployment.inputs.spec.replicas, undefined, "the HPA owns the replica count");
            const drainDelay = Number(appContainer(run).env.find((e: { name: string }) => e.name === "DRAIN_DELAY_SECONDS").value);
            assert.ok(drainDelay >= 10, "long enough for endpoints and the load balancer to let go of the pod");
            // The drain, then up to 10 s for in-flight requests (the app's SHUTDOWN_TIMEOUT_SECONDS), before SIGKILL.
            assert.ok(appPod(run).terminationGracePeriodSeconds > drainDelay + 10);
            assert.ok(deployment.inputs.spec.progressDeadlineSeconds <= 300);
            assert.deepEqual(deployment.options.customTimeouts, { create: "6m", update: "6m" });
        }));

        it("has a PodDisruptionBudget and a CPU HorizontalPodAutoscaler bounded by config", () => {
            const expected = { dev: [2, 4], prod: [3, 10], local: [1, 2] } as const;
            for (const [stack, [min, max]] of Object.entries(expected)) {
                const run = runs[stack as StackName];
                const hpa = object(run, "HorizontalPodAutoscaler", "eks-app").spec;
                assert.deepEqual([hpa.minReplicas, hpa.maxReplicas], [min, max], stack);
                assert.equal(hpa.metrics[0].resource.name, "cpu");
                assert.deepEqual(object(run, "PodDisruptionBudget", "eks-app").spec.selector.matchLabels, { "app.kubernetes.io/name": "eks-app" });
            }
        });

        it("denies all traffic by default and allows exactly the app port in, Redis and DNS out", each((run) => {
            assert.deepEqual(object(run, "NetworkPolicy", "default-deny").spec, { podSelector: {}, policyTypes: ["Ingress", "Egress"] });
            const allow = object(run, "NetworkPolicy", "eks-app-allow").spec;
            assert.deepEqual(allow.ingress, [{ ports: [{ protocol: "TCP", port: 8080 }] }]);
            assert.equal(allow.egress.length, 2);
            assert.deepEqual(allow.egress[0].to, [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "eks-app-redis" } } }]);
            assert.deepEqual(allow.egress[0].ports, [{ protocol: "TCP", port: 6379 }]);
            assert.deepEqual(allow.egress[1].ports.map((p: { port: number }) => p.port), [53, 53]);
        }));

        it("has the VPC CNI enforce NetworkPolicies on EKS", () => {
            const cni = runs.dev.one("aws:eks/addon:Addon", "-vpc-cni").inputs;
            assert.deepEqual(JSON.parse(cni.configurationValues), { enableNetworkPolicy: "true" });
        });
    });
});
