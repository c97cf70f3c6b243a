import { strict as assert } from "assert";
import type { PolicyDocument } from "../../components/iam-documents";
import { ProgramRun, runProgram, testAccountId } from "../../harness";
import { evaluate, Request } from "../delivery/iam-evaluator";
import { clusterRuns } from "./support";

describe("cluster", () => {
    let staging: ProgramRun;
    let production: ProgramRun;

    before(async () => {
        ({ staging, production } = await clusterRuns());
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
});
