// Karpenter in the real program (index.ts under the harness): what dev and prod register, and the order a
// `pulumi destroy` must follow so every instance Karpenter launched is gone before what it needs.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import { ProgramRun, RegisteredResource, runProgram } from "../../harness";
import { durationMinutes } from "../../components/autoscaling/node-pools";

const key = (r: { type: string; name: string }) => `${r.type}::${r.name}`;

/**
 * What each resource waits for on creation, and so outlives on deletion: its explicit dependsOn (a component stands
 * for everything under it, as the engine expands it), the resources its inputs read, and its parent.
 */
function dependencyGraph(run: ProgramRun): Map<string, Set<string>> {
    const children = new Map<string, string[]>();
    for (const r of run.resources) if (r.parent) children.set(key(r.parent), [...(children.get(key(r.parent)) ?? []), key(r)]);
    const expand = (target: string): string[] => [target, ...(children.get(target) ?? []).flatMap(expand)];
    return new Map(
        run.resources.map((r) => [
            key(r),
            new Set([...r.options.dependsOn.map(key).flatMap(expand), ...(r.dependencies ?? []).map(key), ...(r.parent ? [key(r.parent)] : [])]),
        ]),
    );
}

/** A deletion order the engine could take: nothing goes before everything that depends on it has gone. */
function deletionOrder(graph: Map<string, Set<string>>): string[] {
    const dependents = new Map<string, number>([...graph.keys()].map((k) => [k, 0]));
    for (const deps of graph.values()) for (const dep of deps) dependents.set(dep, (dependents.get(dep) ?? 0) + 1);
    const ready = [...dependents].filter(([, count]) => count === 0).map(([k]) => k);
    const order: string[] = [];
    while (ready.length > 0) {
        const next = ready.shift()!;
        order.push(next);
        for (const dep of graph.get(next) ?? []) {
            dependents.set(dep, dependents.get(dep)! - 1);
            if (dependents.get(dep) === 0) ready.push(dep);
        }
    }
    assert.equal(order.length, graph.size, "the dependency graph has a cycle");
    return order;
}

function transitiveDependencies(graph: Map<string, Set<string>>, start: string): Set<string> {
    const seen = new Set<string>();
    const visit = (node: string) => {
        for (const dep of graph.get(node) ?? []) if (!seen.has(dep)) (seen.add(dep), visit(dep));
    };
    visit(start);
    return seen;
}

const referenceQueue = (() => {
    const cfnTags = ["!Sub", "!Ref", "!GetAtt"].map((tag) => ({ tag, resolve: (value: string) => value }));
    const file = path.join(__dirname, "..", "fixtures", "karpenter-1.14.1-cloudformation.yaml");
    return (parseYaml(fs.readFileSync(file, "utf8"), { customTags: cfnTags as never }) as any).Resources.KarpenterInterruptionQueue.Properties;
})();

for (const stack of ["dev", "prod"] as const) {
    describe(`Karpenter in the ${stack} stack`, () => {
        let run: ProgramRun;
        let graph: Map<string, Set<string>>;
        const nodePools = () => run.ofType("kubernetes:karpenter.sh/v1:NodePool");
        before(async () => {
            run = await runProgram(stack);
            graph = dependencyGraph(run);
        });

        it("deletes the NodePools before the controller, its identity and node role, the node group, the cluster and the VPC", () => {
            const mustOutlive: RegisteredResource[] = [
                run.one("kubernetes:helm.sh/v3:Release", "autoscaling-karpenter"),
                run.one("kubernetes:helm.sh/v3:Release", "autoscaling-karpenter-crd"),
                run.one("kubernetes:karpenter.k8s.aws/v1:EC2NodeClass"),
                run.one("aws:eks/podIdentityAssociation:PodIdentityAssociation", "autoscaling-karpenter"),
                run.one("aws:iam/rolePolicy:RolePolicy", "autoscaling-karpenter"),
                run.one("aws:iam/instanceProfile:InstanceProfile", "autoscaling-karpenter-node"),
                run.one("aws:eks/accessEntry:AccessEntry", "autoscaling-karpenter-node"),
                ...run.ofType("aws:iam/rolePolicyAttachment:RolePolicyAttachment").filter((r) => r.name.startsWith("autoscaling-karpenter-node")),
                run.one("aws:sqs/queue:Queue"),
                run.one("aws:ec2/tag:Tag", "autoscaling-cluster-security-group"),
                run.one("aws:eks/nodeGroup:NodeGroup"),
                run.one("eks:index:Cluster"),
                run.one("awsx:ec2:Vpc"),
            ];
            const order = deletionOrder(graph);
            assert.ok(nodePools().length > 0);
            for (const pool of nodePools()) {
                const outlives = transitiveDependencies(graph, key(pool));
                for (const later of mustOutlive) {
                    assert.ok(outlives.has(key(later)), `${pool.name} must be deleted before ${later.type} ${later.name}`);
                    assert.ok(order.indexOf(key(pool)) < order.indexOf(key(later)));
                }
            }
        });

        it("deletes the workload before the NodePools, so draining never fights a PDB of a stack being torn down", () => {
            const workload = [
                run.one("kubernetes:helm.sh/v3:Release", "redis"),
                ...run.ofType("kubernetes:apps/v1:Deployment"),
                ...run.ofType("kubernetes:core/v1:Service").filter((s) => s.inputs.spec?.type === "LoadBalancer"),
            ];
            for (const resource of workload) {
                const outlives = transitiveDependencies(graph, key(resource));
                for (const pool of nodePools()) assert.ok(outlives.has(key(pool)), `${resource.name} must go before NodePool ${pool.name}`);
            }
        });

        it("bounds every NodePool's drain (terminationGracePeriod) well inside the time a destroy waits for its finalizer", () => {
            // Karpenter respects a PDB until the grace period ends; a pool without one, or with one past the delete
            // timeout, makes `pulumi destroy` time out while a protected pod still runs.
            for (const pool of nodePools()) {
                const grace = pool.inputs.spec.template.spec.terminationGracePeriod;
                assert.ok(grace, `${pool.name} has no terminationGracePeriod`);
                const deleteTimeout = pool.options.customTimeouts?.delete;
                assert.ok(deleteTimeout, `${pool.name} has no delete timeout`);
                assert.ok(durationMinutes(deleteTimeout) >= durationMinutes(grace) + 10, `${pool.name}: drain up to ${grace}, destroy waits ${deleteTimeout}`);
            }
        });

        it("gives the controller its role through Pod Identity, for its own service account only", () => {
            const association = run.one("aws:eks/podIdentityAssociation:PodIdentityAssociation", "autoscaling-karpenter");
            assert.deepEqual([association.inputs.namespace, association.inputs.serviceAccount], ["kube-system", "karpenter"]);
            const release = run.one("kubernetes:helm.sh/v3:Release", "autoscaling-karpenter");
            assert.deepEqual([release.inputs.namespace, release.inputs.name], ["kube-system", "karpenter"]);
            assert.ok(transitiveDependencies(graph, key(release)).has(key(association)), "pods started before the association get no credentials");
        });

        it("lets Karpenter's nodes join through an EC2_LINUX access entry for the Karpenter node role", () => {
            const entry = run.one("aws:eks/accessEntry:AccessEntry", "autoscaling-karpenter-node");
            const role = run.one("aws:iam/role:Role", "autoscaling-karpenter-node");
            assert.equal(entry.inputs.type, "EC2_LINUX");
            assert.match(entry.inputs.principalArn, new RegExp(`role/eks-app/${stack}/${role.name}$`));
        });

        it("wires the controller to an encrypted interruption queue kept as briefly as the reference keeps it", () => {
            const queue = run.one("aws:sqs/queue:Queue");
            assert.equal(queue.inputs.sqsManagedSseEnabled, referenceQueue.SqsManagedSseEnabled);
            assert.equal(queue.inputs.messageRetentionSeconds, referenceQueue.MessageRetentionPeriod);
            const values = run.one("kubernetes:helm.sh/v3:Release", "autoscaling-karpenter").inputs.values;
            assert.equal(values.settings.interruptionQueue, queue.inputs.name);
            assert.equal(values.settings.clusterName, `eks-app-${stack}`);
            const targets = run.ofType("aws:cloudwatch/eventTarget:EventTarget");
            assert.equal(targets.length, 5);
            for (const target of targets) assert.ok(target.dependencies?.some((d) => key(d) === key(queue)), target.name);
        });

        it("tags the private subnets and the cluster security group, nothing public, for discovery", () => {
            const specs = run.one("awsx:ec2:Vpc").inputs.subnetSpecs as { type: string; tags: Record<string, string> }[];
            const tagged = specs.filter((spec) => spec.tags["karpenter.sh/discovery"] === `eks-app-${stack}`).map((spec) => spec.type);
            assert.deepEqual(tagged, ["Private"]);
            const tag = run.one("aws:ec2/tag:Tag", "autoscaling-cluster-security-group");
            assert.deepEqual([tag.inputs.key, tag.inputs.value], ["karpenter.sh/discovery", `eks-app-${stack}`]);
        });

        it("builds nodes from the pinned AMI release in config, with the project's volume key", () => {
            const spec = run.one("kubernetes:karpenter.k8s.aws/v1:EC2NodeClass").inputs.spec;
            assert.match(spec.amiSelectorTerms[0].alias, /^al2023@v\d{8}$/);
            const volumeKey = run.ofType("aws:kms/key:Key").find((k) => k.name.endsWith("volumes"))!;
            assert.match(spec.blockDeviceMappings[0].ebs.kmsKeyID, new RegExp(`key/${volumeKey.name}$`));
        });

        it("schedules the app and Redis (servers and HAProxy) onto the profile's NodePools", () => {
            const expected = stack === "dev" ? { app: ["spot"], redis: ["spot"] } : { app: ["on-demand", "app-spot"], redis: ["on-demand"] };
            const poolsOf = (affinity: any) => affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0];
            const app = run.ofType("kubernetes:apps/v1:Deployment").find((d) => d.inputs.metadata.name === "eks-app")!;
            assert.deepEqual(poolsOf(app.inputs.spec.template.spec.affinity), { key: "karpenter.sh/nodepool", operator: "In", values: expected.app });
            const redisValues = run.one("kubernetes:helm.sh/v3:Release", "redis").inputs.values;
            assert.deepEqual(poolsOf(redisValues.additionalAffinities).values, expected.redis);
            assert.deepEqual(poolsOf(redisValues.haproxy.additionalAffinities).values, expected.redis);
            const existing = run.ofType("kubernetes:karpenter.sh/v1:NodePool").map((pool) => pool.inputs.metadata.name);
            for (const pool of [...expected.app, ...expected.redis]) assert.ok(existing.includes(pool), pool);
        });

        it(stack === "prod" ? "lets only the app onto spot, spread over spot and on-demand" : "has no tainted pool to tolerate", () => {
            const app = run.ofType("kubernetes:apps/v1:Deployment").find((d) => d.inputs.metadata.name === "eks-app")!.inputs.spec.template.spec;
            const redisValues = run.one("kubernetes:helm.sh/v3:Release", "redis").inputs.values;
            const spreadsOverCapacity = app.topologySpreadConstraints.some((c: { topologyKey: string }) => c.topologyKey === "karpenter.sh/capacity-type");
            assert.equal(app.tolerations.length > 0, stack === "prod");
            assert.equal(spreadsOverCapacity, stack === "prod");
            assert.deepEqual(redisValues.tolerations, []);
        });

        it(stack === "dev" ? "keeps consolidation away from the lone Redis server" : "lets Redis's PDB, not an annotation, pace its disruption", () => {
            const values = run.one("kubernetes:helm.sh/v3:Release", "redis").inputs.values;
            const pinned = values.redis.podAnnotations?.["karpenter.sh/do-not-disrupt"] === "true";
            assert.equal(pinned, stack === "dev");
            if (stack === "prod") assert.deepEqual(values.podDisruptionBudget, { maxUnavailable: 1 });
        });

        it("caps every NodePool at the configured CPU and memory", async () => {
            const capped = await runProgram(stack, { config: { "eks-app:nodePoolCpuLimit": "40", "eks-app:nodePoolMemoryLimitGiB": "160" } });
            for (const pool of capped.ofType("kubernetes:karpenter.sh/v1:NodePool")) assert.deepEqual(pool.inputs.spec.limits, { cpu: "40", memory: "160Gi" });
        });
    });
}

describe("Karpenter per profile", () => {
    it("staging may spend less than production, and the local stack has no Karpenter at all", async () => {
        // One at a time: the mocks are process-wide.
        const dev = await runProgram("dev");
        const prod = await runProgram("prod");
        const local = await runProgram("local");
        const cpu = (run: ProgramRun) => Math.max(...run.ofType("kubernetes:karpenter.sh/v1:NodePool").map((p) => Number(p.inputs.spec.limits.cpu)));
        assert.ok(cpu(dev) < cpu(prod), `staging ${cpu(dev)} vCPUs per pool, production ${cpu(prod)}`);
        assert.deepEqual(local.resources.filter((r) => /karpenter/.test(r.type) || r.type.startsWith("eks-app:autoscaling")), []);
    });
});
