import { strict as assert } from "assert";
import { ProgramRun, runProgram, testAccountId } from "../../harness";
import { clusterRuns, dependsOn } from "./support";

describe("cluster", () => {
    let staging: ProgramRun;
    let production: ProgramRun;

    before(async () => {
        ({ staging, production } = await clusterRuns());
    });

    describe("nodes", () => {
        it("require IMDSv2 with a hop limit of 1 and an encrypted gp3 root volume", () => {
            const template = staging.one("aws:ec2/launchTemplate:LaunchTemplate").inputs;
            assert.deepEqual(template.metadataOptions, { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 });
            assert.equal(template.blockDeviceMappings[0].ebs.encrypted, "true");
            assert.equal(template.blockDeviceMappings[0].ebs.volumeType, "gp3");
        });

        it("run AL2023 with sizes from config, and keep a desired size changed since", () => {
            const nodeGroup = production.one("aws:eks/nodeGroup:NodeGroup");
            assert.equal(nodeGroup.inputs.amiType, "AL2023_x86_64_STANDARD");
            assert.deepEqual(nodeGroup.inputs.scalingConfig, { minSize: 3, desiredSize: 3, maxSize: 9 });
            assert.deepEqual(nodeGroup.inputs.instanceTypes, ["m6i.large", "m7i.large"]);
            assert.deepEqual(nodeGroup.options.ignoreChanges, ["scalingConfig.desiredSize"]);
        });
    });

    describe("addons", () => {
        const addon = (run: ProgramRun, name: string) => run.one("aws:eks/addon:Addon", `-${name}`);

        it("installs the CNI, kube-proxy, CoreDNS, the Pod Identity agent, EBS CSI and metrics-server", () => {
            const names = staging.ofType("aws:eks/addon:Addon").map((a) => a.inputs.addonName).sort();
            assert.deepEqual(names, ["aws-ebs-csi-driver", "coredns", "eks-pod-identity-agent", "kube-proxy", "metrics-server", "vpc-cni"]);
        });

        it("creates what runs as Deployments after the node group, what nodes need to be Ready before it", () => {
            for (const after of ["coredns", "aws-ebs-csi-driver", "metrics-server"]) {
                assert.ok(dependsOn(addon(staging, after), "aws:eks/nodeGroup:NodeGroup", "-nodes"), after);
            }
            const nodeGroup = staging.one("aws:eks/nodeGroup:NodeGroup");
            for (const before of ["vpc-cni", "kube-proxy", "eks-pod-identity-agent"]) {
                assert.ok(dependsOn(nodeGroup, "aws:eks/addon:Addon", `-${before}`), before);
            }
        });

        it("starts the CNI after the Pod Identity agent it takes its credentials from", () => {
            assert.ok(dependsOn(addon(staging, "vpc-cni"), "aws:eks/addon:Addon", "-eks-pod-identity-agent"));
        });

        it("resolves versions with getAddonVersion unless config pins one", async () => {
            assert.equal(addon(staging, "metrics-server").inputs.addonVersion, "v1.0.0-eksbuild.1");
            const pinned = await runProgram("dev", { config: { "eks-app:addonVersions": JSON.stringify({ "metrics-server": "v0.8.0-eksbuild.1" }) } });
            assert.equal(addon(pinned, "metrics-server").inputs.addonVersion, "v0.8.0-eksbuild.1");
            assert.equal(addon(pinned, "kube-proxy").inputs.addonVersion, "v1.0.0-eksbuild.1");
        });

        it("gives the CNI and the EBS CSI driver their own Pod Identity roles, bound to their service accounts", () => {
            const cni = addon(staging, "vpc-cni").inputs.podIdentityAssociations;
            const ebs = addon(staging, "aws-ebs-csi-driver").inputs.podIdentityAssociations;
            assert.deepEqual(cni, [{ roleArn: `arn:aws:iam::${testAccountId}:role/eks-app/dev/cluster-vpc-cni`, serviceAccount: "aws-node" }]);
            assert.deepEqual(ebs, [{ roleArn: `arn:aws:iam::${testAccountId}:role/eks-app/dev/cluster-ebs-csi`, serviceAccount: "ebs-csi-controller-sa" }]);
        });

        it("makes each addon with a role wait for the role's policy, which then outlives it on destroy", () => {
            for (const [addonName, role] of [["vpc-cni", "cluster-vpc-cni"], ["aws-ebs-csi-driver", "cluster-ebs-csi"]] as const) {
                const depends = addon(staging, addonName).options.dependsOn;
                assert.ok(depends.some((d) => d.type === "aws:iam/rolePolicy:RolePolicy" && d.name === role), addonName);
            }
        });
    });

    describe("the tags the deploy roles launch nodes by", () => {
        it("puts the environment's tags on EKS's cluster security group before the node group, in both stacks", () => {
            for (const [run, environment] of [[staging, "staging"], [production, "production"]] as const) {
                const tags = run.ofType("aws:ec2/tag:Tag").filter((tag) => tag.name.startsWith("cluster-security-group-"));
                assert.deepEqual(tags.map((tag) => [tag.inputs.key, tag.inputs.value, tag.inputs.resourceId]).sort(), [
                    ["environment", environment, "sg-0cluster0123456789"],
                    ["project", "eks-app", "sg-0cluster0123456789"],
                ]);
                const nodeGroup = run.one("aws:eks/nodeGroup:NodeGroup");
                for (const tag of tags) assert.ok(dependsOn(nodeGroup, "aws:ec2/tag:Tag", tag.name), `${run.stack}: node group before ${tag.name}`);
            }
        });

        it("creates the VPC (and so its subnets) with the AWS provider whose default tags name the environment, in both stacks", () => {
            for (const [run, environment] of [[staging, "staging"], [production, "production"]] as const) {
                // awsx creates the subnets inside its own plugin, with the AWS provider it is handed.
                const vpc = run.one("awsx:ec2:Vpc");
                assert.deepEqual(vpc.providers?.aws, { type: "pulumi:providers:aws", name: "aws" }, run.stack);
                const provider = run.one("pulumi:providers:aws", "aws");
                // Provider inputs reach the provider as JSON strings.
                assert.deepEqual(JSON.parse(provider.inputs.defaultTags).tags, { project: "eks-app", stack: run.stack, environment, "managed-by": "pulumi" }, run.stack);
            }
        });
    });
});
