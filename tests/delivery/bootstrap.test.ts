import { strict as assert } from "node:assert";
import { join, sep } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import type { PolicyDocument, PolicyStatement } from "../../components/iam-documents";
import { parseBootstrapConfig } from "../../bootstrap/config";
import { repositoryRoot } from "./run-script";

const accountId = "123456789012";
const bootstrapDir = join(repositoryRoot, "bootstrap");
const boundaryArn = `arn:aws:iam::${accountId}:policy/eks-app-ci/eks-app-permissions-boundary`;
const oidcProviderArn = `arn:aws:iam::${accountId}:oidc-provider/token.actions.githubusercontent.com`;

interface Registered {
    type: string;
    name: string;
    inputs: Record<string, any>;
}

interface BootstrapRun {
    resources: Registered[];
    outputs: Record<string, unknown>;
    one(type: string, name?: string): Registered;
    document(type: string, name: string, property: string): PolicyDocument;
}

function mockState(type: string, name: string, inputs: Record<string, any>): Record<string, any> {
    switch (type) {
        case "aws:iam/role:Role":
        case "aws:iam/policy:Policy": {
            const kind = type === "aws:iam/role:Role" ? "role" : "policy";
            return { ...inputs, arn: `arn:aws:iam::${accountId}:${kind}${inputs.path ?? "/"}${inputs.name ?? name}` };
        }
        case "aws:iam/openIdConnectProvider:OpenIdConnectProvider":
            return { ...inputs, arn: oidcProviderArn };
        case "aws:kms/key:Key":
            return { ...inputs, arn: `arn:aws:kms:eu-west-1:${accountId}:key/1234abcd-12ab-34cd-56ef-1234567890ab`, keyId: "1234abcd-12ab-34cd-56ef-1234567890ab" };
        case "aws:s3/bucket:Bucket": {
            const bucket = `${inputs.bucketPrefix}20260101`;
            return { ...inputs, bucket, arn: `arn:aws:s3:::${bucket}` };
        }
        default:
            return inputs;
    }
}

async function runBootstrap(config: Record<string, string>): Promise<BootstrapRun> {
    const resources: Registered[] = [];
    await pulumi.runtime.setMocks(
        {
            newResource: ({ type, name, inputs }) => {
                const state = mockState(type, name, inputs);
                resources.push({ type, name, inputs });
                return { id: `${name}-id`, state };
            },
            call: ({ token }) => {
                if (token === "aws:index/getCallerIdentity:getCallerIdentity") {
                    return { accountId, arn: `arn:aws:iam::${accountId}:user/administrator`, userId: "AIDAEXAMPLE", id: accountId };
                }
                if (token === "aws:index/getPartition:getPartition") return { partition: "aws", dnsSuffix: "amazonaws.com", id: "aws" };
                throw new Error(`unexpected call ${token}`);
            },
        },
        "eks-app-bootstrap",
        "admin",
        false,
    );
    pulumi.runtime.setAllConfig({ "aws:region": "eu-west-1", ...config });
    // Other test files load @pulumi/pulumi too; the bootstrap itself is loaded afresh with this config.
    for (const cached of Object.keys(require.cache)) {
        if (cached.startsWith(bootstrapDir + sep)) delete require.cache[cached];
    }

    let exported: Record<string, unknown> = {};
    await pulumi.runtime.runInPulumiStack(async () => {
        const program = require(join(bootstrapDir, "index.ts")) as () => Promise<Record<string, unknown>>;
        exported = await program();
        return exported;
    });
    const outputs: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(exported)) {
        outputs[key] = await new Promise((resolve) => (pulumi.output(value) as pulumi.Output<unknown>).apply(resolve));
    }
    // Registrations whose inputs resolved after the outputs still have to reach the mocks.
    for (let i = 0; i < 20; i++) await new Promise((resolve) => setTimeout(resolve, 0));

    const one = (type: string, name?: string) => {
        const matches = resources.filter((resource) => resource.type === type && (name === undefined || resource.name === name));
        assert.equal(matches.length, 1, `one ${type} ${name ?? ""}`);
        return matches[0] as Registered;
    };
    return {
        resources,
        outputs,
        one,
        document: (type, name, property) => JSON.parse(one(type, name).inputs[property]) as PolicyDocument,
    };
}

const asList = (value: string | string[] | undefined) => (value === undefined ? [] : ([] as string[]).concat(value));
const allows = (document: PolicyDocument) => document.Statement.filter((statement) => statement.Effect === "Allow");
const actionsOf = (statements: PolicyStatement[]) => statements.flatMap((statement) => asList(statement.Action));

describe("bootstrap (GitHub OIDC, delivery roles, state backend)", () => {
    let run: BootstrapRun;
    let deployPolicies: PolicyDocument[];
    let boundary: PolicyDocument;
    let previewPolicy: PolicyDocument;

    before(async () => {
        run = await runBootstrap({ "eks-app-bootstrap:githubRepository": "acme/eks-app" });
        deployPolicies = ["network", "cluster", "iam", "registryAndState"].map((concern) => run.document("aws:iam/policy:Policy", `deploy-${concern}`, "policy"));
        boundary = run.document("aws:iam/policy:Policy", "permissions-boundary", "policy");
        previewPolicy = run.document("aws:iam/rolePolicy:RolePolicy", "preview", "policy");
    });

    describe("trust", () => {
        for (const [role, subjects] of [
            ["deploy", ["repo:acme/eks-app:environment:production", "repo:acme/eks-app:environment:staging", "repo:acme/eks-app:ref:refs/heads/main"]],
            ["preview", ["repo:acme/eks-app:environment:preview"]],
        ] as const) {
            it(`lets only GitHub's tokens for sts.amazonaws.com and exactly ${subjects.length} subject(s) assume the ${role} role`, () => {
                const trust = run.document("aws:iam/role:Role", role, "assumeRolePolicy");

                assert.equal(trust.Statement.length, 1);
                const [statement] = trust.Statement as [PolicyStatement];
                assert.equal(statement.Effect, "Allow");
                assert.deepEqual(statement.Principal, { Federated: oidcProviderArn });
                assert.equal(statement.Action, "sts:AssumeRoleWithWebIdentity");
                assert.deepEqual(Object.keys(statement.Condition ?? {}), ["StringEquals"]);
                assert.equal(statement.Condition?.StringEquals?.["token.actions.githubusercontent.com:aud"], "sts.amazonaws.com");
                assert.deepEqual(asList(statement.Condition?.StringEquals?.["token.actions.githubusercontent.com:sub"]).sort(), [...subjects]);
            });
        }

        it("trusts no pull_request token, so a pull request's code can reach neither role without the preview environment", () => {
            for (const role of ["deploy", "preview"]) {
                const subjects = asList(run.document("aws:iam/role:Role", role, "assumeRolePolicy").Statement[0]?.Condition?.StringEquals?.["token.actions.githubusercontent.com:sub"]);
                assert.ok(!subjects.some((subject) => subject.endsWith(":pull_request")), role);
            }
        });

        it("creates GitHub's OIDC provider for the sts.amazonaws.com audience", () => {
            const provider = run.one("aws:iam/openIdConnectProvider:OpenIdConnectProvider");

            assert.equal(provider.inputs.url, "https://token.actions.githubusercontent.com");
            assert.deepEqual(provider.inputs.clientIdLists, ["sts.amazonaws.com"]);
        });
    });

    describe("permissions", () => {
        it("allow no `*` or `iam:*` action and no NotAction, in any role policy or the boundary", () => {
            for (const document of [...deployPolicies, boundary, previewPolicy]) {
                for (const statement of document.Statement) {
                    assert.ok(!("NotAction" in statement) && !("NotResource" in statement), statement.Sid);
                    for (const action of asList(statement.Action)) {
                        assert.ok(action !== "*" && action !== "iam:*", `${statement.Sid}: ${action}`);
                    }
                }
            }
        });

        it("use Resource \"*\" only for read-only or unscopable calls, each named", () => {
            const unscopable = new Set(["ec2:Describe*", "ecr:GetAuthorizationToken", "eks:DescribeAddonVersions", "eks:DescribeClusterVersions", "kms:CreateKey"]);
            for (const statement of [...deployPolicies, previewPolicy].flatMap(allows)) {
                if (!asList(statement.Resource).includes("*")) continue;
                for (const action of asList(statement.Action)) {
                    assert.ok(unscopable.has(action) || action.startsWith("elasticloadbalancing:Describe"), `${statement.Sid}: ${action} on *`);
                }
            }
        });

        it("allow creating or changing a role's policies only with the project's boundary, under the program's path", () => {
            const iamWrites = ["iam:CreateRole", "iam:PutRolePolicy", "iam:DeleteRolePolicy", "iam:AttachRolePolicy", "iam:DetachRolePolicy", "iam:PutRolePermissionsBoundary"];
            const granting = deployPolicies.flatMap(allows).filter((statement) => asList(statement.Action).some((action) => iamWrites.includes(action)));

            assert.ok(granting.length > 0);
            for (const statement of granting) {
                assert.deepEqual(statement.Condition, { StringEquals: { "iam:PermissionsBoundary": boundaryArn } }, statement.Sid);
                assert.deepEqual(asList(statement.Resource), [`arn:aws:iam::${accountId}:role/eks-app/*`], statement.Sid);
            }
            assert.equal(run.outputs.permissionsBoundaryArn, boundaryArn, "the documents name the boundary the bootstrap creates");
        });

        it("pass roles only from the program's path, only to EKS, EC2 and EKS Pod Identity", () => {
            const passing = deployPolicies.flatMap(allows).filter((statement) => asList(statement.Action).includes("iam:PassRole"));

            assert.equal(passing.length, 1);
            assert.deepEqual(asList(passing[0]?.Resource), [`arn:aws:iam::${accountId}:role/eks-app/*`]);
            assert.deepEqual(passing[0]?.Condition, { StringEquals: { "iam:PassedToService": ["eks.amazonaws.com", "ec2.amazonaws.com", "pods.eks.amazonaws.com"] } });
        });

        it("touch IAM only under the program's path, the role's own read and AWS's service-linked roles", () => {
            const iamResources = deployPolicies
                .flatMap(allows)
                .filter((statement) => asList(statement.Action).some((action) => action.startsWith("iam:")))
                .flatMap((statement) => asList(statement.Resource));

            assert.deepEqual([...new Set(iamResources)].sort(), [
                `arn:aws:iam::${accountId}:role/aws-service-role/*`,
                `arn:aws:iam::${accountId}:role/eks-app-ci/*`,
                `arn:aws:iam::${accountId}:role/eks-app/*`,
            ]);
            const ownRoleRead = deployPolicies.flatMap(allows).find((statement) => asList(statement.Resource).includes(`arn:aws:iam::${accountId}:role/eks-app-ci/*`));
            assert.deepEqual(asList(ownRoleRead?.Action), ["iam:GetRole"]);
        });

        for (const [where, documents] of [
            ["the boundary", () => [boundary]],
            ["the deploy role's own policies", () => deployPolicies],
        ] as const) {
            it(`deny, in ${where}, changing or removing the boundary, roles without it, changing CI's roles, and users or keys`, () => {
                const denials = documents().flatMap((document) => document.Statement.filter((statement) => statement.Effect === "Deny"));
                const denied = (action: string, resource: string) =>
                    denials.some((statement) => asList(statement.Action).includes(action) && asList(statement.Resource).some((pattern) => pattern === resource || pattern === "*"));

                for (const action of ["iam:CreatePolicyVersion", "iam:DeletePolicy", "iam:DeletePolicyVersion", "iam:SetDefaultPolicyVersion"]) {
                    assert.ok(denied(action, boundaryArn), action);
                }
                assert.ok(denied("iam:DeleteRolePermissionsBoundary", "*"));
                for (const action of ["iam:CreateUser", "iam:CreateAccessKey", "iam:CreateLoginProfile"]) assert.ok(denied(action, "*"), action);
                for (const action of ["iam:UpdateAssumeRolePolicy", "iam:PutRolePolicy", "iam:AttachRolePolicy", "iam:DeleteRole"]) {
                    assert.ok(denied(action, `arn:aws:iam::${accountId}:role/eks-app-ci/*`), action);
                }
                const withoutBoundary = denials.find((statement) => statement.Sid === "DenyRolesWithoutTheBoundary");
                assert.deepEqual(withoutBoundary?.Condition, { StringNotEquals: { "iam:PermissionsBoundary": boundaryArn } });
                assert.ok(asList(withoutBoundary?.Action).includes("iam:CreateRole"));
            });
        }

        it("put the deploy and preview roles themselves under the boundary, on CI's own path", () => {
            for (const role of ["deploy", "preview"]) {
                const { inputs } = run.one("aws:iam/role:Role", role);
                assert.equal(inputs.permissionsBoundary, boundaryArn, role);
                assert.equal(inputs.path, "/eks-app-ci/", role);
            }
        });

        it("give the preview role Describe, Get and List calls only, plus decrypting the state", () => {
            const actions = actionsOf(allows(previewPolicy));

            assert.ok(actions.length > 10);
            for (const action of actions) {
                assert.ok(/^[a-z0-9-]+:(Describe|Get|List)/.test(action) || action === "kms:Decrypt", action);
            }
            assert.ok(
                !actions.some((action) => /^[a-z0-9-]+:(Create|Delete|Put|Update|Attach|Detach|Modify|Run|Terminate|Tag|Untag|Pass|Encrypt|Generate|Upload|Schedule)/.test(action)),
            );
        });

        it("read and write the state bucket and use the secrets key, and nothing else in S3 or of that key", () => {
            const bucket = `arn:aws:s3:::eks-app-pulumi-state-20260101`;
            const s3Resources = deployPolicies
                .flatMap(allows)
                .filter((statement) => asList(statement.Action).some((action) => action.startsWith("s3:")))
                .flatMap((statement) => asList(statement.Resource));
            assert.deepEqual(s3Resources.sort(), [bucket, `${bucket}/*`]);
        });

        it("grant Route 53 nothing unless hosted zones are configured", () => {
            assert.ok(!actionsOf([...deployPolicies, boundary].flatMap(allows)).some((action) => action.startsWith("route53:")));
        });

        it("fit each managed policy in IAM's 6,144 characters", () => {
            for (const document of [...deployPolicies, boundary]) {
                assert.ok(JSON.stringify(document).replace(/\s/g, "").length < 6144, document.Statement[0]?.Sid);
            }
        });
    });

    describe("state backend", () => {
        it("blocks every kind of public access to the state bucket and owns every object", () => {
            const block = run.one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock").inputs;
            assert.deepEqual(
                [block.blockPublicAcls, block.blockPublicPolicy, block.ignorePublicAcls, block.restrictPublicBuckets],
                [true, true, true, true],
            );
            assert.equal(run.one("aws:s3/bucketOwnershipControls:BucketOwnershipControls").inputs.rule.objectOwnership, "BucketOwnerEnforced");
        });

        it("encrypts the state with the rotating secrets key, and versions it", () => {
            const key = run.one("aws:kms/key:Key", "pulumi-secrets").inputs;
            const [rule] = run.one("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration").inputs.rules;

            assert.equal(key.enableKeyRotation, true);
            assert.deepEqual(rule.applyServerSideEncryptionByDefault, {
                sseAlgorithm: "aws:kms",
                kmsMasterKeyId: `arn:aws:kms:eu-west-1:${accountId}:key/1234abcd-12ab-34cd-56ef-1234567890ab`,
            });
            assert.equal(run.one("aws:s3/bucketVersioning:BucketVersioning").inputs.versioningConfiguration.status, "Enabled");
            assert.equal(run.one("aws:kms/alias:Alias").inputs.name, "alias/eks-app-pulumi-secrets");
        });

        it("refuses requests without TLS", () => {
            const policy = run.document("aws:s3/bucketPolicy:BucketPolicy", "pulumi-state", "policy");
            const [statement] = policy.Statement as [PolicyStatement];

            assert.equal(statement.Effect, "Deny");
            assert.deepEqual(statement.Condition, { Bool: { "aws:SecureTransport": "false" } });
            assert.deepEqual(asList(statement.Resource), ["arn:aws:s3:::eks-app-pulumi-state-20260101", "arn:aws:s3:::eks-app-pulumi-state-20260101/*"]);
        });

        it("expires old state versions after a while, keeping the latest ones", () => {
            const [rule] = run.one("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration").inputs.rules;

            assert.equal(rule.status, "Enabled");
            assert.deepEqual(rule.noncurrentVersionExpiration, { noncurrentDays: 90, newerNoncurrentVersions: 10 });
        });

        it("exports what the repository settings and `pulumi login` need", () => {
            assert.deepEqual(run.outputs, {
                deployRoleArn: `arn:aws:iam::${accountId}:role/eks-app-ci/eks-app-deploy`,
                previewRoleArn: `arn:aws:iam::${accountId}:role/eks-app-ci/eks-app-preview`,
                permissionsBoundaryArn: boundaryArn,
                oidcProviderArn,
                stateBucketName: "eks-app-pulumi-state-20260101",
                backendUrl: "s3://eks-app-pulumi-state-20260101",
                secretsProvider: "awskms://alias/eks-app-pulumi-secrets?region=eu-west-1",
            });
        });
    });

    describe("configuration", () => {
        it("reuses an existing OIDC provider instead of creating a second one", async () => {
            const existing = `arn:aws:iam::${accountId}:oidc-provider/token.actions.githubusercontent.com`;
            const reusing = await runBootstrap({ "eks-app-bootstrap:githubRepository": "acme/eks-app", "eks-app-bootstrap:existingOidcProviderArn": existing });

            assert.equal(reusing.resources.filter((resource) => resource.type === "aws:iam/openIdConnectProvider:OpenIdConnectProvider").length, 0);
            assert.deepEqual(reusing.document("aws:iam/role:Role", "deploy", "assumeRolePolicy").Statement[0]?.Principal, { Federated: existing });
        });

        it("scopes Route 53 to the configured hosted zones", async () => {
            const withZones = await runBootstrap({ "eks-app-bootstrap:githubRepository": "acme/eks-app", "eks-app-bootstrap:route53HostedZoneIds": '["Z0123456789ABC"]' });
            for (const policy of ["permissions-boundary", "deploy-registryAndState"]) {
                const document = withZones.document("aws:iam/policy:Policy", policy, "policy");
                const dnsRecords = document.Statement.find((statement) => statement.Sid === "AppDnsRecords");
                assert.deepEqual(asList(dnsRecords?.Resource), ["arn:aws:route53:::hostedzone/Z0123456789ABC"], policy);
                assert.ok(asList(dnsRecords?.Action).includes("route53:ChangeResourceRecordSets"), policy);
            }
        });

        it("stops a run without a valid repository, naming the key", async () => {
            await assert.rejects(runBootstrap({}), /eks-app-bootstrap:githubRepository must be the repository as owner\/name/);
        });

        it("accepts owner/name and rejects anything else", () => {
            assert.equal(parseBootstrapConfig({ githubRepository: "acme-corp/eks.app_2", region: "eu-west-1" }).githubRepository, "acme-corp/eks.app_2");
            for (const repository of ["acme", "acme/", "/eks-app", "acme/eks-app/extra", "-acme/eks-app", "acme/..", "https://github.com/acme/eks-app"]) {
                assert.throws(() => parseBootstrapConfig({ githubRepository: repository, region: "eu-west-1" }), /eks-app-bootstrap:githubRepository/, repository);
            }
        });

        it("rejects a missing or malformed region, naming aws:region", () => {
            assert.throws(() => parseBootstrapConfig({ githubRepository: "acme/eks-app" }), /aws:region must be an AWS region/);
            assert.throws(() => parseBootstrapConfig({ githubRepository: "acme/eks-app", region: "Europe" }), /aws:region/);
            assert.equal(parseBootstrapConfig({ githubRepository: "acme/eks-app", region: "us-gov-west-1" }).region, "us-gov-west-1");
        });

        it("rejects an OIDC provider ARN for another issuer", () => {
            assert.throws(
                () => parseBootstrapConfig({ githubRepository: "acme/eks-app", region: "eu-west-1", existingOidcProviderArn: `arn:aws:iam::${accountId}:oidc-provider/example.com` }),
                /eks-app-bootstrap:existingOidcProviderArn/,
            );
        });
    });
});
