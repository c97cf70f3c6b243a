// bootstrap/ under the harness's mocks: who may assume each delivery role, and, by evaluating the documents it
// creates, what each role may do against the calls the real program's resources need.
import { strict as assert } from "node:assert";
import type { PolicyDocument, PolicyStatement } from "../../components/iam-documents";
import { parseBootstrapConfig } from "../../bootstrap/config";
import { DeliveryEnvironment, passedToServices, stackOf } from "../../bootstrap/policies";
import { runProgram, Run } from "../../harness";
import { iamGuardrailViolations } from "../support/iam";
import { allowedActions, evaluate, Request } from "./iam-evaluator";
import { callsByType, CallContext, componentChildren, environmentNeutral, programDataSourceCalls } from "./program-aws-calls";
import { accountId, asList, boundaryArnOf, bucket, deployRoleOf, oidcProviderArn, otherEnvironment, parsed, region, roleKeys, runBootstrap } from "./bootstrap-support";

describe("bootstrap (GitHub OIDC, delivery roles, state backend)", function () {
    this.timeout(120000);
    let run: Run;
    const roleArn = (key: string) => String(run.outputs[`${key}RoleArn`]);
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

    for (const environment of ["staging", "production"] as const) {
        describe(`the ${environment} deploy role, evaluated against the calls the ${stackOf[environment]} program's resources need`, () => {
            let program: Awaited<ReturnType<typeof runProgram>>;
            let context: CallContext;
            const deployPolicies = () => policiesOf(deployRoleOf[environment]);
            const callsOf = (c: CallContext, types: string[]) => [...programDataSourceCalls(c), ...types.flatMap((type) => callsByType[type]?.(c) ?? [])];
            const awsTypes = () => [
                ...new Set(
                    program.resources
                        .filter((resource) => (resource.custom || resource.type in componentChildren) && !resource.type.startsWith("pulumi:providers:"))
                        .flatMap((resource) => componentChildren[resource.type] ?? [resource.type])
                        .filter((type) => /^aws:/.test(type)),
                ),
            ];

            before(async () => {
                program = await runProgram(stackOf[environment] as "dev" | "prod", {
                    config: { "eks-app:imageTag": "1111111111111111111111111111111111111111", "eks-app:iamPermissionsBoundaryArn": String(run.outputs[`${environment}PermissionsBoundaryArn`]) },
                });
                const stack = stackOf[environment];
                context = { environment, stack, name: `eks-app-${stack}`, accountId, region, programBoundaryArn: boundaryArnOf(environment), deployRoleArn: roleArn(deployRoleOf[environment]) };
            });

            it("has a table entry for every AWS resource type the program creates", () => {
                for (const type of awsTypes()) assert.ok(callsByType[type], `tests/delivery/program-aws-calls.ts lists no calls for ${type}`);
                assert.ok(awsTypes().length >= 15);
            });

            it("allows every call the program's resources need on create, update and delete", () => {
                const refused = callsOf(context, awsTypes()).filter((call) => evaluate(deployPolicies(), call) !== "allowed");
                assert.deepEqual(refused.map((call) => `${call.action} ${call.resource} ${evaluate(deployPolicies(), call)}`), []);
            });

            it("allows no action the program's resources, the state and the image copy do not need", () => {
                const needed = new Set(callsOf(context, Object.keys(callsByType)).map((call) => call.action));
                const pipeline = ["s3:ListBucket", "s3:GetBucketLocation", "s3:GetObject", "s3:PutObject", "s3:DeleteObject", "kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey", "ecr:GetAuthorizationToken"];
                const imageCopy = ["ecr:BatchGetImage", "ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:InitiateLayerUpload", "ecr:UploadLayerPart", "ecr:CompleteLayerUpload", "ecr:PutImage"];
                const extra = [...allowedActions(deployPolicies())].filter((action) => !needed.has(action) && !pipeline.includes(action) && !imageCopy.includes(action));
                assert.deepEqual(extra, []);
            });

            it(`refuses every write the ${otherEnvironment[environment]} program's resources need`, () => {
                const other = {
                    ...context,
                    environment: otherEnvironment[environment],
                    stack: stackOf[otherEnvironment[environment]],
                    name: `eks-app-${stackOf[otherEnvironment[environment]]}`,
                    programBoundaryArn: boundaryArnOf(otherEnvironment[environment]),
                };
                const writes = callsOf(other, awsTypes()).filter(
                    (call) =>
                        call.resource !== "*" &&
                        !/:(Describe|Get|List)/.test(call.action) &&
                        call.action !== "iam:CreateServiceLinkedRole" &&
                        !environmentNeutral(call),
                );
                assert.ok(writes.length > 50);
                const allowed = writes.filter((call) => evaluate(deployPolicies(), call) === "allowed");
                assert.deepEqual(allowed.map((call) => `${call.action} ${call.resource}`), []);
            });

            it(`touches no role or instance profile under /eks-app/${stackOf[otherEnvironment[environment]]}/, not even one carrying its own tags and boundary`, () => {
                // PassRole carries no tags, so the path must hold every grant: a role this deploy role could put
                // there, the other environment's deploy role and node roles could pass.
                const misplaced = { ...context, stack: stackOf[otherEnvironment[environment]] };
                const calls = callsOf(misplaced, Object.keys(callsByType)).filter((call) => /:iam::\d+:(role|instance-profile)\/eks-app\//.test(call.resource));
                assert.ok(calls.length >= 30);
                const allowed = calls.filter((call) => evaluate(deployPolicies(), call) === "allowed");
                assert.deepEqual(allowed.map((call) => `${call.action} ${call.resource}`), []);
            });

            it(`alone passes the ${stackOf[environment]} program's roles, at the paths it gives them, to EKS, Pod Identity and EC2`, () => {
                const passes = program.ofType("aws:iam/role:Role").flatMap((role) =>
                    passedToServices.map((service): Request => ({ action: "iam:PassRole", resource: `arn:aws:iam::${accountId}:role${role.inputs.path}${role.name}`, context: { "iam:PassedToService": service } })),
                );
                assert.ok(passes.length >= 4 * passedToServices.length);
                const show = (request: Request, decision: string) => `${request.resource} to ${request.context?.["iam:PassedToService"]}: ${decision}`;
                const decisions = (key: string) => passes.map((request) => show(request, evaluate(policiesOf(key), request)));
                assert.deepEqual(decisions(deployRoleOf[environment]), passes.map((request) => show(request, "allowed")));
                assert.deepEqual(decisions(deployRoleOf[otherEnvironment[environment]]), passes.map((request) => show(request, "not allowed")));
            });

            it("creates the program's roles only because the stack gives them the boundary: without it CreateRole is denied", () => {
                const roles = program.ofType("aws:iam/role:Role");
                assert.ok(roles.length >= 3);
                for (const role of roles) {
                    assert.equal(role.inputs.permissionsBoundary, boundaryArnOf(environment), role.name);
                    const createRole = (boundaryInRequest: Record<string, string>): Request => ({
                        action: "iam:CreateRole",
                        resource: `arn:aws:iam::${accountId}:role${role.inputs.path}${role.name}`,
                        context: { "aws:RequestTag/project": "eks-app", "aws:RequestTag/environment": environment, ...boundaryInRequest },
                    });
                    assert.equal(evaluate(deployPolicies(), createRole({ "iam:PermissionsBoundary": role.inputs.permissionsBoundary })), "allowed", role.name);
                    assert.equal(evaluate(deployPolicies(), createRole({})), "explicitly denied", role.name);
                }
            });

            it(`launches from its own templates only into ${environment}'s subnets and security groups, never ${otherEnvironment[environment]}'s`, () => {
                const ec2 = (resource: string) => `arn:aws:ec2:${region}:${accountId}:${resource}`;
                const launch = (resource: string, env?: DeliveryEnvironment): Request => ({
                    action: "ec2:RunInstances",
                    resource: ec2(resource),
                    context: { "ec2:LaunchTemplate": ec2("launch-template/lt-own"), ...(env ? { "aws:ResourceTag/project": "eks-app", "aws:ResourceTag/environment": env } : {}) },
                });
                const decide = (requests: Request[]) => requests.map((request) => `${request.resource} ${evaluate(deployPolicies(), request)}`);
                const own = [launch("subnet/subnet-own", environment), launch("security-group/sg-own", environment), launch("network-interface/*"), launch("network-interface/eni-own", environment)];
                assert.deepEqual(decide(own), own.map((request) => `${request.resource} allowed`));
                const other = otherEnvironment[environment];
                const foreign = [launch("subnet/subnet-other", other), launch("security-group/sg-other", other), launch("network-interface/eni-other", other), launch("subnet/subnet-untagged"), launch("security-group/sg-untagged")];
                assert.deepEqual(decide(foreign), foreign.map((request) => `${request.resource} not allowed`));
            });

            it(`cannot create or re-bound a role with the ${otherEnvironment[environment]} boundary, which would let it reach ${otherEnvironment[environment]}`, () => {
                const role = `arn:aws:iam::${accountId}:role/eks-app/${stackOf[environment]}/cluster-node-1`;
                const withBoundary = (boundary: string, tags: "RequestTag" | "ResourceTag") => ({
                    "iam:PermissionsBoundary": boundary,
                    [`aws:${tags}/project`]: "eks-app",
                    [`aws:${tags}/environment`]: environment,
                    "iam:PolicyARN": "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
                });
                const requests = (boundary: string): Request[] => [
                    { action: "iam:CreateRole", resource: role, context: withBoundary(boundary, "RequestTag") },
                    ...["iam:PutRolePermissionsBoundary", "iam:PutRolePolicy", "iam:AttachRolePolicy"].map((action) => ({ action, resource: role, context: withBoundary(boundary, "ResourceTag") })),
                ];
                const decisions = (boundary: string) => requests(boundary).map((request) => `${request.action} ${evaluate(deployPolicies(), request)}`);

                assert.deepEqual(decisions(boundaryArnOf(environment)), requests("").map((request) => `${request.action} allowed`));
                assert.deepEqual(decisions(boundaryArnOf(otherEnvironment[environment])), requests("").map((request) => `${request.action} explicitly denied`));
            });
        });
    }

    describe("guardrails in the deploy roles' own policies", () => {
        const deny = (request: Request) => assert.equal(evaluate(policiesOf("stagingDeploy"), request), "explicitly denied", `${request.action} ${request.resource}`);

        it("deny changing the boundary or CI's roles, roles without the boundary, foreign policies, users and keys", () => {
            for (const environment of ["staging", "production"] as const) {
                for (const action of ["iam:CreatePolicyVersion", "iam:DeletePolicy", "iam:SetDefaultPolicyVersion"]) deny({ action, resource: boundaryArnOf(environment) });
            }
            deny({ action: "iam:DeleteRolePermissionsBoundary", resource: `arn:aws:iam::${accountId}:role/eks-app/dev/cluster-node-1` });
            for (const action of ["iam:UpdateAssumeRolePolicy", "iam:PutRolePolicy", "iam:DeleteRole"]) {
                deny({ action, resource: roleArn("productionDeploy"), context: { "iam:PermissionsBoundary": boundaryArnOf("staging") } });
            }
            deny({
                action: "iam:AttachRolePolicy",
                resource: `arn:aws:iam::${accountId}:role/eks-app/dev/cluster-node-1`,
                context: { "iam:PermissionsBoundary": boundaryArnOf("staging"), "iam:PolicyARN": "arn:aws:iam::aws:policy/AdministratorAccess", "aws:ResourceTag/project": "eks-app", "aws:ResourceTag/environment": "staging" },
            });
            for (const action of ["iam:CreateUser", "iam:CreateAccessKey", "iam:CreateLoginProfile"]) deny({ action, resource: `arn:aws:iam::${accountId}:user/someone` });
        });

        it("let the deploy roles pass the program's roles to EKS, Pod Identity and EC2 (Karpenter's instance profile) only", () => {
            const pass = (service: string): Request => ({
                action: "iam:PassRole",
                resource: `arn:aws:iam::${accountId}:role/eks-app/dev/cluster-node-1`,
                context: { "iam:PassedToService": service, "aws:ResourceTag/project": "eks-app", "aws:ResourceTag/environment": "staging" },
            });
            for (const service of ["eks.amazonaws.com", "pods.eks.amazonaws.com", "ec2.amazonaws.com"]) assert.equal(evaluate(policiesOf("stagingDeploy"), pass(service)), "allowed", service);
            for (const service of ["lambda.amazonaws.com", "ecs-tasks.amazonaws.com"]) assert.equal(evaluate(policiesOf("stagingDeploy"), pass(service)), "not allowed", service);
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
