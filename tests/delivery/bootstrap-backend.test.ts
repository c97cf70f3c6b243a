// bootstrap/ under the harness's mocks: the state backend, and what the program reads and EC2 needs from the account
// (the repositories and the Spot service-linked role).
import { strict as assert } from "node:assert";
import type { PolicyDocument, PolicyStatement } from "../../components/iam-documents";
import { Run } from "../../harness";
import { evaluate } from "./iam-evaluator";
import { accountId, boundaryArnOf, bucket, deployRoleOf, oidcProviderArn, parsed, region, runBootstrap } from "./bootstrap-support";

describe("bootstrap (GitHub OIDC, delivery roles, state backend)", function () {
    this.timeout(120000);
    let run: Run;
    const policiesOf = (key: string): PolicyDocument[] => run.resources.filter((r) => r.type === "aws:iam/policy:Policy" && r.name.startsWith(`${key}-`)).map((r) => parsed(r.inputs.policy));

    before(async () => {
        run = await runBootstrap({ "eks-app-bootstrap:githubRepository": "acme/eks-app" });
    });

    describe("state backend", () => {
        it("blocks every kind of public access to the state bucket, owns every object and refuses requests without TLS", () => {
            const block = run.one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock").inputs;
            assert.deepEqual([block.blockPublicAcls, block.blockPublicPolicy, block.ignorePublicAcls, block.restrictPublicBuckets], [true, true, true, true]);
            assert.equal(run.one("aws:s3/bucketOwnershipControls:BucketOwnershipControls").inputs.rule.objectOwnership, "BucketOwnerEnforced");
            const [statement] = parsed(run.one("aws:s3/bucketPolicy:BucketPolicy").inputs.policy).Statement as [PolicyStatement];
            assert.deepEqual([statement.Effect, statement.Condition], ["Deny", { Bool: { "aws:SecureTransport": "false" } }]);
        });

        it("encrypts the state with its own rotating key and versions it; one secrets key per environment", () => {
            const [rule] = run.one("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration").inputs.rules;
            assert.equal(rule.applyServerSideEncryptionByDefault.kmsMasterKeyId, `arn:aws:kms:${region}:${accountId}:key/pulumi-state`);
            for (const key of run.ofType("aws:kms/key:Key")) assert.equal(key.inputs.enableKeyRotation, true, key.name);
            assert.deepEqual(run.ofType("aws:kms/alias:Alias").map((alias) => alias.inputs.name).sort(), ["alias/eks-app-pulumi-secrets-dev", "alias/eks-app-pulumi-secrets-prod", "alias/eks-app-pulumi-state"]);
            assert.equal(run.one("aws:s3/bucketVersioning:BucketVersioning").inputs.versioningConfiguration.status, "Enabled");
        });

        it("exports what the repository settings and `pulumi stack init` need", () => {
            assert.deepEqual(run.outputs, {
                imagePushRoleArn: `arn:aws:iam::${accountId}:role/eks-app-ci/eks-app-image-push`,
                stagingDeployRoleArn: `arn:aws:iam::${accountId}:role/eks-app-ci/eks-app-staging-deploy`,
                productionDeployRoleArn: `arn:aws:iam::${accountId}:role/eks-app-ci/eks-app-production-deploy`,
                stagingPreviewRoleArn: `arn:aws:iam::${accountId}:role/eks-app-ci/eks-app-staging-preview`,
                productionPreviewRoleArn: `arn:aws:iam::${accountId}:role/eks-app-ci/eks-app-production-preview`,
                stagingReviewRoleArn: `arn:aws:iam::${accountId}:role/eks-app-ci/eks-app-staging-review`,
                stagingPermissionsBoundaryArn: boundaryArnOf("staging"),
                productionPermissionsBoundaryArn: boundaryArnOf("production"),
                oidcProviderArn,
                repositoryUrls: { dev: `${accountId}.dkr.ecr.${region}.amazonaws.com/eks-app-dev`, prod: `${accountId}.dkr.ecr.${region}.amazonaws.com/eks-app-prod` },
                reviewRepositoryUrl: `${accountId}.dkr.ecr.${region}.amazonaws.com/eks-app-dev-review`,
                stateBucketName: bucket,
                backendUrl: `s3://${bucket}`,
                secretsProviders: { dev: `awskms://alias/eks-app-pulumi-secrets-dev?region=${region}`, prod: `awskms://alias/eks-app-pulumi-secrets-prod?region=${region}` },
            });
        });
    });

    describe("what the program reads and EC2 needs: the repositories and the Spot service-linked role", () => {
        const repositoryArn = (name: string) => `arn:aws:ecr:${region}:${accountId}:repository/${name}`;

        it("creates each environment's repository under the name the program reads, immutable, scanned, KMS-encrypted, kept", () => {
            const repositories = run.ofType("aws:ecr/repository:Repository").filter((repository) => repository.name !== "review-registry");
            assert.deepEqual(repositories.map((repository) => repository.inputs.name).sort(), ["eks-app-dev", "eks-app-prod"]);
            for (const repository of repositories) {
                assert.equal(repository.inputs.imageTagMutability, "IMMUTABLE", repository.name);
                assert.equal(repository.inputs.imageScanningConfiguration.scanOnPush, true, repository.name);
                assert.deepEqual(repository.inputs.encryptionConfigurations, [{ encryptionType: "KMS" }], repository.name);
                assert.equal(repository.inputs.forceDelete, false, repository.name);
                assert.equal(repository.options.protect, true, repository.name);
            }
        });

        it("expires untagged images after a day and keeps the newest 20 tagged in staging, 100 in production", () => {
            const kept = (environment: string) => {
                const rules = JSON.parse(run.one("aws:ecr/lifecyclePolicy:LifecyclePolicy", `${environment}-registry`).inputs.policy).rules;
                assert.deepEqual(rules[0].selection, { tagStatus: "untagged", countType: "sinceImagePushed", countUnit: "days", countNumber: 1 });
                return rules[1].selection.countNumber;
            };
            assert.deepEqual([kept("staging"), kept("production")], [20, 100]);
        });

        it("leaves no deploy role able to create, delete or reconfigure a repository, its own included", () => {
            for (const environment of ["staging", "production"] as const) {
                for (const name of ["eks-app-dev", "eks-app-prod"]) {
                    for (const action of ["ecr:CreateRepository", "ecr:DeleteRepository", "ecr:PutLifecyclePolicy", "ecr:DeleteLifecyclePolicy", "ecr:PutImageTagMutability", "ecr:BatchDeleteImage", "ecr:SetRepositoryPolicy"]) {
                        assert.equal(evaluate(policiesOf(deployRoleOf[environment]), { action, resource: repositoryArn(name) }), "not allowed", `${environment} ${action} ${name}`);
                    }
                }
            }
        });

        it("creates EC2's Spot service-linked role when the account lacks it, and keeps it when the stack goes", () => {
            const spot = run.one("aws:iam/serviceLinkedRole:ServiceLinkedRole");
            assert.equal(spot.inputs.awsServiceName, "spot.amazonaws.com");
            assert.equal(spot.options.importId, undefined);
            assert.equal(spot.options.retainOnDelete, true);
        });

        it("adopts the Spot service-linked role an account has already, instead of failing to create it twice", async () => {
            const adopting = await runBootstrap({ "eks-app-bootstrap:githubRepository": "acme/eks-app" }, { spotRoleExists: true });
            const spot = adopting.one("aws:iam/serviceLinkedRole:ServiceLinkedRole");
            assert.equal(spot.options.importId, `arn:aws:iam::${accountId}:role/aws-service-role/spot.amazonaws.com/AWSServiceRoleForEC2Spot`);
            // An import fails when the inputs differ from the role: a service-linked role has nothing to differ but its service.
            assert.deepEqual(Object.keys(spot.inputs).filter((key) => !key.startsWith("__")), ["awsServiceName"]);
        });
    });
});
