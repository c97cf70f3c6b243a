// `pulumi destroy` deletes a resource only once everything that depends on it is gone. These tests walk the
// registered graph in that order and check what must be gone before what, so a destroy leaves nothing behind.
import { strict as assert } from "assert";
import { ProgramRun, RegisteredResource, runProgram } from "../harness";
import { DependencyGraph } from "../harness/graph";

describe("teardown order", () => {
    const runs: ProgramRun[] = [];
    before(async () => {
        runs.push(await runProgram("dev"), await runProgram("prod"));
    });

    const named = (run: ProgramRun, type: string, predicate: (r: RegisteredResource) => boolean = () => true) => {
        const found = run.ofType(type).filter(predicate);
        assert.ok(found.length > 0, `${run.stack}: no ${type}`);
        return found;
    };

    function assertDeletedBefore(run: ProgramRun, first: RegisteredResource[], second: RegisteredResource[]) {
        const graph = new DependencyGraph(run);
        for (const a of first) {
            for (const b of second) assert.ok(graph.deletedBefore(a, b), `${run.stack}: ${a.type} ${a.name} is not deleted before ${b.type} ${b.name}`);
        }
    }

    it("deletes the load balancer Service, the Helm releases and the volume claims before the nodes and the EBS CSI driver", () => {
        for (const run of runs) {
            const workload = [
                ...named(run, "kubernetes:core/v1:Service", (s) => s.inputs.spec?.type === "LoadBalancer"),
                ...named(run, "kubernetes:helm.sh/v3:Release"),
                ...named(run, "kubernetes:core/v1:PersistentVolumeClaim"),
            ];
            const platform = [
                ...named(run, "aws:eks/nodeGroup:NodeGroup"),
                ...named(run, "aws:eks/addon:Addon", (a) => a.inputs.addonName === "aws-ebs-csi-driver"),
                ...named(run, "aws:iam/rolePolicy:RolePolicy", (p) => p.name.endsWith("-ebs-csi")),
                ...named(run, "aws:iam/role:Role", (r) => r.name.endsWith("-ebs-csi")),
            ];
            assertDeletedBefore(run, workload, platform);
        }
    });

    it("pauses after the claims for the driver to delete released volumes, before the driver goes", () => {
        for (const run of runs) {
            const pause = named(run, "pulumi-nodejs:dynamic:Resource", (r) => r.name.endsWith("-volume-reclaim"));
            assertDeletedBefore(run, named(run, "kubernetes:core/v1:PersistentVolumeClaim"), pause);
            assertDeletedBefore(run, pause, named(run, "aws:eks/addon:Addon", (a) => a.inputs.addonName === "aws-ebs-csi-driver"));
        }
    });

    it("deletes production's Redis (release, namespace, claims) before the NodePools, keeping only its volumes", () => {
        const production = runs[1];
        const redis = production.resources.filter((r) => r.parent?.type === "eks-app:workload:Redis" && r.custom);
        assert.ok(redis.some((r) => r.type === "kubernetes:helm.sh/v3:Release") && redis.some((r) => r.type === "kubernetes:core/v1:Namespace"));
        assert.deepEqual(redis.filter((r) => r.options.retainOnDelete).map((r) => r.name), []);
        assertDeletedBefore(production, redis, named(production, "kubernetes:karpenter.sh/v1:NodePool"));
        // Their volumes: Retain, so deleting a claim leaves its EBS volume in EC2.
        const classes = new Set(redis.filter((r) => r.type === "kubernetes:core/v1:PersistentVolumeClaim").map((claim) => claim.inputs.spec.storageClassName));
        const retained = named(production, "kubernetes:storage.k8s.io/v1:StorageClass", (c) => c.inputs.reclaimPolicy === "Retain").map((c) => c.inputs.metadata.name);
        assert.deepEqual([...classes], retained);
    });

    it("deletes every addon before the cluster, and the cluster before the VPC", () => {
        for (const run of runs) {
            const cluster = named(run, "eks:index:Cluster");
            assertDeletedBefore(run, named(run, "aws:eks/addon:Addon"), cluster);
            assertDeletedBefore(run, cluster, named(run, "awsx:ec2:Vpc"));
        }
    });

    it("sees a missing edge: without its dependsOn, the gp3 class would not wait for the EBS CSI driver", () => {
        const run = runs[0];
        const storageClass = run.one("kubernetes:storage.k8s.io/v1:StorageClass", "-gp3");
        const withoutExplicit = { ...storageClass, options: { ...storageClass.options, dependsOn: [] } };
        const graph = new DependencyGraph({ ...run, resources: run.resources.map((r) => (r === storageClass ? withoutExplicit : r)) });
        const driver = run.ofType("aws:eks/addon:Addon").find((a) => a.inputs.addonName === "aws-ebs-csi-driver")!;
        assert.equal(graph.deletedBefore(withoutExplicit, driver), false);
        assert.equal(new DependencyGraph(run).deletedBefore(storageClass, driver), true);
    });
});
