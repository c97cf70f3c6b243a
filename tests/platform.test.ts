import { strict as assert } from "assert";
import { subnetMasks } from "../components/network";
import type { PolicyDocument } from "../components/iam-documents";
import { ProgramError, ProgramRun, providerError, RegisteredResource, runProgram, testAccountId, testDeployerRoleArn } from "../harness";
import { evaluate } from "./delivery/iam-evaluator";

const adminArn = `arn:aws:iam::${testAccountId}:role/platform-admins`;
const viewerArn = `arn:aws:iam::${testAccountId}:role/pr-preview`;

function dependsOn(resource: RegisteredResource, type: string, nameSuffix: string): boolean {
    return resource.options.dependsOn.some((d) => d.type === type && d.name.endsWith(nameSuffix));
}

describe("platform", () => {
    let staging: ProgramRun;
    let production: ProgramRun;

    before(async () => {
        staging = await runProgram("dev");
        production = await runProgram("prod", {
            config: {
                "eks-app:clusterAdminPrincipalArns": JSON.stringify([adminArn, testDeployerRoleArn]),
                "eks-app:clusterViewerPrincipalArns": JSON.stringify([viewerArn]),
            },
        });
    });

    describe("staging and production differ as intended", () => {
        it("staging has one NAT gateway, production one per AZ", () => {
            assert.deepEqual(staging.one("awsx:ec2:Vpc").inputs.natGateways, { strategy: "Single" });
            assert.deepEqual(production.one("awsx:ec2:Vpc").inputs.natGateways, { strategy: "OnePerAz" });
        });

        it("staging nodes are spot, production nodes on-demand", () => {
            assert.equal(staging.one("aws:eks/nodeGroup:NodeGroup").inputs.capacityType, "SPOT");
            assert.equal(production.one("aws:eks/nodeGroup:NodeGroup").inputs.capacityType, "ON_DEMAND");
        });

        it("only production has deletion protection", () => {
            assert.equal(staging.one("eks:index:Cluster").inputs.deletionProtection, false);
            assert.equal(production.one("eks:index:Cluster").inputs.deletionProtection, true);
        });

        it("limits production's public API to the configured CIDRs", async () => {
            const limited = await runProgram("prod", {
                config: { "eks-app:clusterEndpointPublicAccessCidrs": JSON.stringify(["198.51.100.7/32"]) },
                without: ["eks-app:clusterEndpointOpenToInternet"],
            });
            assert.deepEqual(limited.one("eks:index:Cluster").inputs.publicAccessCidrs, ["198.51.100.7/32"]);
        });

        it("production can turn the public endpoint off entirely", async () => {
            const privateOnly = await runProgram("prod", {
                config: { "eks-app:clusterEndpointPublicAccess": "false" },
                without: ["eks-app:clusterEndpointPublicAccessCidrs", "eks-app:clusterEndpointOpenToInternet"],
            });
            const inputs = privateOnly.one("eks:index:Cluster").inputs;
            assert.equal(inputs.endpointPublicAccess, false);
            assert.equal(inputs.endpointPrivateAccess, true);
            assert.equal(inputs.publicAccessCidrs, undefined);
        });

        it("control-plane logs are kept 7 days in staging and 90 in production", () => {
            assert.equal(staging.one("aws:cloudwatch/logGroup:LogGroup").inputs.retentionInDays, 7);
            assert.equal(production.one("aws:cloudwatch/logGroup:LogGroup").inputs.retentionInDays, 90);
        });

    });

    describe("network", () => {
        it("spans three AZs with nodes private and load balancers public, tagged for Kubernetes", () => {
            const vpc = staging.one("awsx:ec2:Vpc").inputs;
            assert.equal(vpc.numberOfAvailabilityZones, 3);
            const byType = Object.fromEntries(vpc.subnetSpecs.map((spec: { type: string }) => [spec.type, spec]));
            assert.deepEqual(byType.Public.tags, { "kubernetes.io/role/elb": "1" });
            // Karpenter launches its nodes into the subnets carrying its discovery tag: the private ones only.
            assert.deepEqual(byType.Private.tags, { "kubernetes.io/role/internal-elb": "1", "karpenter.sh/discovery": "eks-app-dev" });
            assert.deepEqual(staging.one("aws:eks/nodeGroup:NodeGroup").inputs.subnetIds, ["subnet-private-a", "subnet-private-b", "subnet-private-c"]);
        });

        it("sizes subnets so every AZ's private and public subnets fit in its share of the VPC", () => {
            for (const [cidr, zones] of [["10.0.0.0/16", 3], ["10.0.0.0/20", 6], ["10.0.0.0/16", 2]] as const) {
                const { privateMask, publicMask } = subnetMasks(cidr, zones);
                const perAz = 2 ** (32 - (Number(cidr.split("/")[1]) + Math.ceil(Math.log2(zones))));
                assert.ok(2 ** (32 - privateMask) + 2 ** (32 - publicMask) <= perAz, `${cidr} over ${zones} AZs`);
                assert.ok(publicMask <= 28, "AWS subnets are at most /28");
            }
        });
    });

    describe("IAM placement", () => {
        it("puts every role and instance profile under its stack's path, the only one its deploy role may manage or pass roles from", () => {
            for (const [run, path] of [[staging, "/eks-app/dev/"], [production, "/eks-app/prod/"]] as const) {
                const roles = run.ofType("aws:iam/role:Role");
                const instanceProfiles = run.ofType("aws:iam/instanceProfile:InstanceProfile");
                assert.ok(roles.length >= 4 && instanceProfiles.length >= 1);
                for (const resource of [...roles, ...instanceProfiles]) assert.equal(resource.inputs.path, path, `${resource.type} ${resource.name}`);
            }
        });

        it("sets the configured permissions boundary on every role", async () => {
            const boundary = "arn:aws:iam::123456789012:policy/eks-app-ci/eks-app-permissions-boundary";
            const bounded = await runProgram("dev", { config: { "eks-app:iamPermissionsBoundaryArn": boundary } });
            for (const role of bounded.ofType("aws:iam/role:Role")) assert.equal(role.inputs.permissionsBoundary, boundary, role.name);
            for (const role of staging.ofType("aws:iam/role:Role")) assert.equal(role.inputs.permissionsBoundary, undefined, role.name);
        });
    });

    describe("registry", () => {
        it("reads the repository bootstrap created, by the stack's name, and creates none: a destroy leaves it and its images", () => {
            for (const run of [staging, production]) {
                assert.deepEqual(run.resources.filter((r) => r.type.startsWith("aws:ecr/")).map((r) => r.type), [], run.stack);
                assert.equal(run.outputs.ecrRepositoryUrl, `${testAccountId}.dkr.ecr.eu-west-1.amazonaws.com/eks-app-${run.stack}`);
            }
        });

        it("stops before creating anything when the repository is missing, naming it and bootstrap", async () => {
            const missing = runProgram("dev", { calls: { "aws:ecr/getRepository:getRepository": (inputs) => { throw providerError(`reading ECR Repository (${inputs.name}): couldn't find resource`); } } });
            await assert.rejects(missing, (error: ProgramError) => {
                assert.match(error.message, /eks-app-dev/);
                return true;
            });
        });
    });

    describe("Loki's bucket (production keeps its logs in S3)", () => {
        const bucketName = `eks-app-prod-logs-${testAccountId}-eu-west-1`;
        const existing = { "aws:s3/getBucket:getBucket": (inputs: Record<string, any>) => ({ bucket: inputs.bucket, arn: `arn:aws:s3:::${inputs.bucket}`, id: inputs.bucket }) };
        const bucketParts = (run: ProgramRun) => run.resources.filter((r) => r.type.startsWith("aws:s3/") && r.parent?.type === "eks-app:monitoring:LogBucket");

        it("encrypts with S3's own keys (SSE-S3), which Loki's role needs no KMS permission for", () => {
            const [rule] = production.one("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration").inputs.rules;
            assert.deepEqual(rule.applyServerSideEncryptionByDefault, { sseAlgorithm: "AES256" });
        });

        it("refuses every request without TLS, whoever sends it, and blocks public access", () => {
            const policy: PolicyDocument = JSON.parse(production.one("aws:s3/bucketPolicy:BucketPolicy").inputs.policy);
            const anyone: PolicyDocument = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:*", Resource: "*" }] };
            const request = (secure: string) => ({ action: "s3:GetObject", resource: `arn:aws:s3:::${bucketName}/index/1`, context: { "aws:SecureTransport": secure } });
            assert.equal(evaluate([anyone, policy], request("false")), "explicitly denied");
            assert.equal(evaluate([anyone, policy], request("true")), "allowed");
            assert.equal(evaluate([anyone, policy], { ...request("true"), action: "s3:ListBucket", resource: `arn:aws:s3:::${bucketName}` }), "allowed");
            assert.equal(evaluate([anyone, policy], { ...request("false"), action: "s3:ListBucket", resource: `arn:aws:s3:::${bucketName}` }), "explicitly denied");
            const block = production.one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock").inputs;
            assert.deepEqual([block.blockPublicAcls, block.blockPublicPolicy, block.ignorePublicAcls, block.restrictPublicBuckets], [true, true, true, true]);
        });

        it("keeps the bucket and its settings on destroy in production, so the next up finds it private and TLS only", () => {
            const parts = bucketParts(production);
            assert.ok(parts.length >= 5);
            assert.deepEqual(parts.filter((r) => !r.options.retainOnDelete).map((r) => r.type), []);
            assert.equal(production.one("aws:s3/bucket:Bucket").inputs.forceDestroy, false);
        });

        it("adopts the bucket an earlier destroy kept, instead of failing with BucketAlreadyOwnedByYou", async () => {
            assert.equal(production.one("aws:s3/bucket:Bucket").options.importId, undefined);
            const again = await runProgram("prod", { calls: existing });
            const bucket = again.one("aws:s3/bucket:Bucket");
            assert.equal(bucket.options.importId, bucketName);
            // An import fails on any input that differs from the bucket: it names the bucket and nothing a kept bucket could lack.
            assert.deepEqual(Object.keys(bucket.inputs).filter((key) => !key.startsWith("__")).sort(), ["bucket", "forceDestroy"]);
        });

        it("in staging (with lokiStorage s3) deletes the bucket with its logs, keeping nothing", async () => {
            const s3 = await runProgram("dev", { config: { "eks-app:lokiStorage": "s3" } });
            const parts = bucketParts(s3);
            assert.ok(parts.length >= 5);
            assert.deepEqual(parts.filter((r) => r.options.retainOnDelete || r.options.protect).map((r) => r.type), []);
            assert.equal(s3.one("aws:s3/bucket:Bucket").inputs.forceDestroy, true);
        });
    });

    describe("cluster", () => {
        it("pins the Kubernetes version, uses API authentication and standard support", () => {
            const cluster = staging.one("eks:index:Cluster").inputs;
            assert.equal(cluster.version, "1.34");
            assert.equal(cluster.authenticationMode, "API");
            assert.deepEqual(cluster.upgradePolicy, { supportType: "STANDARD" });
            assert.equal(cluster.name, "eks-app-dev");
        });

        it("logs api, audit and authenticator and encrypts secrets with a rotating KMS key", () => {
            const cluster = staging.one("eks:index:Cluster").inputs;
            assert.deepEqual([...cluster.enabledClusterLogTypes].sort(), ["api", "audit", "authenticator"]);
            const secretsKey = staging.one("aws:kms/key:Key", "-secrets");
            assert.equal(cluster.encryptionConfigKeyArn, `arn:aws:kms:eu-west-1:${testAccountId}:key/${secretsKey.name}`);
            assert.equal(secretsKey.inputs.enableKeyRotation, true);
        });

        it("owns the control-plane log group, created before the cluster", () => {
            const logGroup = staging.one("aws:cloudwatch/logGroup:LogGroup");
            assert.equal(logGroup.inputs.name, "/aws/eks/eks-app-dev/cluster");
            assert.ok(dependsOn(staging.one("eks:index:Cluster"), logGroup.type, logGroup.name));
        });

        it("has no default node group, no component-made security groups, CNI or self-managed addons", () => {
            const cluster = staging.one("eks:index:Cluster").inputs;
            assert.equal(cluster.skipDefaultNodeGroup, true);
            assert.equal(cluster.skipDefaultSecurityGroups, true);
            assert.equal(cluster.useDefaultVpcCni, true);
            assert.equal(cluster.bootstrapSelfManagedAddons, false);
            assert.equal(cluster.kubeProxyAddonOptions.enabled, false);
            assert.equal(cluster.corednsAddonOptions.enabled, false);
        });

        it("turns off the implicit cluster-creator admin grant on the inner EKS cluster", async () => {
            const transforms = staging.one("eks:index:Cluster").options.transforms;
            const innerCluster = {
                type: "aws:eks/cluster:Cluster",
                name: "cluster-eksCluster",
                custom: true,
                props: { name: "eks-app-dev", accessConfig: { authenticationMode: "API", bootstrapClusterCreatorAdminPermissions: true } },
                opts: {},
            };
            const results = await Promise.all(transforms.map((transform) => transform(innerCluster)));
            const changed = results.filter((result) => result !== undefined) as { props: Record<string, any> }[];
            assert.equal(changed.length, 1);
            assert.deepEqual(changed[0].props.accessConfig, { authenticationMode: "API", bootstrapClusterCreatorAdminPermissions: false });
            assert.equal(changed[0].props.name, "eks-app-dev");

            const otherResource = { ...innerCluster, type: "aws:iam/role:Role", props: {} };
            const untouched = await Promise.all(transforms.map((transform) => transform(otherResource)));
            assert.deepEqual(untouched, transforms.map(() => undefined));
        });
    });

    describe("stack outputs", () => {
        it("exports clusterName, kubeconfig (secret), ecrRepositoryUrl, vpcId and region", () => {
            for (const run of [staging, production]) {
                assert.equal(run.outputs.clusterName, `eks-app-${run.stack}`);
                assert.equal(run.outputs.vpcId, "vpc-0123456789abcdef0");
                assert.equal(run.outputs.region, "eu-west-1");
                assert.equal(run.outputs.ecrRepositoryUrl, `123456789012.dkr.ecr.eu-west-1.amazonaws.com/eks-app-${run.stack}`);
                assert.ok(run.secretOutputs.has("kubeconfig"), "kubeconfig must be secret");
                assert.deepEqual([...run.secretOutputs].sort(), ["grafanaAdminPassword", "kubeconfig"]);
            }
        });

        it("tags every AWS resource through the provider's default tags", () => {
            const provider = staging.one("pulumi:providers:aws").inputs;
            const tags = JSON.parse(provider.defaultTags).tags;
            assert.deepEqual(tags, { project: "eks-app", stack: "dev", environment: "staging", "managed-by": "pulumi" });
        });

        it("parents every resource to a component, none to the stack directly except the providers", () => {
            const orphans = staging.resources.filter(
                (r) => r.parent === undefined && !(r.type.startsWith("pulumi:providers:") || r.type.startsWith("eks-app:")),
            );
            assert.deepEqual(orphans.map((r) => `${r.type}::${r.name}`), []);
        });
    });
});
