import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { PolicyException, withExceptions } from "../../policy/lib/exceptions";
import { guardrails } from "../../policy/policies";
import { ecrPolicies } from "../../policy/rules/ecr";
import { eksPolicies } from "../../policy/rules/eks";
import { helmPolicies } from "../../policy/rules/helm";
import { iamPolicies, iamNoWildcardActions } from "../../policy/rules/iam";
import { k8sDisruptionBudgetForReplicatedDeployments, kubernetesAvailabilityPolicies } from "../../policy/rules/kubernetes-availability";
import { kubernetesServicePolicies } from "../../policy/rules/kubernetes-services";
import { kubernetesWorkloadPolicies } from "../../policy/rules/kubernetes-workloads";
import { nodePolicies } from "../../policy/rules/nodes";
import { storagePolicies } from "../../policy/rules/storage";
import { repositoryRoot } from "../../harness";
import { FakeResource, violations } from "./support";

const readJson = (file: string) => JSON.parse(fs.readFileSync(path.join(repositoryRoot, file), "utf8"));

describe("policy pack: wiring", () => {
    const modulePolicies = [
        ...iamPolicies,
        ...ecrPolicies,
        ...eksPolicies,
        ...storagePolicies,
        ...nodePolicies,
        ...kubernetesWorkloadPolicies,
        ...kubernetesAvailabilityPolicies,
        ...kubernetesServicePolicies,
        ...helmPolicies,
    ];

    it("serves every policy of every rule module, each once", () => {
        assert.deepEqual(
            guardrails.map((policy) => policy.name),
            modulePolicies.map((policy) => policy.name),
        );
        assert.equal(new Set(guardrails.map((policy) => policy.name)).size, guardrails.length);
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
