// Review environments from the other side: what staging grants them, the tools run on Pulumi.review.yaml, and
// the review settings' refusals. tests/review/review.test.ts checks a review stack's own resources.
import { strict as assert } from "assert";
import * as path from "path";
import { ProgramRun, repositoryRoot, runProgram, testAccountId, testStagingOutputs } from "../../harness";
import { representativeStack, runStackFile } from "../../scripts/cli";
import { ConfigError, parseSettings } from "../../stacks/settings";

const reviewFile = path.join(repositoryRoot, "Pulumi.review.yaml");
/** A deploy time as the review workflow sets it (review-stack.sh). */
const deployedAt = "2026-12-04T20:15:00Z";

describe("staging's side of review environments (stack dev)", function () {
    this.timeout(5 * 60 * 1000);
    const reviewRole = "eks-app-ci/eks-app-staging-review";
    let run: ProgramRun;
    before(async () => {
        run = await runProgram("dev", { config: { "eks-app:clusterReviewRole": reviewRole } });
    });

    it("exports everything a review stack reads", () => {
        for (const key of Object.keys(testStagingOutputs)) assert.ok(key in run.outputs, `staging does not export ${key}`);
        assert.equal(run.outputs.vpcCidr, testStagingOutputs.vpcCidr);
        assert.ok(run.secretOutputs.has("kubeconfig"));
    });

    it("grants the review role edit access scoped to eks-app-pr-* namespaces, and no cluster-wide access policy", () => {
        const principalArn = `arn:aws:iam::${testAccountId}:role/${reviewRole}`;
        const associations = run.ofType("aws:eks/accessPolicyAssociation:AccessPolicyAssociation").filter((a) => a.inputs.principalArn === principalArn);
        assert.equal(associations.length, 1);
        assert.deepEqual(associations[0].inputs.accessScope, { type: "namespace", namespaces: ["eks-app-pr-*"] });
        assert.match(associations[0].inputs.policyArn, /cluster-access-policy\/AmazonEKSEditPolicy$/);
        const entry = run.ofType("aws:eks/accessEntry:AccessEntry").filter((e) => e.inputs.principalArn === principalArn);
        assert.deepEqual(entry.map((e) => e.inputs.kubernetesGroups), [["eks-app:review-environments"]]);
    });

    it("holds the review role's namespace and quota rights to eks-app-pr-* with restricted Pod Security, by an admission policy", () => {
        const policy = run.resources.find((r) => r.inputs.kind === "ValidatingAdmissionPolicy")!.inputs.spec;
        assert.match(policy.matchConditions[0].expression, /'eks-app:review-environments'/);
        const expressions = policy.validations.map((v: { expression: string }) => v.expression).join("\n");
        assert.match(expressions, /startsWith\('eks-app-pr-'\)/);
        assert.match(expressions, /pod-security\.kubernetes\.io\/enforce'\] == 'restricted'/);
        const binding = run.resources.find((r) => r.inputs.kind === "ValidatingAdmissionPolicyBinding")!.inputs.spec;
        assert.deepEqual(binding.validationActions, ["Deny"]);
    });

    it("grants nothing to review environments when no review role is named", async () => {
        const plain = await runProgram("dev", { without: ["eks-app:clusterReviewRole"] });
        assert.equal(plain.resources.filter((r) => r.type.startsWith("eks-app:review:")).length, 0);
    });
});

describe("the tools on Pulumi.review.yaml (npm run cost, npm run check:manifests)", function () {
    this.timeout(5 * 60 * 1000);

    it("run it as a review stack, standing in for the image tag the workflow sets on each run", async () => {
        const run = await runStackFile({ stack: "pr-5", file: reviewFile });
        assert.equal(run.outputs.imageTag, "pr-5-stand-in");
        const tagged = await runStackFile({ stack: "pr-5", file: reviewFile }, { config: { "eks-app:imageTag": "pr-5-0123abc" } });
        assert.equal(tagged.outputs.imageTag, "pr-5-0123abc");
    });

    it("check the shared file as review stack pr-1 with --all, and other stack files as themselves", () => {
        assert.equal(representativeStack({ stack: "review", file: reviewFile }).stack, "pr-1");
        assert.equal(representativeStack({ stack: "dev", file: path.join(repositoryRoot, "Pulumi.dev.yaml") }).stack, "dev");
    });
});

describe("review settings", () => {
    const settings = (stack: string, config: Record<string, string>) => () =>
        parseSettings({ project: "eks-app", stack, config: { "aws:region": "eu-west-1", ...config } });
    const review = { "eks-app:environment": "review", "eks-app:imageTag": "pr-9-0123abc", "eks-app:reviewUpdatedAt": deployedAt };

    it("take the pull request's number from the stack name", () => {
        assert.equal(settings("pr-9", review)().pullRequest, 9);
    });

    it("refuse a lifetime longer than review images are kept, naming the key and what is allowed", () => {
        assert.throws(settings("pr-9", { ...review, "eks-app:reviewLifetimeDays": "30" }), (e: Error) => e instanceof ConfigError && /eks-app:reviewLifetimeDays = "30" is not allowed: expected an integer number of days from 1 to 14/.test(e.message));
    });

    it("refuse a review stack without its deploy time, or with one that is not a real RFC 3339 UTC time in whole seconds", () => {
        assert.throws(settings("pr-9", { "eks-app:environment": "review", "eks-app:imageTag": "pr-9-0123abc" }), /eks-app:reviewUpdatedAt is not set: the review workflow sets it/);
        for (const value of ["2026-02-30T00:00:00Z", "2026-12-04T20:15:00.123Z", "2026-12-04T20:15:00+01:00", "yesterday"]) {
            assert.throws(
                settings("pr-9", { ...review, "eks-app:reviewUpdatedAt": value }),
                (e: Error) => e instanceof ConfigError && e.message.includes(`eks-app:reviewUpdatedAt = ${JSON.stringify(value)} is not allowed: expected an RFC 3339 UTC time`),
                value,
            );
        }
        assert.throws(settings("dev", { "eks-app:environment": "staging", "eks-app:reviewUpdatedAt": deployedAt }), /eks-app:reviewUpdatedAt is set in a staging stack/);
    });

    it("refuse review keys in other stacks, and the review role anywhere but staging", () => {
        assert.throws(settings("dev", { "eks-app:environment": "staging", "eks-app:reviewCpuQuota": "2" }), /eks-app:reviewCpuQuota is set in a staging stack: only review stacks/);
        assert.throws(
            settings("prod", { "eks-app:environment": "production", "eks-app:clusterReviewRole": "eks-app-ci/eks-app-staging-review" }),
            /eks-app:clusterReviewRole is set in a production stack: review environments run on staging's cluster only/,
        );
        assert.throws(settings("pr-9", { ...review, "eks-app:clusterReviewRole": "eks-app-ci/eks-app-staging-review" }), /eks-app:clusterReviewRole is not allowed in a review stack/);
    });

    it("refuse a review stack without an image, or with more than one app pod or Redis server", () => {
        assert.throws(settings("pr-9", { "eks-app:environment": "review", "eks-app:reviewUpdatedAt": deployedAt }), /eks-app:imageTag is not set: a review stack runs the pull request's own build/);
        assert.throws(settings("pr-9", { ...review, "eks-app:appMaxReplicas": "3" }), /a review environment runs one app pod and one Redis/);
    });
});
