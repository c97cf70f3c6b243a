// The review role bootstrap creates (the `review` GitHub environment, .github/workflows/review.yml), its documents
// evaluated: it keeps review stacks (pr-<n>), reads staging's, pushes images to staging's repository, and reaches
// nothing of staging's own or of production. Its Kubernetes access is staging's to grant (tests/review/review.test.ts).
import { strict as assert } from "node:assert";
import type { PolicyDocument, PolicyStatement } from "../../components/iam-documents";
import { Run, runProgram } from "../../harness";
import { allowedActions, evaluate } from "./iam-evaluator";
import { accountId, bucket, parsed, region, runBootstrap } from "./bootstrap-support";

const state = (key: string) => `arn:aws:s3:::${bucket}/.pulumi/${key}`;
const repository = (name: string) => `arn:aws:ecr:${region}:${accountId}:repository/${name}`;
const secretsKey = (environment: string) => `arn:aws:kms:${region}:${accountId}:key/pulumi-secrets-${environment}`;

describe("bootstrap: the review role", function () {
    this.timeout(120000);
    let run: Run;
    let review: PolicyDocument[];
    before(async () => {
        run = await runBootstrap({ "eks-app-bootstrap:githubRepository": "acme/eks-app" });
        review = run.resources.filter((r) => r.type === "aws:iam/policy:Policy" && r.name.startsWith("stagingReview-")).map((r) => parsed(r.inputs.policy));
    });

    it("is assumed only with GitHub's token of the review environment, and is the role staging's stack grants review access", async () => {
        const role = run.one("aws:iam/role:Role", "stagingReview");
        const [statement, ...others] = parsed(role.inputs.assumeRolePolicy).Statement as PolicyStatement[];
        assert.deepEqual(others, []);
        assert.deepEqual(statement.Condition, { StringEquals: { "token.actions.githubusercontent.com:aud": "sts.amazonaws.com", "token.actions.githubusercontent.com:sub": "repo:acme/eks-app:environment:review" } });
        const dev = await runProgram("dev");
        const granted = dev.ofType("aws:eks/accessPolicyAssociation:AccessPolicyAssociation").find((a) => a.inputs.accessScope.type === "namespace");
        assert.equal(granted?.inputs.principalArn, run.outputs.stagingReviewRoleArn);
    });

    it("keeps the review stacks' state and locks, and reads staging's state without locking or writing it", () => {
        for (const key of ["stacks/eks-app/pr-12.json", "history/eks-app/pr-12/pr-12-1.history.json", "backups/eks-app/pr-12/pr-12.1.json", "locks/organization/eks-app/pr-12/lock.json"]) {
            for (const action of ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]) assert.equal(evaluate(review, { action, resource: state(key) }), "allowed", `${action} ${key}`);
        }
        assert.equal(evaluate(review, { action: "s3:GetObject", resource: state("stacks/eks-app/dev.json") }), "allowed");
        for (const action of ["s3:PutObject", "s3:DeleteObject"]) {
            assert.equal(evaluate(review, { action, resource: state("stacks/eks-app/dev.json") }), "not allowed", action);
            assert.equal(evaluate(review, { action, resource: state("locks/organization/eks-app/dev/lock.json") }), "not allowed", action);
        }
        for (const action of ["s3:GetObject", "s3:PutObject"]) assert.equal(evaluate(review, { action, resource: state("stacks/eks-app/prod.json") }), "not allowed", action);
    });

    it("decrypts with staging's secrets key only, never production's", () => {
        assert.equal(evaluate(review, { action: "kms:Decrypt", resource: secretsKey("staging") }), "allowed");
        assert.equal(evaluate(review, { action: "kms:Decrypt", resource: secretsKey("production") }), "not allowed");
    });

    it("pushes and reads images in the review repository only, never in staging's or production's (no tag main deploys)", () => {
        const created = run.ofType("aws:ecr/repository:Repository").find((r) => r.inputs.name === "eks-app-dev-review");
        assert.equal(created?.inputs.imageTagMutability, "IMMUTABLE");
        for (const action of ["ecr:PutImage", "ecr:DescribeImages", "ecr:CompleteLayerUpload"]) {
            assert.equal(evaluate(review, { action, resource: repository("eks-app-dev-review") }), "allowed", action);
            for (const other of ["eks-app-dev", "eks-app-prod"]) assert.equal(evaluate(review, { action, resource: repository(other) }), "not allowed", `${action} ${other}`);
        }
        for (const action of ["ecr:DeleteRepository", "ecr:BatchDeleteImage", "ecr:PutLifecyclePolicy", "ecr:SetRepositoryPolicy"]) {
            assert.equal(evaluate(review, { action, resource: repository("eks-app-dev-review") }), "not allowed", action);
        }
    });

    it("expires review images after the longest a review environment lives since its last push, and keeps none of staging's count", () => {
        const policy = JSON.parse(run.one("aws:ecr/lifecyclePolicy:LifecyclePolicy", "review-registry").inputs.policy);
        const expiry = policy.rules.find((rule: { selection: { tagStatus: string } }) => rule.selection.tagStatus === "any");
        assert.equal(expiry.selection.countType, "sinceImagePushed");
        assert.ok(expiry.selection.countNumber >= 14, "a review environment lives up to 14 days (eks-app:reviewLifetimeDays) after its last push");
    });

    it("calls no EKS, IAM, EC2 or other service API: it cannot change the cluster, its access or the network", () => {
        const services = new Set([...allowedActions(review)].map((action) => action.split(":")[0]));
        assert.deepEqual([...services].sort(), ["ecr", "kms", "s3"]);
        for (const action of ["eks:CreateAccessEntry", "eks:AssociateAccessPolicy", "eks:UpdateClusterConfig", "iam:PassRole", "ec2:CreateSecurityGroup"]) {
            assert.equal(evaluate(review, { action, resource: "*" }), "not allowed", action);
        }
    });
});
