import { strict as assert } from "assert";
import { ProgramRun, runProgram, testAccountId } from "../harness";
import { FoundDocument, iamDocuments, iamGuardrailViolations, list, Statement } from "./support/iam";

/** The AWS-managed policies a role may carry here, by the role's logical name. */
const allowedManagedPolicies: Record<string, string[]> = {
    "cluster-cluster": ["arn:aws:iam::aws:policy/AmazonEKSClusterPolicy"],
    "cluster-node": ["arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy", "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPullOnly"],
    // Karpenter's nodes: the same as the managed nodes, and no more (the CNI has its own Pod Identity role).
    "autoscaling-karpenter-node": ["arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy", "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPullOnly"],
};

function permissionsOfRole(run: ProgramRun, roleName: string): Statement[] {
    return iamDocuments(run)
        .filter((doc) => doc.kind === "permissions" && doc.source.endsWith(` ${roleName}`))
        .flatMap((doc) => doc.statements);
}

function trustOf(run: ProgramRun, roleName: string): Statement[] {
    const doc = iamDocuments(run).find((d) => d.kind === "trust" && d.source === `Role ${roleName} assumeRolePolicy`);
    assert.ok(doc, `no trust policy for ${roleName}`);
    return doc.statements;
}

describe("IAM is least privilege", () => {
    const runs: ProgramRun[] = [];
    before(async () => {
        runs.push(await runProgram("dev"), await runProgram("prod"));
    });

    it("finds the documents it checks (roles for the cluster, nodes, CNI and EBS CSI)", () => {
        const sources = iamDocuments(runs[0]).map((d: FoundDocument) => d.source);
        for (const role of ["cluster-cluster", "cluster-node", "cluster-vpc-cni", "cluster-ebs-csi"]) {
            assert.ok(sources.includes(`Role ${role} assumeRolePolicy`), role);
        }
        assert.ok(sources.some((s) => s.endsWith("RolePolicy cluster-vpc-cni")));
        assert.ok(sources.some((s) => s.endsWith("RolePolicy cluster-ebs-csi")));
    });

    it("passes the policy pack's IAM guardrails: exact actions, Resource \"*\" only where AWS allows nothing else", async () => {
        for (const run of runs) {
            assert.deepEqual(await iamGuardrailViolations(run.resources, run.stack), [], run.stack);
        }
    });

    it("fails those guardrails when the EBS CSI policy gets a wildcard action, or a delete on any volume", async () => {
        const weakened = runs[0].resources.map((resource) => {
            if (resource.type !== "aws:iam/rolePolicy:RolePolicy" || resource.name !== "cluster-ebs-csi") return resource;
            const document = JSON.parse(resource.inputs.policy);
            document.Statement.push(
                { Effect: "Allow", Action: "ec2:*", Resource: "arn:aws:ec2:eu-west-1:123456789012:volume/*" },
                { Effect: "Allow", Action: ["ec2:DescribeVolumes", "ec2:DeleteVolume"], Resource: "*" },
            );
            return { ...resource, inputs: { ...resource.inputs, policy: JSON.stringify(document) } };
        });
        const found = await iamGuardrailViolations(weakened);
        assert.equal(found.length, 2, found.join("\n"));
        assert.match(found[0], /^iam-no-wildcard-actions: aws:iam\/rolePolicy:RolePolicy "cluster-ebs-csi": .* allows the wildcard action "ec2:\*"/);
        assert.match(found[1], /^iam-no-wildcard-resources: aws:iam\/rolePolicy:RolePolicy "cluster-ebs-csi": .* allows "ec2:DeleteVolume" on Resource "\*"/);
    });

    it("attaches only the expected AWS-managed policies, and none to the CNI or EBS roles", () => {
        for (const run of runs) {
            const attachments = run.ofType("aws:iam/rolePolicyAttachment:RolePolicyAttachment");
            const byRole: Record<string, string[]> = {};
            for (const attachment of attachments) {
                (byRole[attachment.inputs.role] ??= []).push(attachment.inputs.policyArn);
            }
            for (const policies of Object.values(byRole)) policies.sort();
            assert.deepEqual(byRole, Object.fromEntries(Object.entries(allowedManagedPolicies).map(([role, policies]) => [role, [...policies].sort()])));
        }
    });

    it("keeps CNI permissions off the node role", () => {
        const nodeActions = permissionsOfRole(runs[0], "cluster-node").flatMap((s) => list(s.Action));
        assert.deepEqual(nodeActions, []);
        const managed = runs[0].ofType("aws:iam/rolePolicyAttachment:RolePolicyAttachment").map((a) => a.inputs.policyArn);
        assert.ok(!managed.some((arn: string) => arn.endsWith("AmazonEKS_CNI_Policy")));
    });

    it("trusts only the service each role is for", () => {
        const principalOf = (statements: Statement[]) => statements.map((s) => s.Principal);
        assert.deepEqual(principalOf(trustOf(runs[0], "cluster-cluster")), [{ Service: "eks.amazonaws.com" }]);
        assert.deepEqual(principalOf(trustOf(runs[0], "cluster-node")), [{ Service: "ec2.amazonaws.com" }]);
    });

    for (const [role, serviceAccount] of [
        ["cluster-vpc-cni", "aws-node"],
        ["cluster-ebs-csi", "ebs-csi-controller-sa"],
    ] as const) {
        it(`scopes the ${role} Pod Identity trust to this cluster and kube-system/${serviceAccount}`, () => {
            for (const run of runs) {
                const [statement, ...rest] = trustOf(run, role);
                assert.equal(rest.length, 0);
                assert.deepEqual(statement.Principal, { Service: "pods.eks.amazonaws.com" });
                assert.deepEqual(list(statement.Action).sort(), ["sts:AssumeRole", "sts:TagSession"]);
                assert.deepEqual(statement.Condition?.StringEquals, {
                    "aws:SourceAccount": testAccountId,
                    "aws:RequestTag/eks-cluster-name": `eks-app-${run.stack}`,
                    "aws:RequestTag/kubernetes-namespace": "kube-system",
                    "aws:RequestTag/kubernetes-service-account": serviceAccount,
                });
                // An undocumented condition (aws:SourceArn for pods.eks.amazonaws.com) never matches: no credentials.
                assert.deepEqual(Object.keys(statement.Condition ?? {}), ["StringEquals"]);
            }
        });
    }

    it("lets the EBS CSI driver use only its own key, and grant it only to AWS services", () => {
        const statements = permissionsOfRole(runs[0], "cluster-ebs-csi");
        const kms = statements.filter((s) => list(s.Action).some((a) => a.startsWith("kms:")));
        const keyArn = `arn:aws:kms:eu-west-1:${testAccountId}:key/cluster-volumes`;
        for (const statement of kms) assert.deepEqual(list(statement.Resource), [keyArn]);
        const grant = kms.find((s) => list(s.Action).includes("kms:CreateGrant"));
        assert.deepEqual(grant?.Condition, { Bool: { "kms:GrantIsForAWSResource": "true" } });
    });

    it("lets the EBS CSI driver delete only volumes and snapshots it created for its own cluster", () => {
        const statements = permissionsOfRole(runs[0], "cluster-ebs-csi");
        for (const action of ["ec2:DeleteVolume", "ec2:DeleteSnapshot"]) {
            const granting = statements.filter((s) => list(s.Action).includes(action));
            assert.ok(granting.length > 0, action);
            for (const statement of granting) {
                assert.deepEqual(
                    statement.Condition?.StringEquals,
                    { "aws:ResourceTag/ebs.csi.aws.com/cluster": "true", [`aws:ResourceTag/kubernetes.io/cluster/eks-app-${runs[0].stack}`]: "owned" },
                    action,
                );
            }
        }
    });

    it("scopes every EC2 write to this account and region", () => {
        for (const role of ["cluster-vpc-cni", "cluster-ebs-csi"]) {
            for (const statement of permissionsOfRole(runs[0], role)) {
                for (const resource of list(statement.Resource).filter((r) => r !== "*")) {
                    assert.match(resource, new RegExp(`^arn:aws:(ec2:eu-west-1:(${testAccountId})?:|kms:eu-west-1:${testAccountId}:key/)`), `${role}: ${resource}`);
                }
            }
        }
    });
});
