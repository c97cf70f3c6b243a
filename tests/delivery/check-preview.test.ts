import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { destructiveChanges, displayType, parsePreview, typeFromUrn } from "../../scripts/deploy/check-preview";
import { deployScripts, repositoryRoot } from "./run-script";

const fixture = (name: string) => join(__dirname, "fixtures", name);
const changesIn = (name: string) => destructiveChanges(parsePreview(readFileSync(fixture(name), "utf8")));

function checkPreviewCli(file: string) {
    return spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", join(deployScripts, "check-preview.ts"), file], {
        cwd: repositoryRoot,
        encoding: "utf8",
    });
}

describe("check-preview.ts (replacement of stateful resources)", () => {
    it("flags a replacement of the EKS cluster once, naming its URN and what forces it", () => {
        assert.deepEqual(changesIn("preview-replaces-cluster.json"), [
            {
                urn: "urn:pulumi:dev::eks-app::eks-app:platform:Cluster$eks:index:Cluster$aws:eks/cluster:Cluster::cluster-eksCluster",
                type: "aws:eks:Cluster",
                ops: ["create-replacement", "replace", "delete-replaced"],
                replaceReasons: ["vpcConfig.subnetIds"],
            },
        ]);
    });

    it("flags a replacement of the node group", () => {
        assert.deepEqual(
            changesIn("preview-replaces-node-group.json").map((change) => change.urn),
            ["urn:pulumi:dev::eks-app::eks-app:platform:Cluster$aws:eks/nodeGroup:NodeGroup::cluster-nodes"],
        );
    });

    it("flags a replacement of the Redis release", () => {
        assert.deepEqual(
            changesIn("preview-replaces-redis.json").map((change) => change.type),
            ["kubernetes:helm.sh/v3:Release"],
        );
    });

    it("flags a deletion of the VPC", () => {
        assert.deepEqual(
            changesIn("preview-deletes-vpc.json").map((change) => [change.type, change.ops]),
            [["aws:ec2:Vpc", ["delete"]]],
        );
    });

    it("lets updates of stateful resources and creates through", () => {
        assert.deepEqual(changesIn("preview-updates-only.json"), []);
    });

    it("lets a replacement of a stateless Deployment through", () => {
        assert.deepEqual(changesIn("preview-replaces-deployment.json"), []);
    });

    it("reads types from URNs, nested components included, in the form previews display", () => {
        assert.equal(typeFromUrn("urn:pulumi:prod::eks-app::eks-app:platform:Registry$aws:ecr/repository:Repository::app"), "aws:ecr/repository:Repository");
        assert.equal(displayType("aws:ecr/repository:Repository"), "aws:ecr:Repository");
        assert.equal(displayType("aws:eks/nodeGroup:NodeGroup"), "aws:eks:NodeGroup");
        assert.equal(displayType("kubernetes:helm.sh/v3:Release"), "kubernetes:helm.sh/v3:Release");
        assert.equal(displayType("eks:index:Cluster"), "eks:index:Cluster");
    });

    it("refuses a document that is not a preview rather than passing it", () => {
        assert.throws(() => parsePreview('{"steps": [{"urn": 1}]}'), /not a `pulumi preview --json` document/);
        assert.throws(() => parsePreview("[]"), /not a `pulumi preview --json` document/);
    });

    describe("as a command", () => {
        it("exits 1 and lists the URN when the preview replaces the cluster", () => {
            const result = checkPreviewCli(fixture("preview-replaces-cluster.json"));

            assert.equal(result.status, 1);
            assert.match(result.stderr, /aws:eks:Cluster urn:pulumi:dev::eks-app::.*::cluster-eksCluster \(create-replacement, replace, delete-replaced; replaced because of: vpcConfig\.subnetIds\)/);
        });

        it("exits 0 when nothing stateful is replaced", () => {
            const result = checkPreviewCli(fixture("preview-replaces-deployment.json"));

            assert.equal(result.status, 0, result.stderr);
            assert.match(result.stdout, /No stateful resource would be replaced or deleted \(4 steps checked\)/);
        });

        it("exits 2 on a file that is not preview JSON", () => {
            const result = checkPreviewCli(join(repositoryRoot, "package.json"));

            assert.equal(result.status, 2);
        });
    });
});
