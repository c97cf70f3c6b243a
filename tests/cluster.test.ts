import { strict as assert } from "assert";
import { accessEntries } from "../components/cluster";
import type { PolicyDocument } from "../components/iam-documents";
import { ProgramError, ProgramRun, RegisteredResource, runProgram, testAccountId, testDeployerRoleArn } from "../harness";
import { evaluate, Request } from "./delivery/iam-evaluator";

const adminArn = `arn:aws:iam::${testAccountId}:role/platform-admins`;
const viewerArn = `arn:aws:iam::${testAccountId}:role/pr-preview`;
const ciDeployArn = `arn:aws:iam::${testAccountId}:role/eks-app-ci/eks-app-deploy-production`;
/** The stack files name CI's deploy, preview and review roles; these runs name none, so whoever runs the program deploys. */
const noNamedRoles = ["eks-app:clusterDeployerRole", "eks-app:clusterPreviewRole", "eks-app:clusterReviewRole"];

function dependsOn(resource: RegisteredResource, type: string, nameSuffix: string): boolean {
    return resource.options.dependsOn.some((d) => d.type === type && d.name.endsWith(nameSuffix));
}

function grants(run: ProgramRun) {
    return run
        .ofType("aws:eks/accessPolicyAssociation:AccessPolicyAssociation")
        .map((a) => ({ principal: a.inputs.principalArn, policy: a.inputs.policyArn.split("/").pop(), scope: a.inputs.accessScope.type }))
        .sort((a, b) => a.principal.localeCompare(b.principal));
}

describe("cluster", () => {
    let staging: ProgramRun;
    let production: ProgramRun;

    before(async () => {
        staging = await runProgram("dev", { without: noNamedRoles });
        production = await runProgram("prod", {
            without: noNamedRoles,
            config: {
                "eks-app:clusterAdminPrincipalArns": JSON.stringify([adminArn, testDeployerRoleArn]),
                "eks-app:clusterViewerPrincipalArns": JSON.stringify([viewerArn, adminArn]),
            },
        });
    });

    describe("access", () => {
        it("grants the deploying identity (the role behind the session) cluster admin explicitly", () => {
            assert.deepEqual(grants(staging), [{ principal: testDeployerRoleArn, policy: "AmazonEKSClusterAdminPolicy", scope: "cluster" }]);
            assert.equal(staging.one("aws:eks/accessEntry:AccessEntry", "-123456789012-role-ci-deployer").inputs.type, "STANDARD");
        });

        it("gives a principal listed as deployer, admin and viewer one entry, at the highest level", () => {
            assert.deepEqual(grants(production), [
                { principal: testDeployerRoleArn, policy: "AmazonEKSClusterAdminPolicy", scope: "cluster" },
                { principal: adminArn, policy: "AmazonEKSClusterAdminPolicy", scope: "cluster" },
                { principal: viewerArn, policy: "AmazonEKSViewPolicy", scope: "cluster" },
            ]);
            const principals = production.ofType("aws:eks/accessEntry:AccessEntry").map((e) => e.inputs.principalArn);
            assert.equal(new Set(principals).size, principals.length, "EKS refuses a second entry for a principal (409)");
        });

        it("lets viewers read without reading Secrets (AmazonEKSViewPolicy, not AdminView)", () => {
            const viewerGrant = grants(production).find((g) => g.principal === viewerArn);
            assert.equal(viewerGrant?.policy, "AmazonEKSViewPolicy");
        });

        it("names entries after their principal, so reordering the admin list renames nothing", async () => {
            const second = `arn:aws:iam::${testAccountId}:user/alice`;
            const names = async (admins: string[]) =>
                (await runProgram("dev", { without: noNamedRoles, config: { "eks-app:clusterAdminPrincipalArns": JSON.stringify(admins) } }))
                    .ofType("aws:eks/accessEntry:AccessEntry")
                    .filter((e) => e.inputs.type === "STANDARD")
                    .map((e) => `${e.name}=${e.inputs.principalArn}`)
                    .sort();
            assert.deepEqual(await names([adminArn, second]), await names([second, adminArn]));
        });

        it("keys entries by account, kind and name of the principal", () => {
            assert.deepEqual(
                accessEntries({ deployerPrincipalArn: ciDeployArn, adminPrincipalArns: [adminArn], viewerPrincipalArns: [] }).map((e) => e.key),
                ["123456789012-role-eks-app-ci-eks-app-deploy-production", "123456789012-role-platform-admins"],
            );
        });

        it("keeps entries made when they were keyed by list position, through aliases", () => {
            const entry = production.ofType("aws:eks/accessEntry:AccessEntry").find((e) => e.inputs.principalArn === testDeployerRoleArn)!;
            assert.deepEqual(entry.options.aliases, [{ name: "cluster-deployer" }]);
        });

        it("grants the configured CI deploy role, not whoever runs up, when clusterDeployerPrincipalArn is set", async () => {
            const run = await runProgram("prod", {
                without: noNamedRoles,
                config: {
                    "eks-app:clusterDeployerPrincipalArn": ciDeployArn,
                    "eks-app:clusterAdminPrincipalArns": JSON.stringify([testDeployerRoleArn]),
                },
            });
            assert.deepEqual(
                grants(run).map((g) => g.principal),
                [testDeployerRoleArn, ciDeployArn].sort(),
            );
        });

        it("refuses to start when the caller would have no access to the cluster it builds", async () => {
            const error = await runProgram("prod", { without: noNamedRoles, config: { "eks-app:clusterDeployerPrincipalArn": ciDeployArn } }).then(
                () => undefined,
                (e: ProgramError) => e,
            );
            assert.ok(error instanceof ProgramError);
            assert.match(error.message, /role\/ci-deployer is running this program but would have no access/);
            assert.deepEqual(error.resources.filter((r) => r.custom && !r.type.startsWith("pulumi:providers:")), []);
        });

        it("builds one Kubernetes provider from endpoint, CA and name, with get-token exec auth and no profile", () => {
            const provider = staging.one("pulumi:providers:kubernetes");
            const kubeconfig = JSON.parse(provider.inputs.kubeconfig);
            const user = kubeconfig.users[0].user;
            assert.equal(kubeconfig.clusters[0].cluster.server, "https://0123456789ABCDEF.gr7.eu-west-1.eks.amazonaws.com");
            assert.deepEqual(user.exec.args.slice(0, 4), ["eks", "get-token", "--cluster-name", "eks-app-dev"]);
            assert.ok(!user.exec.args.includes("--profile") && !user.exec.args.includes("--role-arn"));
        });

        it("lets nothing talk to the cluster before the access grants exist, and never drops objects it cannot reach", () => {
            const provider = staging.one("pulumi:providers:kubernetes");
            assert.ok(dependsOn(provider, "aws:eks/accessPolicyAssociation:AccessPolicyAssociation", "-123456789012-role-ci-deployer"));
            // deleteUnreachable would forget the LoadBalancer Service (and orphan its NLB) when the API is unreachable.
            assert.equal(provider.inputs.deleteUnreachable, undefined);
        });
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

    describe("keys, logs and storage", () => {
        it("keeps both KMS keys through a production destroy, so retained volumes stay readable", () => {
            for (const key of production.ofType("aws:kms/key:Key")) {
                assert.ok(key.options.protect && key.options.retainOnDelete, key.name);
            }
            for (const key of staging.ofType("aws:kms/key:Key")) {
                assert.ok(!key.options.protect && !key.options.retainOnDelete, key.name);
                assert.equal(key.inputs.deletionWindowInDays, 7);
            }
        });

        it("keeps the control-plane log group on destroy, so EKS's late logs never recreate it without retention (an import of a group that differs fails)", () => {
            for (const run of [staging, production]) {
                const group = run.one("aws:cloudwatch/logGroup:LogGroup");
                assert.equal(group.options.retainOnDelete, true, run.stack);
                assert.deepEqual(Object.keys(group.inputs).filter((key) => !key.startsWith("__")).sort(), ["name", "retentionInDays"], run.stack);
            }
        });

        it("adopts the control-plane log group an earlier destroy kept, instead of failing", async () => {
            assert.equal(staging.one("aws:cloudwatch/logGroup:LogGroup").options.importId, undefined);
            const leftOver = "/aws/eks/eks-app-dev/cluster";
            const again = await runProgram("dev", {
                calls: { "aws:cloudwatch/getLogGroups:getLogGroups": () => ({ logGroupNames: [leftOver], arns: [], id: "x" }) },
            });
            const group = again.one("aws:cloudwatch/logGroup:LogGroup");
            assert.equal(group.options.importId, leftOver);
            assert.equal(group.inputs.retentionInDays, 7);
        });

        it("offers gp3-retain beside it: the same encrypted volumes, kept in EC2 when their claim goes", () => {
            for (const run of [staging, production]) {
                const classes = run.ofType("kubernetes:storage.k8s.io/v1:StorageClass").map((c) => c.inputs);
                assert.deepEqual(classes.map((c) => [c.metadata.name, c.reclaimPolicy]).sort(), [["gp3", "Delete"], ["gp3-retain", "Retain"]], run.stack);
                const [gp3, retained] = ["gp3", "gp3-retain"].map((name) => classes.find((c) => c.metadata.name === name)!);
                assert.deepEqual(retained.parameters, gp3.parameters);
                assert.equal(retained.volumeBindingMode, "WaitForFirstConsumer");
                assert.equal(retained.metadata.annotations?.["storageclass.kubernetes.io/is-default-class"], undefined);
            }
        });

        it("makes an encrypted gp3 class the only default class, bound where the pod lands", () => {
            const gp3 = staging.one("kubernetes:storage.k8s.io/v1:StorageClass", "-gp3").inputs;
            assert.equal(gp3.metadata.annotations["storageclass.kubernetes.io/is-default-class"], "true");
            assert.equal(gp3.provisioner, "ebs.csi.aws.com");
            assert.equal(gp3.volumeBindingMode, "WaitForFirstConsumer");
            assert.equal(gp3.parameters.encrypted, "true");
            assert.equal(gp3.parameters.kmsKeyId, `arn:aws:kms:eu-west-1:${testAccountId}:key/cluster-volumes`);
            // EKS stopped marking gp2 default in 1.30; patching an absent gp2 would create a class with no provisioner.
            assert.deepEqual(staging.ofType("kubernetes:storage.k8s.io/v1:StorageClassPatch"), []);
        });
    });

    describe("EBS CSI driver: each environment's own volumes only", () => {
        const ebsCsi = (run: ProgramRun) => run.ofType("aws:eks/addon:Addon").find((addon) => addon.inputs.addonName === "aws-ebs-csi-driver")!;
        const policyOf = (run: ProgramRun): PolicyDocument => JSON.parse(run.one("aws:iam/rolePolicy:RolePolicy", "cluster-ebs-csi").inputs.policy);
        const volume = (id: string) => `arn:aws:ec2:eu-west-1:${testAccountId}:volume/${id}`;
        /** A volume as the driver of cluster `owner` tags it (docs/tagging.md of aws-ebs-csi-driver: k8sTagClusterId, extraVolumeTags). */
        const taggedBy = (owner: string, environment: string) => ({
            "aws:ResourceTag/ebs.csi.aws.com/cluster": "true",
            [`aws:ResourceTag/kubernetes.io/cluster/${owner}`]: "owned",
            "aws:ResourceTag/environment": environment,
        });

        it("tags every volume the driver creates with its cluster and its environment", () => {
            for (const [run, environment] of [[staging, "staging"], [production, "production"]] as const) {
                const configuration = JSON.parse(ebsCsi(run).inputs.configurationValues);
                assert.deepEqual(configuration.controller, { k8sTagClusterId: `eks-app-${run.stack}`, extraVolumeTags: { project: "eks-app", environment } });
            }
        });

        it("lets staging's driver attach, detach, change and delete staging's volumes, and none of production's, retained ones included", () => {
            const writes = ["ec2:AttachVolume", "ec2:DetachVolume", "ec2:ModifyVolume", "ec2:DeleteVolume", "ec2:CreateTags", "ec2:DeleteTags", "ec2:CreateSnapshot"];
            const decide = (run: ProgramRun, owner: string, environment: string) =>
                writes.map((action) => `${action} ${evaluate([policyOf(run)], { action, resource: volume("vol-1"), context: taggedBy(owner, environment) })}`);
            assert.deepEqual(decide(staging, "eks-app-dev", "staging"), writes.map((action) => `${action} allowed`));
            assert.deepEqual(decide(staging, "eks-app-prod", "production"), writes.map((action) => `${action} not allowed`));
            assert.deepEqual(decide(production, "eks-app-prod", "production"), writes.map((action) => `${action} allowed`));
            assert.deepEqual(decide(production, "eks-app-dev", "staging"), writes.map((action) => `${action} not allowed`));
        });

        it("creates volumes only with its own cluster's tag", () => {
            const create = (owner: string): Request => ({
                action: "ec2:CreateVolume",
                resource: volume("*"),
                context: { "aws:RequestTag/ebs.csi.aws.com/cluster": "true", [`aws:RequestTag/kubernetes.io/cluster/${owner}`]: "owned" },
            });
            assert.equal(evaluate([policyOf(staging)], create("eks-app-dev")), "allowed");
            assert.equal(evaluate([policyOf(staging)], create("eks-app-prod")), "not allowed");
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
