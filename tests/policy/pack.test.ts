import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { PolicyException, withExceptions } from "../../policy/lib/exceptions";
import { guardrails } from "../../policy/policies";
import { iamNoWildcardActions } from "../../policy/rules/iam";
import { k8sDisruptionBudgetForReplicatedDeployments } from "../../policy/rules/kubernetes-availability";
import { repositoryRoot } from "../../harness";
import { allViolations, FakeResource, violations } from "./support";

const readJson = (file: string) => JSON.parse(fs.readFileSync(path.join(repositoryRoot, file), "utf8"));

describe("policy pack: wiring", () => {
    it("serves each guardrail the README documents, once, in the README's order", () => {
        assert.deepEqual(
            guardrails.map((policy) => policy.name),
            [
                "iam-no-wildcard-actions",
                "iam-no-wildcard-resources",
                "iam-web-identity-trust-pinned",
                "iam-role-trusts-only-cluster-services",
                "iam-no-admin-managed-policies",
                "ecr-immutable-tags",
                "ecr-scan-on-push",
                "eks-secrets-encryption",
                "eks-control-plane-logging",
                "eks-no-public-endpoint-in-production",
                "ebs-volume-encrypted",
                "launch-template-ebs-encrypted",
                "storage-class-encrypted",
                "launch-template-imdsv2",
                "launch-template-imds-hop-limit",
                "k8s-container-resources",
                "k8s-container-probes",
                "k8s-distinct-probes",
                "k8s-run-as-non-root",
                "k8s-read-only-root-filesystem",
                "k8s-no-privileged",
                "k8s-no-privilege-escalation",
                "k8s-image-pinned",
                "k8s-drop-all-capabilities",
                "k8s-seccomp-profile",
                "k8s-high-user-id",
                "k8s-no-service-account-token",
                "k8s-namespace-pod-security",
                "k8s-pdb-for-replicated-deployments",
                "k8s-rollout-keeps-capacity",
                "k8s-load-balancer-opt-in",
                "helm-chart-version-pinned",
            ],
        );
    });

    it("makes every policy mandatory, with a name Pulumi accepts and a description", () => {
        for (const policy of guardrails) {
            assert.equal(policy.enforcementLevel, "mandatory", policy.name);
            assert.match(policy.name, /^[a-z0-9]+(-[a-z0-9]+)*$/);
            assert.ok(policy.description.length > 20, policy.name);
        }
    });

    it("is a Node package Pulumi can start: a version, index.ts as main, the root's SDK versions", () => {
        const pack = readJson("policy/package.json");
        const root = readJson("package.json");
        assert.match(pack.version, /^\d+\.\d+\.\d+$/);
        assert.equal(pack.main, "index.ts");
        // The pack runs on the root's node_modules (Node looks upward from policy/), so the versions must agree.
        assert.deepEqual(pack.dependencies, {
            "@pulumi/policy": root.devDependencies["@pulumi/policy"],
            "@pulumi/pulumi": root.dependencies["@pulumi/pulumi"],
        });
        assert.match(fs.readFileSync(path.join(repositoryRoot, "policy/PulumiPolicy.yaml"), "utf8"), /^runtime: nodejs$/m);
    });
});

describe("policy pack: exceptions", () => {
    const wildcard = (name: string): FakeResource => ({
        type: "aws:iam/rolePolicy:RolePolicy",
        name,
        props: { policy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:*", Resource: "arn:aws:s3:::bucket" }] }) },
    });
    const replicated = (name: string): FakeResource => ({
        type: "kubernetes:apps/v1:Deployment",
        name,
        props: { metadata: { name, namespace: "default" }, spec: { replicas: 2, template: { metadata: { labels: { app: name } } } } },
    });
    const exception = (overrides: Partial<PolicyException>): PolicyException => ({
        policy: "iam-no-wildcard-actions",
        type: "aws:iam/rolePolicy:RolePolicy",
        name: "legacy",
        reason: "the vendor's tool needs s3:*; removed with ticket 42",
        ...overrides,
    });

    it("exempts exactly the named resource from exactly the named resource policy", async () => {
        const [excepted] = withExceptions([iamNoWildcardActions], [exception({})]);
        assert.deepEqual(await violations(excepted, [wildcard("legacy")]), []);
        assert.equal((await violations(excepted, [wildcard("other")])).length, 1);
    });

    it("exempts a resource from a stack policy", async () => {
        const [excepted] = withExceptions(
            [k8sDisruptionBudgetForReplicatedDeployments],
            [exception({ policy: "k8s-pdb-for-replicated-deployments", type: "kubernetes:apps/v1:Deployment", name: "batch" })],
        );
        const found = await violations(excepted, [replicated("batch"), replicated("web")]);
        assert.equal(found.length, 1);
        assert.match(found[0], /^kubernetes:apps\/v1:Deployment "web"/);
    });

    it("refuses an exception without a reason, or for a policy the pack does not have", () => {
        assert.throws(() => withExceptions(guardrails, [exception({ reason: "  " })]), /policy exception for aws:iam\/rolePolicy:RolePolicy "legacy" from iam-no-wildcard-actions: give a reason/);
        assert.throws(() => withExceptions(guardrails, [exception({ policy: "iam-no-wildcards" })]), /the pack has no policy named "iam-no-wildcards"/);
    });
});

describe("policy pack: a --target'ed update", () => {
    const provider = { type: "pulumi:providers:aws", name: "aws", urn: "urn:pulumi:dev::eks-app::pulumi:providers:aws::aws", props: {} };

    it("skips a custom resource the update does not create (no properties, a provider), as the engine hands it over", async () => {
        const untargeted: FakeResource[] = [
            { type: "aws:ec2/launchTemplate:LaunchTemplate", name: "cluster-nodes", props: {}, provider },
            { type: "aws:ecr/repository:Repository", name: "app", props: {}, provider },
            { type: "kubernetes:core/v1:Namespace", name: "app", props: {}, provider: { ...provider, type: "pulumi:providers:kubernetes" } },
        ];
        assert.deepEqual(await allViolations(guardrails, untargeted), []);
    });

    it("still checks a resource with no properties that has no provider, such as a component", async () => {
        const found = await allViolations(guardrails, [
            { type: "aws:ec2/launchTemplate:LaunchTemplate", name: "cluster-nodes", props: {} },
            { type: "eks:index:Cluster", name: "cluster", props: {} },
        ]);
        assert.ok(found.some((violation) => violation.startsWith("launch-template-imdsv2: ")), found.join("\n"));
        assert.ok(found.some((violation) => violation.startsWith("eks-secrets-encryption: ")), found.join("\n"));
    });
});
