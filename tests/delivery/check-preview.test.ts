import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { runProgram, RegisteredResource } from "../../harness";
import { destructiveChanges, Guard, guardedBecause, guardFromProgram, parsePreview, PreviewStep, resourceFromUrn } from "../../scripts/deploy/check-preview";
import { deployScripts, repositoryRoot } from "./run-script";

const fixture = (name: string) => join(__dirname, "fixtures", name);

function checkPreviewCli(file: string) {
    return spawnSync(process.execPath, ["-r", join(repositoryRoot, "harness", "ts-register.js"), join(deployScripts, "check-preview.ts"), "--stack", "dev", file], {
        cwd: repositoryRoot,
        encoding: "utf8",
    });
}

/** A step as `pulumi preview --json` prints it by default for a resource the program registers (parents elided). */
const stepFor = (stack: string, resource: Pick<RegisteredResource, "type" | "name" | "parent">, op: string): PreviewStep => ({
    op,
    urn: `urn:pulumi:${stack}::eks-app::${resource.parent === undefined ? "" : `${resource.parent.type}$`}${resource.type}::${resource.name}`,
});

describe("check-preview.ts (replacement of stateful resources)", () => {
    let guard: Guard;
    let programs: { dev: RegisteredResource[]; prod: RegisteredResource[] };
    const changesIn = (name: string) => destructiveChanges(parsePreview(readFileSync(fixture(name), "utf8")), guard);

    before(async function () {
        this.timeout(120000);
        const [dev, prod] = [await runProgram("dev"), await runProgram("prod")];
        programs = { dev: dev.resources, prod: prod.resources };
        guard = guardFromProgram(prod.resources);
    });

    describe("over the real program's resources", () => {
        const stateful = (resource: RegisteredResource) => guardedBecause(guard, resource) !== undefined;

        it("guards what production protects: Redis's namespace, release and every volume claim", () => {
            const protectedInProduction = programs.prod.filter((resource) => resource.options.protect);

            const types = protectedInProduction.map((resource) => resource.type);
            for (const type of ["kubernetes:core/v1:Namespace", "kubernetes:helm.sh/v3:Release"]) assert.ok(types.includes(type), type);
            assert.ok(types.filter((type) => type === "kubernetes:core/v1:PersistentVolumeClaim").length >= 3, "every Redis volume claim");
            for (const resource of protectedInProduction) assert.equal(guardedBecause(guard, resource), "protected in production", resource.name);
        });

        for (const stack of ["dev", "prod"] as const) {
            it(`fails a replace or delete of every stateful resource the ${stack} program registers`, () => {
                const guarded = programs[stack].filter(stateful);
                const kinds = new Set(guarded.map((resource) => resource.type));
                for (const kind of ["kubernetes:core/v1:PersistentVolumeClaim", "kubernetes:core/v1:Namespace", "aws:kms/key:Key", "aws:cloudwatch/logGroup:LogGroup", "kubernetes:helm.sh/v3:Release", "eks:index:Cluster", "aws:eks/nodeGroup:NodeGroup", "awsx:ec2:Vpc"]) {
                    assert.ok(kinds.has(kind), `the ${stack} program has a ${kind}, and it is guarded`);
                }
                for (const resource of guarded) {
                    for (const op of ["replace", "delete"]) {
                        assert.equal(destructiveChanges([stepFor(stack, resource, op)], guard).length, 1, `${op} ${resource.type} ${resource.name}`);
                    }
                }
            });

            it(`lets the ${stack} program's stateless resources be replaced (Deployments, Services, roles, policies)`, () => {
                const free = programs[stack].filter((resource) => !stateful(resource));
                assert.ok(free.some((resource) => resource.type === "kubernetes:apps/v1:Deployment"));
                for (const resource of free) assert.deepEqual(destructiveChanges([stepFor(stack, resource, "replace")], guard), [], resource.type);
            });
        }

        it("guards the volume key, the Redis volume claims and the Redis namespace, which the hand list missed", () => {
            const names = (type: string) => programs.dev.filter((resource) => resource.type === type && stateful(resource)).map((resource) => resource.name);
            assert.ok(names("aws:kms/key:Key").some((name) => name.endsWith("volumes")));
            assert.ok(names("kubernetes:core/v1:PersistentVolumeClaim").length >= 1);
            assert.ok(names("kubernetes:core/v1:Namespace").includes("redis"));
        });

        it("guards the children the preview names for the cluster and VPC components", () => {
            assert.ok(guardedBecause(guard, { type: "aws:eks/cluster:Cluster", name: "cluster-eksCluster" }));
            assert.ok(guardedBecause(guard, { type: "aws:ec2/vpc:Vpc", name: "network" }));
        });

        it("guards a kind even when the program stops declaring it: removing the log group deletes it", () => {
            assert.equal(destructiveChanges([{ op: "delete", urn: "urn:pulumi:dev::eks-app::aws:cloudwatch/logGroup:LogGroup::old-logs" }], guard).length, 1);
        });

        it("guards any resource the state marks as protected", () => {
            assert.equal(destructiveChanges([{ op: "delete", urn: "urn:pulumi:prod::eks-app::kubernetes:core/v1:Secret::kept", oldState: { protect: true } }], guard).length, 1);
        });
    });

    describe("`pulumi preview --json` as the CLI prints it by default (one `replace` step, no `same` steps but the stack's)", () => {
        it("reads the document exactly as the CLI prints it: a Redis volume claim replaced in staging", () => {
            assert.deepEqual(changesIn("preview-default-replaces-redis-volume.json"), [
                {
                    urn: "urn:pulumi:dev::eks-app::eks-app:workload:Redis$kubernetes:core/v1:PersistentVolumeClaim::redis-data-redis-ha-server-0",
                    type: "kubernetes:core/v1:PersistentVolumeClaim",
                    ops: ["replace"],
                    replaceReasons: ["spec"],
                    why: "protected in production",
                },
            ]);
        });

        it("flags deleting the Redis namespace", () => {
            assert.deepEqual(changesIn("preview-default-deletes-redis-namespace.json").map((change) => [change.type, change.ops]), [["kubernetes:core/v1:Namespace", ["delete"]]]);
        });

        it("flags replacing the volume KMS key", () => {
            assert.deepEqual(changesIn("preview-default-replaces-volume-key.json").map((change) => change.type), ["aws:kms/key:Key"]);
        });

        it("lets updates and creates through", () => {
            assert.deepEqual(changesIn("preview-default-updates-only.json"), []);
        });
    });

    describe("the extended form (--show-replacement-steps, --show-sames)", () => {
        it("flags a replacement of the EKS cluster once, naming its URN and what forces it", () => {
            assert.deepEqual(changesIn("preview-replaces-cluster.json"), [
                {
                    urn: "urn:pulumi:dev::eks-app::eks-app:platform:Cluster$eks:index:Cluster$aws:eks/cluster:Cluster::cluster-eksCluster",
                    type: "aws:eks/cluster:Cluster",
                    ops: ["create-replacement", "replace", "delete-replaced"],
                    replaceReasons: ["vpcConfig.subnetIds"],
                    why: "the EKS cluster and everything on it",
                },
            ]);
        });

        it("flags a replacement of the node group, the Redis release and a deletion of the VPC", () => {
            assert.deepEqual(changesIn("preview-replaces-node-group.json").map((change) => change.type), ["aws:eks/nodeGroup:NodeGroup"]);
            assert.deepEqual(changesIn("preview-replaces-redis.json").map((change) => change.type), ["kubernetes:helm.sh/v3:Release"]);
            assert.deepEqual(changesIn("preview-deletes-vpc.json").map((change) => [change.type, change.ops]), [["aws:ec2/vpc:Vpc", ["delete"]]]);
        });

        it("lets updates, creates and a replacement of a stateless Deployment through", () => {
            assert.deepEqual(changesIn("preview-updates-only.json"), []);
            assert.deepEqual(changesIn("preview-replaces-deployment.json"), []);
        });
    });

    it("reads a resource's own type and name from its URN, nested components included", () => {
        assert.deepEqual(resourceFromUrn("urn:pulumi:prod::eks-app::eks-app:platform:Registry$aws:ecr/repository:Repository::app"), { type: "aws:ecr/repository:Repository", name: "app" });
    });

    it("refuses a document that is not a preview rather than passing it", () => {
        assert.throws(() => parsePreview('{"steps": [{"urn": 1}]}'), /not a `pulumi preview --json` document/);
        assert.throws(() => parsePreview('{"steps": []}'), /not a `pulumi preview --json` document/);
        assert.throws(() => parsePreview("[]"), /not a `pulumi preview --json` document/);
    });

    describe("as a command (guard from the real program)", function () {
        this.timeout(120000);

        it("exits 1 and lists the URN when the preview replaces a Redis volume claim", () => {
            const result = checkPreviewCli(fixture("preview-default-replaces-redis-volume.json"));

            assert.equal(result.status, 1, result.stderr);
            assert.match(result.stderr, /kubernetes:core\/v1:PersistentVolumeClaim urn:pulumi:dev::eks-app::.*::redis-data-redis-ha-server-0 \(replace; replaced because of: spec\): protected in production/);
        });

        it("exits 0 when nothing stateful is replaced", () => {
            const result = checkPreviewCli(fixture("preview-replaces-deployment.json"));

            assert.equal(result.status, 0, result.stderr);
            assert.match(result.stdout, /No stateful resource would be replaced or deleted \(4 steps checked\)/);
        });

        it("exits 2 on a file that is not preview JSON", () => {
            assert.equal(checkPreviewCli(join(repositoryRoot, "package.json")).status, 2);
        });
    });

    describe("on what the real CLI printed (tests/e2e/delivery/fixtures, regenerated and compared by the end-to-end suite)", () => {
        // A tiny program's preview after renaming one resource (a replacement) and dropping another (a deletion).
        const tinyGuard: Guard = { kinds: new Map([["pulumi-nodejs:dynamic:Resource", "a thing"]]), protectedResources: new Set() };
        const realFixture = (name: string) => readFileSync(join(repositoryRoot, "tests", "e2e", "delivery", "fixtures", name), "utf8");

        it("finds the replacement, one `replace` step by default, and the deletion", () => {
            const changes = destructiveChanges(parsePreview(realFixture("preview-replace-and-delete.json")), tinyGuard);
            assert.deepEqual(
                changes.map((change) => [change.urn.split("::").pop(), change.ops]),
                [
                    ["thing", ["replace"]],
                    ["extra", ["delete"]],
                ],
            );
        });

        it("finds them as one change each with --show-replacement-steps", () => {
            const changes = destructiveChanges(parsePreview(realFixture("preview-replace-and-delete-replacement-steps.json")), tinyGuard);
            assert.deepEqual(changes.map((change) => [change.urn.split("::").pop(), [...change.ops].sort()]).sort(), [
                ["extra", ["delete"]],
                ["thing", ["create-replacement", "delete-replaced", "replace"]],
            ]);
        });
    });
});
