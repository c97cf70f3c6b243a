// The redis-ha chart rendered by real Helm from the vendored package, with the values the program passes for each
// stack: what a deploy would create, held against the chart, the Kubernetes schema, Pod Security and the
// program's own NetworkPolicies.
import { strict as assert } from "assert";
import { chartDefaultValues, KubernetesObject, renderChart, unknownValueKeys } from "../../harness/helm";
import { ProgramRun, RegisteredResource, runProgram, StackName } from "../../harness";
import { admits, Flow, NetworkPolicyObject, PodEndpoint, selects } from "../../scripts/manifests/network-policy";
import { podSpecOf, restrictedViolations } from "../../scripts/manifests/pod-security";
import { validateObjects } from "../../scripts/manifests/schema";
import { renderedPolicyResources } from "../../harness/rendered";
import { evaluatePolicies } from "../../policy/lib/evaluate";
import { guardrails } from "../../policy/policies";
import { mebibytes } from "../../stacks/quantities";

interface Rendered {
    run: ProgramRun;
    release: RegisteredResource;
    namespace: string;
    /** What a Release installs: the chart's `helm test` hooks are left out, as Pulumi never runs them. */
    objects: KubernetesObject[];
}

function render(run: ProgramRun): Rendered {
    const release = run.ofType("kubernetes:helm.sh/v3:Release").find((r) => r.inputs.name === "redis-ha");
    if (!release) throw new Error(`${run.stack}: no redis-ha release`);
    const { chart, name, namespace, values } = release.inputs;
    const objects = renderChart({ chart, release: name, namespace, values }).filter(
        (object) => !(object.metadata.annotations?.["helm.sh/hook"] ?? "").startsWith("test"),
    );
    return { run, release, namespace, objects };
}

const podTemplates = (objects: KubernetesObject[]) =>
    objects.filter((o) => o.kind === "StatefulSet" || o.kind === "Deployment").map((o) => ({ owner: o, template: o.spec.template }));

function programNetworkPolicies(run: ProgramRun): NetworkPolicyObject[] {
    return run.ofType("kubernetes:networking.k8s.io/v1:NetworkPolicy").map((p) => p.inputs as NetworkPolicyObject);
}

function appPod(run: ProgramRun): PodEndpoint & { redisHost: string } {
    const deployment = run.ofType("kubernetes:apps/v1:Deployment").find((d) => d.inputs.metadata.name === "eks-app")!;
    const env = deployment.inputs.spec.template.spec.containers[0].env as { name: string; value?: string }[];
    return {
        namespace: deployment.inputs.metadata.namespace,
        labels: deployment.inputs.spec.template.metadata.labels,
        redisHost: env.find((e) => e.name === "REDIS_HOST")!.value!,
    };
}

/** The container port a Service port leads to, on the pods it selects. */
function containerPorts(template: any, targetPort: number | string): { port: number; portName?: string }[] {
    return template.spec.containers
        .flatMap((c: any) => c.ports ?? [])
        .filter((p: any) => p.name === targetPort || p.containerPort === targetPort)
        .map((p: any) => ({ port: p.containerPort, portName: p.name }));
}

describe("redis-ha as the real chart renders it", function () {
    this.timeout(120_000);
    const rendered = {} as Record<StackName, Rendered>;

    before(async () => {
        for (const stack of ["dev", "prod", "local"] as const) rendered[stack] = render(await runProgram(stack));
    });

    it("is deployed from the vendored package, whose version the release states", () => {
        for (const { release } of Object.values(rendered)) {
            assert.match(release.inputs.chart, /\/charts\/redis-ha-4\.38\.0\.tgz$/);
            assert.equal(release.inputs.version, "4.38.0");
            assert.equal(release.inputs.repositoryOpts, undefined);
        }
    });

    it("sets only values keys the chart has (Helm ignores unknown ones silently)", () => {
        for (const [stack, { release, objects }] of Object.entries(rendered)) {
            // redis.config is a free-form map the chart writes line by line into redis.conf (checked below), and
            // haproxy.deploymentStrategy one it copies into the Deployment (the policy pack checks the result).
            const freeForm = ["redis.config", "haproxy.deploymentStrategy"];
            assert.deepEqual(unknownValueKeys(release.inputs.values, chartDefaultValues(release.inputs.chart), freeForm), [], stack);
            const config = objects.find((o) => o.kind === "ConfigMap" && o.metadata.name === "redis-ha-configmap")!.data["redis.conf"] as string;
            for (const [key, value] of Object.entries(release.inputs.values.redis.config)) {
                assert.match(config, new RegExp(`^${key} ${value}$`, "m"), `${stack}: redis.config.${key}`);
            }
        }
    });

    it("renders objects that validate against the Kubernetes schema", async () => {
        for (const [stack, { objects }] of Object.entries(rendered)) {
            assert.deepEqual(await validateObjects(objects), [], stack);
        }
    });

    it("renders objects that pass the policy pack", async () => {
        for (const [stack, { objects }] of Object.entries(rendered)) {
            const violations = await evaluatePolicies(guardrails, renderedPolicyResources(objects, "redis-ha", stack));
            assert.deepEqual(violations.map((v) => `${v.policy}: ${v.message}`), [], stack);
        }
    });

    it("runs every pod at Pod Security 'restricted', which its namespace enforces", () => {
        for (const [stack, { run, objects, namespace }] of Object.entries(rendered)) {
            const ns = run.ofType("kubernetes:core/v1:Namespace").find((n) => n.inputs.metadata.name === namespace)!;
            assert.equal(ns.inputs.metadata.labels["pod-security.kubernetes.io/enforce"], "restricted", stack);
            for (const object of objects) {
                const spec = podSpecOf(object);
                if (spec) assert.deepEqual(restrictedViolations(spec), [], `${stack}: ${object.kind} ${object.metadata.name}`);
            }
        }
    });

    it("mounts no service-account token in any pod (none of them talks to the Kubernetes API)", () => {
        for (const [stack, { objects }] of Object.entries(rendered)) {
            for (const { owner, template } of podTemplates(objects)) {
                assert.equal(template.spec.automountServiceAccountToken, false, `${stack}: ${owner.metadata.name}`);
            }
        }
    });

    it("gives production's HAProxy pods a disruption budget, so a drain keeps one serving", () => {
        const budgets = rendered.prod.objects.filter((o) => o.kind === "PodDisruptionBudget");
        const haproxy = rendered.prod.objects.find((o) => o.kind === "Deployment" && o.metadata.name === "redis-ha-haproxy")!;
        const covering = budgets.filter((b) => selects(b.spec.selector, haproxy.spec.template.metadata.labels));
        assert.equal(covering.length, 1);
        assert.equal(covering[0].spec.maxUnavailable, 1);
    });

    it("caps the dataset with maxmemory at half the container limit, so noeviction applies before the OOM killer", () => {
        const limits: Record<string, number> = {};
        for (const [stack, { objects }] of Object.entries(rendered)) {
            const config = objects.find((o) => o.kind === "ConfigMap" && o.metadata.name === "redis-ha-configmap")!.data["redis.conf"] as string;
            const maxmemory = Number(/^maxmemory (\d+)mb$/m.exec(config)?.[1]);
            assert.match(config, /^maxmemory-policy noeviction$/m);
            const server = objects.find((o) => o.kind === "StatefulSet")!.spec.template.spec.containers.find((c: any) => c.name === "redis");
            const limitMi = mebibytes(server.resources.limits.memory);
            assert.ok(maxmemory > 0 && maxmemory * 2 <= limitMi, `${stack}: maxmemory ${maxmemory}mb, limit ${limitMi}Mi`);
            limits[stack] = maxmemory;
        }
        assert.deepEqual(limits, { dev: 256, prod: 512, local: 128 });
    });

    it("owns exactly the volume claims the StatefulSet will ask for, with the same class, size and access", () => {
        for (const [stack, { run, objects, namespace }] of Object.entries(rendered)) {
            const statefulSet = objects.find((o) => o.kind === "StatefulSet")!;
            const [template] = statefulSet.spec.volumeClaimTemplates;
            const expected = Array.from({ length: statefulSet.spec.replicas }, (_, i) => `${template.metadata.name}-${statefulSet.metadata.name}-${i}`);
            const owned = run.ofType("kubernetes:core/v1:PersistentVolumeClaim").filter((c) => c.inputs.metadata.namespace === namespace);
            assert.deepEqual(owned.map((c) => c.inputs.metadata.name).sort(), expected.sort(), stack);
            for (const claim of owned) {
                assert.equal(claim.inputs.spec.storageClassName, template.spec.storageClassName, stack);
                assert.deepEqual(claim.inputs.spec.resources, template.spec.resources, stack);
                assert.deepEqual(claim.inputs.spec.accessModes, template.spec.accessModes, stack);
            }
        }
    });

    it("gives the app a Service that exists and leads to the master", () => {
        for (const [stack, { run, objects, namespace }] of Object.entries(rendered)) {
            const { redisHost } = appPod(run);
            const [serviceName, serviceNamespace] = redisHost.split(".");
            assert.equal(serviceNamespace, namespace, stack);
            const service = objects.find((o) => o.kind === "Service" && o.metadata.name === serviceName);
            assert.ok(service, `${stack}: the app is given ${redisHost}, which the chart does not create`);
            const port = service.spec.ports.find((p: any) => p.port === 6379);
            assert.ok(port, `${stack}: ${serviceName} has no port 6379`);
            const backends = podTemplates(objects).filter(({ template }) => selects({ matchLabels: service.spec.selector }, template.metadata.labels));
            assert.equal(backends.length, 1, `${stack}: ${serviceName} selects ${backends.length} workloads`);
            const backend = backends[0].owner;
            if (backend.kind === "StatefulSet") {
                // Without Sentinel there is one server, and it is the master.
                assert.equal(backend.spec.replicas, 1, stack);
            } else {
                const haproxyConfig = objects.find((o) => o.kind === "ConfigMap" && o.metadata.name === "redis-ha-configmap")!.data["haproxy.cfg"];
                assert.match(haproxyConfig, /tcp-check expect string role:master/, `${stack}: HAProxy does not route to the master only`);
            }
        }
    });

    it("makes Sentinel fail over only with a majority, for every allowed replica count", async () => {
        const quorums: Record<number, number> = {};
        for (const replicas of [3, 4, 5]) {
            const { objects } = render(await runProgram("prod", { config: { "eks-app:redisReplicas": String(replicas) } }));
            const init = objects.find((o) => o.kind === "ConfigMap" && o.metadata.name === "redis-ha-configmap")!.data["init.sh"] as string;
            quorums[replicas] = Number(/QUORUM="(\d+)"/.exec(init)?.[1]);
        }
        assert.deepEqual(quorums, { 3: 2, 4: 3, 5: 3 });
    });

    describe("NetworkPolicies", () => {
        function flowsTo(objects: KubernetesObject[], namespace: string, from: PodEndpoint, ports: (string | number)[]): Flow[] {
            return podTemplates(objects).flatMap(({ template }) =>
                ports.flatMap((port) =>
                    containerPorts(template, port).map((target) => ({ from, to: { namespace, labels: template.metadata.labels }, ...target })),
                ),
            );
        }

        it("admit every flow among the chart's own pods: replication, Sentinel and HAProxy's checks", () => {
            for (const [stack, { run, objects, namespace }] of Object.entries(rendered)) {
                const policies = programNetworkPolicies(run);
                for (const { template } of podTemplates(objects)) {
                    const from = { namespace, labels: template.metadata.labels };
                    for (const flow of flowsTo(objects, namespace, from, ["redis", "sentinel"])) {
                        assert.ok(admits(policies, flow), `${stack}: ${JSON.stringify(flow)}`);
                    }
                }
            }
        });

        it("admit the app to the Service it is given, and nothing else from its namespace or elsewhere", () => {
            for (const [stack, { run, objects, namespace }] of Object.entries(rendered)) {
                const policies = programNetworkPolicies(run);
                const app = appPod(run);
                const service = objects.find((o) => o.kind === "Service" && o.metadata.name === app.redisHost.split(".")[0])!;
                const backend = podTemplates(objects).find(({ template }) => selects({ matchLabels: service.spec.selector }, template.metadata.labels))!;
                const targets = containerPorts(backend.template, service.spec.ports.find((p: any) => p.port === 6379).targetPort);
                const to = { namespace, labels: backend.template.metadata.labels };
                for (const target of targets) {
                    assert.ok(admits(policies, { from: app, to, ...target }), `${stack}: app → ${service.metadata.name}`);
                    assert.ok(!admits(policies, { from: { ...app, labels: { "app.kubernetes.io/name": "other" } }, to, ...target }), `${stack}: another pod`);
                    assert.ok(!admits(policies, { from: { namespace: "default", labels: app.labels }, to, ...target }), `${stack}: another namespace`);
                }
                for (const flow of flowsTo(objects, namespace, app, ["sentinel", "exporter-port"])) {
                    assert.ok(!admits(policies, flow), `${stack}: the app reaches ${flow.portName}`);
                }
            }
        });

        it("admit the metrics namespace to the exporter and HAProxy's metrics, and to nothing else", () => {
            for (const [stack, { run, objects, namespace }] of Object.entries(rendered)) {
                const policies = programNetworkPolicies(run);
                const scraper = { namespace: "monitoring", labels: { "app.kubernetes.io/name": "prometheus" } };
                const metricsFlows = flowsTo(objects, namespace, scraper, ["exporter-port", "metrics-port"]);
                assert.ok(metricsFlows.length > 0, stack);
                for (const flow of metricsFlows) assert.ok(admits(policies, flow), `${stack}: ${flow.portName}`);
                for (const flow of flowsTo(objects, namespace, scraper, ["redis", "sentinel"])) {
                    assert.ok(!admits(policies, flow), `${stack}: monitoring reaches ${flow.portName}`);
                }
            }
        });
    });
});
