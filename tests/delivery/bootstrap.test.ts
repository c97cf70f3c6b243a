// bootstrap/ under the harness's mocks: who may assume each delivery role, what the documents hold, the image
// push and preview roles, and the configuration bootstrap accepts.
import { strict as assert } from "node:assert";
import type { PolicyDocument, PolicyStatement } from "../../components/iam-documents";
import { parseBootstrapConfig } from "../../bootstrap/config";
import { stackOf } from "../../bootstrap/policies";
import { Run } from "../../harness";
import { iamGuardrailViolations } from "../support/iam";
import { allowedActions, evaluate } from "./iam-evaluator";
import { accountId, asList, bucket, oidcProviderArn, otherEnvironment, parsed, region, roleKeys, runBootstrap } from "./bootstrap-support";

describe("bootstrap (GitHub OIDC, delivery roles, state backend)", function () {
    this.timeout(120000);
    let run: Run;
    const trustOf = (key: string) => parsed(run.one("aws:iam/role:Role", key).inputs.assumeRolePolicy);
    const subjectsOf = (key: string) => trustOf(key).Statement.flatMap((statement) => asList(statement.Condition?.StringEquals?.["token.actions.githubusercontent.com:sub"]));
    const policiesOf = (key: string): PolicyDocument[] => run.resources.filter((r) => r.type === "aws:iam/policy:Policy" && r.name.startsWith(`${key}-`)).map((r) => parsed(r.inputs.policy));
    const boundaries = () => (["staging", "production"] as const).map((environment) => parsed(run.one("aws:iam/policy:Policy", `${environment}-program-boundary`).inputs.policy));

    before(async () => {
        run = await runBootstrap({ "eks-app-bootstrap:githubRepository": "acme/eks-app" });
    });

    describe("trust: one GitHub subject per role", () => {
        const expected: Record<(typeof roleKeys)[number], string> = {
            imagePush: "repo:acme/eks-app:ref:refs/heads/main",
            stagingDeploy: "repo:acme/eks-app:environment:staging",
            productionDeploy: "repo:acme/eks-app:environment:production",
            stagingPreview: "repo:acme/eks-app:environment:preview",
            productionPreview: "repo:acme/eks-app:environment:production-preview",
            stagingReview: "repo:acme/eks-app:environment:review",
        };
        for (const key of roleKeys) {
            it(`lets only GitHub's tokens for sts.amazonaws.com with subject ${expected[key]} assume the ${key} role`, () => {
                const trust = trustOf(key);
                assert.equal(trust.Statement.length, 1);
                const [statement] = trust.Statement as [PolicyStatement];
                assert.deepEqual([statement.Effect, statement.Principal, statement.Action], ["Allow", { Federated: oidcProviderArn }, "sts:AssumeRoleWithWebIdentity"]);
                assert.deepEqual(statement.Condition, { StringEquals: { "token.actions.githubusercontent.com:aud": "sts.amazonaws.com", "token.actions.githubusercontent.com:sub": expected[key] } });
            });
        }

        it("keeps staging and production apart: no production subject in a staging role's trust, and the other way round", () => {
            for (const key of ["imagePush", "stagingDeploy", "stagingPreview", "stagingReview"]) assert.ok(!subjectsOf(key).some((subject) => /production/.test(subject)), key);
            for (const key of ["productionDeploy", "productionPreview"]) assert.ok(!subjectsOf(key).some((subject) => /staging|:preview$|refs\/heads/.test(subject)), key);
        });

        it("trusts no pull_request token, and puts every role on CI's own path", () => {
            for (const key of roleKeys) {
                assert.ok(!subjectsOf(key).some((subject) => subject.endsWith(":pull_request")), key);
                assert.equal(run.one("aws:iam/role:Role", key).inputs.path, "/eks-app-ci/", key);
            }
        });

        it("passes the policy pack's role rules, were it applied here: the trust rule is the program's, not bootstrap's", async () => {
            const roles = run.ofType("aws:iam/role:Role");
            assert.deepEqual(await iamGuardrailViolations(roles, "admin", "eks-app-bootstrap"), []);
            // The same roles in the program's project would trust what its roles may not: the project is what exempts them.
            const asProgram = await iamGuardrailViolations(roles, "dev");
            assert.equal(asProgram.filter((violation) => /^iam-role-trusts-only-cluster-services: .*lets Federated "arn:aws:iam::\d+:oidc-provider\/token\.actions\.githubusercontent\.com"/.test(violation)).length, roleKeys.length, asProgram.join("\n"));
        });

        it("creates GitHub's OIDC provider for the sts.amazonaws.com audience", () => {
            const provider = run.one("aws:iam/openIdConnectProvider:OpenIdConnectProvider");
            assert.equal(provider.inputs.url, "https://token.actions.githubusercontent.com");
            assert.deepEqual(provider.inputs.clientIdLists, ["sts.amazonaws.com"]);
        });
    });

    describe("documents", () => {
        it("name every action explicitly in every Allow (the project's no-wildcard rule), and no NotAction or NotResource", () => {
            for (const document of [...roleKeys.flatMap(policiesOf), ...boundaries()]) {
                for (const statement of document.Statement) {
                    assert.ok(!("NotAction" in statement) && !("NotResource" in statement), statement.Sid);
                    if (statement.Effect === "Allow") for (const action of asList(statement.Action)) assert.match(action, /^[a-z0-9-]+:[A-Za-z0-9]+$/, `${statement.Sid}: ${action}`);
                }
            }
        });

        it("fit each managed policy in IAM's 6,144 characters", () => {
            for (const document of [...roleKeys.flatMap(policiesOf), ...boundaries()]) assert.ok(JSON.stringify(document).length < 6144, document.Statement[0]?.Sid);
        });
    });

    describe("image push and preview roles", () => {
        const repository = (name: string) => `arn:aws:ecr:${region}:${accountId}:repository/${name}`;

        it("let the image job push to staging's repository only, with no state and no stack", () => {
            const push = policiesOf("imagePush");
            assert.equal(evaluate(push, { action: "ecr:PutImage", resource: repository("eks-app-dev") }), "allowed");
            assert.equal(evaluate(push, { action: "ecr:PutImage", resource: repository("eks-app-prod") }), "not allowed");
            assert.ok(![...allowedActions(push)].some((action) => !action.startsWith("ecr:")));
        });

        for (const [key, environment] of [["stagingPreview", "staging"], ["productionPreview", "production"]] as const) {
            it(`give the ${key} role reads (of roles, only its own stack's), its stack's state and lock, and its own secrets key only`, () => {
                const preview = policiesOf(key);
                for (const action of allowedActions(preview)) assert.match(action, /^[a-z0-9-]+:(Describe|Get|List)|^kms:(Decrypt|GenerateDataKey)$|^s3:(PutObject|DeleteObject)$/, action);
                const stack = stackOf[environment];
                const other = stackOf[otherEnvironment[environment]];
                assert.equal(evaluate(preview, { action: "s3:GetObject", resource: `arn:aws:s3:::${bucket}/.pulumi/stacks/eks-app/${stack}.json` }), "allowed");
                assert.equal(evaluate(preview, { action: "s3:GetObject", resource: `arn:aws:s3:::${bucket}/.pulumi/stacks/eks-app/${other}.json` }), "not allowed");
                assert.equal(evaluate(preview, { action: "s3:PutObject", resource: `arn:aws:s3:::${bucket}/.pulumi/stacks/eks-app/${stack}.json` }), "not allowed");
                assert.equal(evaluate(preview, { action: "s3:PutObject", resource: `arn:aws:s3:::${bucket}/.pulumi/locks/organization/eks-app/${stack}/lock.json` }), "allowed");
                assert.equal(evaluate(preview, { action: "kms:Decrypt", resource: `arn:aws:kms:${region}:${accountId}:key/pulumi-secrets-${environment}` }), "allowed");
                assert.equal(evaluate(preview, { action: "kms:Decrypt", resource: `arn:aws:kms:${region}:${accountId}:key/pulumi-secrets-${otherEnvironment[environment]}` }), "not allowed");
                assert.equal(evaluate(preview, { action: "iam:GetRole", resource: `arn:aws:iam::${accountId}:role/eks-app/${stack}/cluster-node-1` }), "allowed");
                assert.equal(evaluate(preview, { action: "iam:GetRole", resource: `arn:aws:iam::${accountId}:role/eks-app/${other}/cluster-node-1` }), "not allowed");
                // The program looks Loki's bucket up (and a preview of adopting it reads it): its own stack's only.
                const logBucket = (s: string) => `arn:aws:s3:::eks-app-${s}-logs-${accountId}-${region}`;
                for (const action of ["s3:ListBucket", "s3:GetBucketWebsite", "s3:GetEncryptionConfiguration", "s3:GetBucketPolicy"]) {
                    assert.equal(evaluate(preview, { action, resource: logBucket(stack) }), "allowed", action);
                    assert.equal(evaluate(preview, { action, resource: logBucket(other) }), "not allowed", action);
                }
            });
        }
    });

    describe("configuration", () => {
        it("reuses an existing OIDC provider instead of creating a second one", async () => {
            const existing = `arn:aws:iam::${accountId}:oidc-provider/token.actions.githubusercontent.com`;
            const reusing = await runBootstrap({ "eks-app-bootstrap:githubRepository": "acme/eks-app", "eks-app-bootstrap:existingOidcProviderArn": existing });
            assert.equal(reusing.ofType("aws:iam/openIdConnectProvider:OpenIdConnectProvider").length, 0);
            assert.deepEqual(parsed(reusing.one("aws:iam/role:Role", "stagingDeploy").inputs.assumeRolePolicy).Statement[0]?.Principal, { Federated: existing });
        });

        it("scopes Route 53 to the configured hosted zones, and grants none without them", async () => {
            assert.ok(!roleKeys.flatMap(policiesOf).some((document) => [...allowedActions([document])].some((action) => action.startsWith("route53:"))));
            const withZones = await runBootstrap({ "eks-app-bootstrap:githubRepository": "acme/eks-app", "eks-app-bootstrap:route53HostedZoneIds": '["Z0123456789ABC"]' });
            const registry = parsed(withZones.one("aws:iam/policy:Policy", "stagingDeploy-registry").inputs.policy);
            const records = registry.Statement.find((statement) => statement.Sid === "AppDnsRecords");
            assert.deepEqual(asList(records?.Resource), ["arn:aws:route53:::hostedzone/Z0123456789ABC"]);
        });

        it("stops a run without a valid repository, naming the key", async () => {
            await assert.rejects(runBootstrap({}), /eks-app-bootstrap:githubRepository must be the repository as owner\/name/);
        });

        it("accepts owner/name and rejects anything else; checks the region and the OIDC provider's issuer", () => {
            assert.equal(parseBootstrapConfig({ githubRepository: "acme-corp/eks.app_2", region }).githubRepository, "acme-corp/eks.app_2");
            for (const repository of ["acme", "acme/", "/eks-app", "acme/eks-app/extra", "-acme/eks-app", "acme/..", "https://github.com/acme/eks-app"]) {
                assert.throws(() => parseBootstrapConfig({ githubRepository: repository, region }), /eks-app-bootstrap:githubRepository/, repository);
            }
            assert.throws(() => parseBootstrapConfig({ githubRepository: "acme/eks-app", region: "Europe" }), /aws:region/);
            assert.throws(
                () => parseBootstrapConfig({ githubRepository: "acme/eks-app", region, existingOidcProviderArn: `arn:aws:iam::${accountId}:oidc-provider/example.com` }),
                /eks-app-bootstrap:existingOidcProviderArn/,
            );
        });
    });
});
