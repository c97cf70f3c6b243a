import { strict as assert } from "assert";
import { redisClaimNames } from "../components/redis";
import { kubernetesObjects } from "../scripts/manifests/render";
import { isCustomResource, validateObjects } from "../scripts/manifests/schema";
import { ProgramRun, RegisteredResource, runProgram, StackName, testGeneratedPassword } from "../harness";

const certificateArn = "arn:aws:acm:eu-west-1:123456789012:certificate/01234567-89ab-cdef-0123-456789abcdef";

function kubernetesResource(run: ProgramRun, kind: string, name: string): RegisteredResource {
    const matches = run.resources.filter((r) => r.custom && r.inputs.kind === kind && r.inputs.metadata?.name === name);
    assert.equal(matches.length, 1, `expected one ${kind} ${name}, found ${matches.length}`);
    return matches[0];
}

const object = (run: ProgramRun, kind: string, name: string) => kubernetesResource(run, kind, name).inputs;
const appPod = (run: ProgramRun) => object(run, "Deployment", "eks-app").spec.template.spec;
const appContainer = (run: ProgramRun) => appPod(run).containers[0];
const redisRelease = (run: ProgramRun) => run.one("kubernetes:helm.sh/v3:Release", "redis");
const redisValues = (run: ProgramRun) => redisRelease(run).inputs.values;

describe("workload", () => {
    const runs = {} as Record<StackName, ProgramRun>;
    before(async () => {
        for (const stack of ["dev", "prod", "local"] as const) runs[stack] = await runProgram(stack);
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

    describe("Redis", () => {
        it("is a pinned redis-ha Helm release from the vendored chart, using the official Redis images", each((run) => {
            const release = redisRelease(run).inputs;
            assert.match(release.chart, /charts\/redis-ha-4\.38\.0\.tgz$/);
            assert.equal(release.version, "4.38.0");
            assert.equal(release.name, "redis-ha");
            assert.equal(release.namespace, "eks-app-redis");
            assert.equal(release.values.image, undefined, "the chart's default image is the official redis image");
            assert.equal(release.atomic, true);
        }));

        it("turns auth on with the password from a Secret the chart reads", each((run) => {
            const values = redisValues(run);
            assert.equal(values.auth, true);
            assert.equal(values.existingSecret, "redis-ha-auth");
            assert.equal(values.sentinel.auth, true);
            const secret = object(run, "Secret", "redis-ha-auth");
            assert.equal(secret.stringData[values.authKey], testGeneratedPassword);
            assert.equal(secret.stringData[values.sentinel.authKey], testGeneratedPassword);
        }));

        it("uses the password from config when the user set one", async () => {
            const configured = await runProgram("dev", { config: { "eks-app:redisPassword": "user-chosen-password-42" } });
            assert.equal(object(configured, "Secret", "redis-ha-auth").stringData.auth, "user-chosen-password-42");
            assert.deepEqual(configured.ofType("random:index/randomPassword:RandomPassword").filter((p) => p.name.startsWith("redis")), []);
        });

        it("persists with AOF on gp3 in staging, gp3-retain (kept on destroy) in production, the default class locally", () => {
            for (const [stack, storageClass] of [["dev", "gp3"], ["prod", "gp3-retain"]] as const) {
                const values = redisValues(runs[stack]);
                assert.equal(values.persistentVolume.enabled, true);
                assert.equal(values.persistentVolume.storageClass, storageClass);
                assert.equal(values.redis.config.appendonly, "yes");
            }
            assert.equal(redisValues(runs.local).persistentVolume.storageClass, undefined);
        });

        it("runs 3 replicas with Sentinel and HAProxy in production, one server in staging", () => {
            const production = redisValues(runs.prod);
            assert.equal(production.replicas, 3);
            assert.equal(production.sentinel.quorum, 2);
            assert.equal(production.haproxy.enabled, true);
            assert.equal(production.redis.config["min-replicas-to-write"], 1);
            const staging = redisValues(runs.dev);
            assert.equal(staging.replicas, 1);
            assert.equal(staging.haproxy.enabled, false);
            assert.equal(staging.redis.config["min-replicas-to-write"], 0, "one replica cannot have a write quorum");
        });

        it("gives the app one REDIS_HOST: HAProxy when replicated, the server otherwise", () => {
            const host = (run: ProgramRun) => appContainer(run).env.find((e: { name: string }) => e.name === "REDIS_HOST").value;
            assert.equal(host(runs.prod), "redis-ha-haproxy.eks-app-redis.svc.cluster.local");
            assert.equal(host(runs.dev), "redis-ha.eks-app-redis.svc.cluster.local");
        });

        it("sets requests and limits on every Redis container and turns the exporter on", each((run) => {
            const values = redisValues(run);
            for (const part of [values.redis, values.sentinel, values.exporter, values.haproxy, values.init, values.splitBrainDetection]) {
                assert.ok(part.resources.requests.cpu && part.resources.requests.memory && part.resources.limits.cpu && part.resources.limits.memory);
            }
            assert.equal(values.exporter.enabled, true);
        }));

        it("admits only the app's pods, Redis itself and the metrics scraper", each((run) => {
            const policy = object(run, "NetworkPolicy", "redis-ingress").spec;
            assert.deepEqual(policy.podSelector, {});
            assert.deepEqual(policy.policyTypes, ["Ingress"]);
            const [app, self, scraper] = policy.ingress;
            assert.deepEqual(app.from, [
                {
                    namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "eks-app" } },
                    podSelector: { matchLabels: { "app.kubernetes.io/name": "eks-app" } },
                },
            ]);
            assert.deepEqual(app.ports, [{ protocol: "TCP", port: 6379 }]);
            assert.deepEqual(self.from, [{ podSelector: {} }]);
            assert.deepEqual(scraper.from, [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } } }]);
            assert.equal(policy.ingress.length, 3);
        }));

        it("owns its volume claims: deleted with staging; in production protected, and their volumes kept by gp3-retain", () => {
            const claims = (run: ProgramRun) => run.resources.filter((r) => r.inputs.kind === "PersistentVolumeClaim");
            assert.deepEqual(claims(runs.prod).map((c) => c.inputs.metadata.name), redisClaimNames(3));
            for (const claim of claims(runs.prod)) {
                assert.equal(claim.options.protect, true);
                assert.equal(claim.inputs.spec.storageClassName, "gp3-retain");
            }
            for (const claim of claims(runs.dev)) {
                assert.equal(claim.options.protect, false);
                assert.equal(claim.inputs.spec.storageClassName, "gp3");
            }
            assert.equal(redisRelease(runs.prod).options.protect, true);
            assert.equal(redisRelease(runs.dev).options.protect, false);
        });

        it("leaves nothing of Redis running after a destroy: namespace, release and claims are never retained", () => {
            for (const run of [runs.dev, runs.prod]) {
                const redis = run.resources.filter((r) => r.parent?.type === "eks-app:workload:Redis");
                assert.ok(redis.length >= 4, run.stack);
                assert.deepEqual(redis.filter((r) => r.options.retainOnDelete).map((r) => `${r.type} ${r.name}`), [], run.stack);
            }
        });
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

    describe("the public entry", () => {
        it("is an internet-facing, cross-zone NLB through annotations the built-in cloud provider understands", () => {
            const service = object(runs.dev, "Service", "eks-app");
            assert.equal(service.spec.type, "LoadBalancer");
            assert.equal(service.metadata.annotations["service.beta.kubernetes.io/aws-load-balancer-type"], "nlb");
            assert.equal(service.metadata.annotations["service.beta.kubernetes.io/aws-load-balancer-internal"], "false");
            assert.equal(service.metadata.annotations["service.beta.kubernetes.io/aws-load-balancer-cross-zone-load-balancing-enabled"], "true");
            assert.deepEqual(service.spec.ports.map((p: { port: number }) => p.port), [80]);
        });

        it("keeps the client's address and takes a draining pod's node out of the NLB within the app's drain delay", each((run) => {
            const service = object(run, "Service", "eks-app");
            assert.equal(service.spec.externalTrafficPolicy, "Local", "Cluster would SNAT: every client would look like a node to the rate limit");
            const annotations: Record<string, string> = service.metadata.annotations;
            const annotation = (name: string): string | undefined => annotations[`service.beta.kubernetes.io/aws-load-balancer-healthcheck-${name}`];
            // A path, port or protocol would replace kube-proxy's per-node check of ready local pods.
            for (const replaced of ["path", "port", "protocol"]) assert.equal(annotation(replaced), undefined, replaced);
            if (run.stack === "local") return;
            const drainDelay = Number(appContainer(run).env.find((e: { name: string }) => e.name === "DRAIN_DELAY_SECONDS").value);
            const interval = Number(annotation("interval"));
            const unhealthyThreshold = Number(annotation("unhealthy-threshold"));
            assert.ok(interval >= 5 && unhealthyThreshold >= 2, "the lowest an NLB accepts");
            assert.ok(interval * unhealthyThreshold < drainDelay, `the NLB needs ${interval * unhealthyThreshold} s to drop the node, the pod drains for ${drainDelay} s`);
            assert.ok(Number(annotation("timeout")) < interval);
        }));

        it("admits only the configured client CIDRs at the load balancer", async () => {
            const office = ["198.51.100.0/24", "203.0.113.7/32"];
            const run = await runProgram("dev", { config: { "eks-app:loadBalancerSourceRanges": JSON.stringify(office) } });
            const service = run.ofType("kubernetes:core/v1:Service").find((s) => s.inputs.spec?.type === "LoadBalancer")!;
            assert.deepEqual(service.inputs.spec.loadBalancerSourceRanges, office);
        });

        it("exports hostname and url from the load balancer", () => {
            assert.equal(runs.dev.outputs.hostname, "app-0123456789.elb.eu-west-1.amazonaws.com");
            assert.equal(runs.dev.outputs.url, "http://app-0123456789.elb.eu-west-1.amazonaws.com");
        });

        it("terminates TLS with the ACM certificate and points the Route 53 name at the load balancer", async () => {
            const withDomain = await runProgram("prod", {
                config: { "eks-app:domainName": "links.example.com", "eks-app:hostedZoneId": "Z0123456789ABCDEFGHIJ", "eks-app:certificateArn": certificateArn },
            });
            const service = object(withDomain, "Service", "eks-app");
            assert.equal(service.metadata.annotations["service.beta.kubernetes.io/aws-load-balancer-ssl-cert"], certificateArn);
            assert.equal(service.metadata.annotations["service.beta.kubernetes.io/aws-load-balancer-ssl-ports"], "https");
            assert.deepEqual(service.spec.ports.map((p: { port: number }) => p.port), [80, 443]);
            const record = withDomain.one("aws:route53/record:Record").inputs;
            assert.deepEqual([record.name, record.type, record.records], ["links.example.com", "CNAME", ["app-0123456789.elb.eu-west-1.amazonaws.com"]]);
            assert.equal(withDomain.outputs.hostname, "links.example.com");
            assert.equal(withDomain.outputs.url, "https://links.example.com");
        });

        it("keeps every secret out of the stack outputs", each((run) => {
            const outputs = JSON.stringify(run.outputs);
            assert.ok(!outputs.includes(testGeneratedPassword), `${run.stack} leaks the Redis password in its outputs`);
        }));
    });

    describe("teardown order", () => {
        it("deletes the LoadBalancer Service and Redis volumes before the node group (they depend on it)", () => {
            for (const stack of ["dev", "prod"] as const) {
                const run = runs[stack];
                const components = ["eks-app:workload:Redis", "eks-app:workload:WebApp"].map((type) => run.one(type));
                for (const component of components) {
                    assert.ok(
                        component.options.dependsOn.some((d) => d.type === "aws:eks/nodeGroup:NodeGroup"),
                        `${stack}: ${component.type} does not depend on the node group`,
                    );
                }
            }
        });

        it("registers no AWS resource for the local stack", () => {
            const aws = runs.local.resources.filter((r) => r.type.startsWith("aws:") || r.type.startsWith("awsx:") || r.type.startsWith("eks:") || r.type === "pulumi:providers:aws");
            assert.deepEqual(aws.map((r) => r.type), []);
            assert.deepEqual(Object.keys(runs.local.outputs).sort(), [
                "grafanaAdminPassword",
                "grafanaPortForward",
                "hostname",
                "image",
                "imageTag",
                "loadBalancerHostname",
                "url",
            ]);
        });
    });
});
