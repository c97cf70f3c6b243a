import { strict as assert } from "assert";
import { redisClaimNames } from "../../components/redis";
import { ProgramRun, runProgram, StackName, testGeneratedPassword } from "../../harness";
import { appContainer, object, redisRelease, redisValues, workloadRuns } from "./support";

describe("workload", () => {
    let runs = {} as Record<StackName, ProgramRun>;
    before(async () => {
        runs = await workloadRuns();
    });
    const each = (test: (run: ProgramRun) => void) => () => (["dev", "prod", "local"] as const).forEach((stack) => test(runs[stack]));

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
});
