import { strict as assert } from "assert";
import { ConfigError, parseSettings } from "../stacks/settings";
import { ProgramError, readStackConfig, runProgram, StackName } from "../harness";

function settingsFor(stack: StackName, overrides: Record<string, string> = {}, without: string[] = []) {
    const config = { ...readStackConfig(stack), ...overrides };
    for (const key of without) delete config[key];
    return parseSettings({ project: "eks-app", stack, config });
}

function configErrorFor(stack: StackName, overrides: Record<string, string>, without: string[] = []): ConfigError {
    try {
        settingsFor(stack, overrides, without);
    } catch (error) {
        assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${error}`);
        return error;
    }
    assert.fail(`expected ${JSON.stringify(overrides)} to be rejected`);
}

describe("settings", () => {
    describe("the committed stack files", () => {
        it("dev is staging: one NAT gateway, in eu-west-1, cluster eks-app-dev", () => {
            const settings = settingsFor("dev");
            assert.equal(settings.environment, "staging");
            assert.equal(settings.natGateways, "single");
            assert.equal(settings.region, "eu-west-1");
            assert.equal(settings.clusterName, "eks-app-dev");
        });

        it("prod is production and only overrides what it must", () => {
            const settings = settingsFor("prod");
            assert.equal(settings.environment, "production");
            assert.equal(settings.nodeCapacityType, "ON_DEMAND");
            assert.deepEqual(settings.clusterEndpointPublicAccessCidrs, ["0.0.0.0/0"]);
            assert.equal(settings.clusterEndpointOpenToInternet, true);
        });

        it("local needs no AWS region", () => {
            const settings = settingsFor("local");
            assert.equal(settings.environment, "local");
            assert.equal(settings.region, undefined);
            assert.equal(settings.image, "eks-app:local");
        });

        it("returns a frozen object, so no component can change the config contract", () => {
            assert.ok(Object.isFrozen(settingsFor("dev")));
        });

        it("reads typed values from the strings Pulumi stores", () => {
            const settings = settingsFor("dev", {
                "eks-app:nodeMaxSize": "6",
                "eks-app:deletionProtection": "true",
                "eks-app:nodeInstanceTypes": '["m6i.xlarge"]',
                "eks-app:kubernetesVersion": "1.33",
            });
            assert.equal(settings.nodeMaxSize, 6);
            assert.equal(settings.deletionProtection, true);
            assert.deepEqual(settings.nodeInstanceTypes, ["m6i.xlarge"]);
            assert.equal(settings.kubernetesVersion, "1.33");
        });

        it("never carries the Redis password in plaintext", () => {
            const settings = settingsFor("dev", { "eks-app:redisPassword": "a-long-enough-password-123" });
            assert.equal(settings.redisPasswordConfigured, true);
            assert.ok(!JSON.stringify(settings).includes("a-long-enough-password-123"));
        });
    });

    describe("rejects a bad value with a message naming the key, the value and what is allowed", () => {
        const badValues: { key: string; value: string; allowed: RegExp }[] = [
            { key: "environment", value: "qa", allowed: /one of staging, production, local/ },
            { key: "availabilityZoneCount", value: "1", allowed: /integer from 2 to 6/ },
            { key: "availabilityZoneCount", value: "three", allowed: /integer from 2 to 6/ },
            { key: "vpcCidr", value: "10.0.0.0/8", allowed: /prefix from \/16 to \/20/ },
            { key: "vpcCidr", value: "10.0.0.300/16", allowed: /IPv4 CIDR/ },
            { key: "natGateways", value: "none", allowed: /single or onePerAz/ },
            { key: "kubernetesVersion", value: "1.27", allowed: /one of 1\.32, 1\.33, 1\.34, 1\.35/ },
            { key: "clusterEndpointPublicAccess", value: "yes", allowed: /true or false/ },
            { key: "clusterEndpointPublicAccessCidrs", value: '["my-laptop"]', allowed: /list of IPv4 CIDRs/ },
            { key: "clusterAdminPrincipalArns", value: '["alice"]', allowed: /IAM role or user ARNs/ },
            { key: "controlPlaneLogRetentionDays", value: "10", allowed: /CloudWatch retention values/ },
            { key: "nodeInstanceTypes", value: "[]", allowed: /non-empty list of EC2 instance types/ },
            { key: "nodeCapacityType", value: "spot", allowed: /SPOT or ON_DEMAND/ },
            { key: "nodeMinSize", value: "0", allowed: /integer from 1 to 100/ },
            { key: "nodeDiskSizeGiB", value: "8", allowed: /integer from 20 to 1000/ },
            { key: "addonVersions", value: '{"traefik":"v1.0.0-eksbuild.1"}', allowed: /map from eks-pod-identity-agent, vpc-cni, .* to an EKS addon version/ },
            { key: "addonVersions", value: '{"coredns":"latest"}', allowed: /v1\.19\.0-eksbuild\.1/ },
            { key: "namespace", value: "kube-system", allowed: /not default or kube-\*/ },
            { key: "imageTag", value: "latest", allowed: /other than latest/ },
            { key: "appCpuRequest", value: "lots", allowed: /CPU quantity/ },
            { key: "appMemoryLimit", value: "1GB", allowed: /Mi or Gi/ },
            { key: "loadBalancerSourceRanges", value: "[]", allowed: /non-empty list of IPv4 CIDRs/ },
            { key: "redisMemoryLimit", value: "64Mi", allowed: /from 128Mi to 64Gi/ },
            { key: "redisReplicas", value: "2", allowed: /Sentinel needs a majority/ },
            { key: "domainName", value: "Not A Domain", allowed: /lower-case DNS name/ },
            { key: "certificateArn", value: "arn:aws:iam::123456789012:role/x", allowed: /ACM certificate ARN/ },
        ];
        for (const { key, value, allowed } of badValues) {
            it(`${key} = ${value}`, () => {
                const error = configErrorFor("dev", { [`eks-app:${key}`]: value });
                const problem = error.problems.find((p) => p.startsWith(`eks-app:${key} `));
                assert.ok(problem, `no problem names eks-app:${key}: ${error.message}`);
                assert.ok(problem.includes(value.startsWith("[") || value.startsWith("{") ? value.replace(/\s/g, "") : JSON.stringify(value)), `value not shown: ${problem}`);
                assert.match(problem, allowed);
            });
        }

        it("hides a secret's value while still naming its key", () => {
            const error = configErrorFor("dev", { "eks-app:redisPassword": "short" });
            assert.match(error.message, /eks-app:redisPassword = \(secret value hidden\) is not allowed: expected 16 to 128 characters/);
            assert.ok(!error.message.includes("short\""));
        });

        it("names a mistyped key and suggests the right one", () => {
            const error = configErrorFor("dev", { "eks-app:natGateway": "single" });
            assert.match(error.message, /eks-app:natGateway is not a known key \(did you mean eks-app:natGateways\?\)/);
        });

        it("requires a region for AWS stacks", () => {
            assert.match(configErrorFor("dev", {}, ["aws:region"]).message, /aws:region is not set/);
            assert.match(configErrorFor("dev", { "aws:region": "Ireland" }).message, /aws:region = "Ireland" is not allowed/);
        });

        it("requires the environment", () => {
            assert.match(configErrorFor("dev", {}, ["eks-app:environment"]).message, /eks-app:environment is not set: expected one of staging, production, local/);
        });

        it("reports every problem at once", () => {
            const error = configErrorFor("dev", { "eks-app:nodeMinSize": "0", "eks-app:natGateways": "many" });
            assert.equal(error.problems.length, 2);
        });
    });

    describe("rejects contradictions", () => {
        const contradictions: { name: string; stack: StackName; overrides: Record<string, string>; without?: string[]; message: RegExp }[] = [
            { name: "min above max nodes", stack: "dev", overrides: { "eks-app:nodeMinSize": "5", "eks-app:nodeMaxSize": "3" }, message: /eks-app:nodeMinSize = 5 is greater than eks-app:nodeMaxSize = 3/ },
            { name: "desired outside min..max", stack: "dev", overrides: { "eks-app:nodeDesiredSize": "9" }, message: /eks-app:nodeDesiredSize = 9 is outside/ },
            { name: "min above max replicas", stack: "dev", overrides: { "eks-app:appMinReplicas": "5", "eks-app:appMaxReplicas": "3" }, message: /eks-app:appMinReplicas = 5 is greater than eks-app:appMaxReplicas = 3/ },
            { name: "CPU request above its limit", stack: "dev", overrides: { "eks-app:appCpuRequest": "2", "eks-app:appCpuLimit": "500m" }, message: /eks-app:appCpuRequest = "2" is greater than eks-app:appCpuLimit/ },
            { name: "memory request above its limit", stack: "dev", overrides: { "eks-app:appMemoryRequest": "1Gi" }, message: /eks-app:appMemoryRequest = "1Gi" is greater than eks-app:appMemoryLimit/ },
            { name: "production in two AZs", stack: "prod", overrides: { "eks-app:availabilityZoneCount": "2" }, message: /eks-app:availabilityZoneCount = 2 is not allowed in production/ },
            { name: "production with one NAT gateway", stack: "prod", overrides: { "eks-app:natGateways": "single" }, message: /eks-app:natGateways = "single" is not allowed in production/ },
            { name: "spot in production", stack: "prod", overrides: { "eks-app:nodeCapacityType": "SPOT" }, message: /eks-app:nodeCapacityType = "SPOT" is not allowed in production unless eks-app:allowSpotInProduction is true/ },
            { name: "one app replica in production", stack: "prod", overrides: { "eks-app:appMinReplicas": "1" }, message: /eks-app:appMinReplicas = 1 is not allowed in production/ },
            { name: "one Redis in production", stack: "prod", overrides: { "eks-app:redisReplicas": "1" }, message: /eks-app:redisReplicas = 1 is not allowed in production/ },
            { name: "a public API open to the world in production, unacknowledged", stack: "prod", overrides: { "eks-app:clusterEndpointPublicAccessCidrs": '["0.0.0.0/0"]', "eks-app:clusterEndpointOpenToInternet": "false" }, message: /contains "0.0.0.0\/0", which is not allowed in production unless eks-app:clusterEndpointOpenToInternet is true/ },
            { name: "a public API with no CIDRs", stack: "prod", overrides: {}, without: ["eks-app:clusterEndpointPublicAccessCidrs"], message: /eks-app:clusterEndpointPublicAccessCidrs is empty while eks-app:clusterEndpointPublicAccess is true/ },
            { name: "CIDRs for a private API", stack: "prod", overrides: { "eks-app:clusterEndpointPublicAccess": "false" }, message: /eks-app:clusterEndpointPublicAccessCidrs is set while eks-app:clusterEndpointPublicAccess is false/ },
            { name: "imageTag and image together", stack: "dev", overrides: { "eks-app:imageTag": "abc123", "eks-app:image": "ghcr.io/acme/app:1.0.0" }, message: /eks-app:imageTag = "abc123" and eks-app:image = "ghcr.io\/acme\/app:1.0.0" are both set/ },
            { name: "local without an image", stack: "local", overrides: {}, without: ["eks-app:image"], message: /eks-app:image is not set: the local environment has no ECR repository/ },
            { name: "a certificate without a domain", stack: "dev", overrides: { "eks-app:certificateArn": "arn:aws:acm:eu-west-1:123456789012:certificate/01234567-89ab-cdef-0123-456789abcdef" }, message: /eks-app:certificateArn is set but eks-app:domainName is not/ },
        ];
        for (const { name, stack, overrides, without, message } of contradictions) {
            it(name, () => assert.match(configErrorFor(stack, overrides, without).message, message));
        }

        it("allows spot in production when explicitly allowed", () => {
            const settings = settingsFor("prod", { "eks-app:nodeCapacityType": "SPOT", "eks-app:allowSpotInProduction": "true" });
            assert.equal(settings.nodeCapacityType, "SPOT");
        });

        it("allows a private-only API in production", () => {
            const settings = settingsFor("prod", { "eks-app:clusterEndpointPublicAccess": "false" }, ["eks-app:clusterEndpointPublicAccessCidrs"]);
            assert.equal(settings.clusterEndpointPublicAccess, false);
        });
    });

    describe("through the real program", () => {
        for (const stack of ["dev", "prod"] as const) {
            it(`fails ${stack} before any resource is registered`, async () => {
                const failure = await runProgram(stack, { config: { "eks-app:nodeMinSize": "7", "eks-app:nodeMaxSize": "3" } }).then(
                    () => assert.fail("the program accepted nodeMinSize > nodeMaxSize"),
                    (error: unknown) => error,
                );
                assert.ok(failure instanceof ProgramError, `expected a ProgramError, got ${failure}`);
                assert.match(failure.message, /eks-app:nodeMinSize = 7 is greater than eks-app:nodeMaxSize = 3/);
                assert.deepEqual(failure.resources.map((r) => `${r.type}::${r.name}`), []);
            });
        }
    });
});
