// The eks-app program (index.ts at the repository root) run with the config of a real stack file and mocked
// AWS, Kubernetes and random providers. The project's way to see what a deploy would create, without a cloud:
// tests, the manifest checks and the cost estimate all use it.
import * as fs from "fs";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import { copyOfRun, ProgramError, RegisteredResource, Run, runPulumiProgram } from "./run";

export { ProgramError, RegisteredResource };

export const repositoryRoot = path.resolve(__dirname, "..");
export const stackNames = ["dev", "prod", "local"] as const;
export type StackName = (typeof stackNames)[number];

export const testAccountId = "123456789012";
/** The session the mocked credentials belong to, and the role behind it. */
export const testDeployerSessionArn = `arn:aws:sts::${testAccountId}:assumed-role/ci-deployer/github-actions`;
export const testDeployerRoleArn = `arn:aws:iam::${testAccountId}:role/ci-deployer`;
/** A role a stack file names by path and name (eks-app:clusterDeployerRole, eks-app:clusterPreviewRole), in the test account. */
export const testRoleArn = (pathAndName: string) => `arn:aws:iam::${testAccountId}:role/${pathAndName}`;
/** What the mocked random provider "generates" for the Redis password (other passwords get their own values). */
export const testGeneratedPassword = "generated-redis-password-0123456789";

export interface ProgramRun extends Run {
    stack: string;
}

export interface RunOptions {
    /** Extra or replaced config, "namespace:key" → value as Pulumi stores it (objects as JSON). */
    config?: Record<string, string>;
    /** The stack file to read instead of Pulumi.<stack>.yaml at the repository root (`--config-file`, as `pulumi` takes it). */
    configFile?: string;
    /** Keys to remove from the stack file's config. */
    without?: string[];
    /**
     * The role behind the mocked credentials. Default: the deploy role the stack names (eks-app:clusterDeployerRole),
     * as CI runs the program; testDeployerRoleArn when it names none.
     */
    caller?: string;
    /** Runs the program as `pulumi preview` does (pulumi.runtime.isDryRun() is true). */
    preview?: boolean;
    /** Provider function results that replace the default mocks, by token (e.g. what already exists in the account). */
    calls?: Record<string, (inputs: Record<string, any>) => Record<string, any>>;
}

/**
 * The project's stack files carry no secrets; a user's may (`pulumi config set --secret`), encrypted: these stand in
 * for them, valid for the key's schema, so the cost estimate and the manifest checks run on any stack.
 */
const testSecrets: Record<string, string> = {
    "eks-app:redisPassword": "stand-in-redis-password-0123456789",
    "eks-app:alertReceiverUrl": "https://alerts.example.com/stand-in",
    "eks-app:alertTicketReceiverUrl": "https://tickets.example.com/stand-in",
    "eks-app:alertHeartbeatUrl": "https://heartbeat.example.com/stand-in",
};

/** The stack file `pulumi` reads for a stack of this project. */
export function stackFile(stack: string): string {
    return path.join(repositoryRoot, `Pulumi.${stack}.yaml`);
}

export function readStackConfig(stack: string, file = stackFile(stack)): Record<string, string> {
    const document = parseYaml(fs.readFileSync(file, "utf8")) as { config?: Record<string, unknown> };
    const config: Record<string, string> = {};
    for (const [key, value] of Object.entries(document.config ?? {})) {
        if (value !== null && typeof value === "object" && "secure" in (value as object)) {
            const secret = testSecrets[key];
            if (secret === undefined) throw new Error(`${file}: ${key} is a secret with no test value in harness/program.ts`);
            config[key] = secret;
        } else {
            config[key] = typeof value === "string" ? value : JSON.stringify(value);
        }
    }
    return config;
}

/** What staging's stack exports to review stacks (index.ts, deployToAws), as a StackReference reads it. */
export const testStagingOutputs = {
    clusterName: "eks-app-dev",
    kubeconfig: JSON.stringify({ apiVersion: "v1", kind: "Config", "current-context": "eks-app-dev" }),
    ecrRepositoryUrl: `${testAccountId}.dkr.ecr.eu-west-1.amazonaws.com/eks-app-dev`,
    ecrRepositoryName: "eks-app-dev",
    kubernetesVersion: "1.34",
    vpcCidr: "10.10.0.0/16",
    region: "eu-west-1",
};

function mockState(type: string, name: string, inputs: Record<string, any>): { id: string; state: Record<string, any> } {
    const arn = (service: string, resource: string) => `arn:aws:${service}:eu-west-1:${testAccountId}:${resource}`;
    switch (type) {
        case "pulumi:pulumi:StackReference":
            return { id: inputs.name, state: { name: inputs.name, outputs: testStagingOutputs, secretOutputNames: ["kubeconfig"] } };
        case "awsx:ec2:Vpc":
            return {
                id: "",
                state: {
                    vpcId: "vpc-0123456789abcdef0",
                    privateSubnetIds: ["subnet-private-a", "subnet-private-b", "subnet-private-c"],
                    publicSubnetIds: ["subnet-public-a", "subnet-public-b", "subnet-public-c"],
                },
            };
        case "eks:index:Cluster":
            return {
                id: "",
                state: {
                    eksCluster: {
                        name: inputs.name,
                        arn: arn("eks", `cluster/${inputs.name}`),
                        endpoint: "https://0123456789ABCDEF.gr7.eu-west-1.eks.amazonaws.com",
                        certificateAuthority: { data: "dGVzdC1jYS1kYXRh" },
                        vpcConfig: { clusterSecurityGroupId: "sg-0cluster0123456789" },
                        version: inputs.version,
                    },
                },
            };
        case "aws:ecr/repository:Repository":
            return { id: name, state: { ...inputs, repositoryUrl: `${testAccountId}.dkr.ecr.eu-west-1.amazonaws.com/${inputs.name ?? name}` } };
        case "aws:iam/role:Role":
            return { id: name, state: { ...inputs, name, arn: `arn:aws:iam::${testAccountId}:role${inputs.path ?? "/"}${name}` } };
        case "aws:iam/instanceProfile:InstanceProfile":
            // Named by the engine as a role is (the program gives no name), so objects that name it render whole.
            return { id: name, state: { ...inputs, name, arn: `arn:aws:iam::${testAccountId}:instance-profile${inputs.path ?? "/"}${name}` } };
        case "aws:sns/topic:Topic":
            return { id: arn("sns", inputs.name ?? name), state: { ...inputs, arn: arn("sns", inputs.name ?? name) } };
        case "aws:kms/key:Key":
            return { id: `key-${name}`, state: { ...inputs, arn: arn("kms", `key/${name}`), keyId: `key-${name}` } };
        case "aws:ec2/launchTemplate:LaunchTemplate":
            return { id: `lt-${name}`, state: { ...inputs, latestVersion: 1 } };
        case "awsx:ecr:Image":
            return { id: "", state: { imageUri: `${inputs.repositoryUrl}@sha256:${"a".repeat(64)}` } };
        case "random:index/randomPassword:RandomPassword":
            // Distinct per password, so a test can tell which secret leaked.
            return { id: name, state: { ...inputs, result: name === "redis-password" ? testGeneratedPassword : `generated-${name}-0123456789` } };
        case "kubernetes:core/v1:Service":
            return {
                id: `${inputs.metadata?.namespace ?? "default"}/${inputs.metadata?.name ?? name}`,
                state: { ...inputs, status: { loadBalancer: { ingress: [{ hostname: "app-0123456789.elb.eu-west-1.amazonaws.com" }] } } },
            };
        default:
            return { id: `${name}-id`, state: inputs };
    }
}

/**
 * A provider function's failure as the engine reports it: an RPC error whose details are the provider's message
 * (the SDK rejects the invoke with `new Error(err.details)`), e.g. the AWS provider's "couldn't find resource".
 */
export function providerError(message: string): Error {
    return Object.assign(new Error(message), { details: message });
}

function mockCall(token: string, inputs: Record<string, any>, caller: string): Record<string, any> {
    switch (token) {
        case "aws:index/getCallerIdentity:getCallerIdentity":
            return { accountId: testAccountId, arn: testDeployerSessionArn, userId: "AROAEXAMPLE:github-actions", id: testAccountId };
        case "aws:index/getPartition:getPartition":
            return { partition: "aws", dnsSuffix: "amazonaws.com", id: "aws" };
        case "aws:iam/getSessionContext:getSessionContext":
            return { arn: inputs.arn, issuerArn: caller, issuerId: "AROAEXAMPLE", issuerName: caller.split("/").pop(), sessionName: "github-actions" };
        case "aws:eks/getAddonVersion:getAddonVersion":
            return { addonName: inputs.addonName, kubernetesVersion: inputs.kubernetesVersion, version: "v1.0.0-eksbuild.1", id: inputs.addonName };
        case "aws:ecr/getRepository:getRepository":
            // Bootstrap's repository for the stack (bootstrap/registry.ts).
            return { ...inputs, repositoryUrl: `${testAccountId}.dkr.ecr.eu-west-1.amazonaws.com/${inputs.name}`, arn: `arn:aws:ecr:eu-west-1:${testAccountId}:repository/${inputs.name}`, id: inputs.name };
        case "aws:ecr/getImage:getImage":
            return { ...inputs, imageDigest: `sha256:${"b".repeat(64)}`, id: inputs.imageTag };
        case "aws:s3/getBucket:getBucket":
            // An account without the bucket; a test of adoption answers with one (RunOptions.calls).
            throw providerError(`reading S3 Bucket (${inputs.bucket}): couldn't find resource`);
        case "aws:index/getRegion:getRegion":
            return { name: "eu-west-1", region: "eu-west-1", id: "eu-west-1" };
        default:
            return {};
    }
}

/** The program's own sources: loaded afresh on each run so each reads its stack's config. */
const programSources = ["index.ts", "components", "stacks", "targets"].map((entry) => path.join(repositoryRoot, entry));

/**
 * Finished runs by everything that decides what the program registers (stack, whole config, caller, preview), so a
 * process runs each stack's program once however many tests ask for it (most ask for the plain dev, prod and local
 * stacks). Runs with function mocks (`calls`) are not kept: a function cannot be compared.
 */
const finishedRuns = new Map<string, Promise<ProgramRun>>();

/** Runs index.ts for a stack and returns what it registered. */
export async function runProgram(stack: string, options: RunOptions = {}): Promise<ProgramRun> {
    const config = readStackConfig(stack, options.configFile);
    for (const key of options.without ?? []) delete config[key];
    Object.assign(config, options.config ?? {});
    const namedDeployer = config["eks-app:clusterDeployerRole"];
    const caller = options.caller ?? (namedDeployer === undefined ? testDeployerRoleArn : testRoleArn(namedDeployer));
    const run = async (): Promise<ProgramRun> => ({
        ...(await runPulumiProgram({
            programDir: repositoryRoot,
            project: "eks-app",
            stack,
            config,
            mocks: { state: mockState, call: (token, inputs) => options.calls?.[token]?.(inputs) ?? mockCall(token, inputs, caller) },
            preview: options.preview,
            sourcePaths: programSources,
        })),
        stack,
    });
    if (options.calls !== undefined) return run();
    const key = JSON.stringify([stack, Object.entries(config).sort(([a], [b]) => a.localeCompare(b)), caller, options.preview === true]);
    let finished = finishedRuns.get(key);
    if (finished === undefined) {
        finished = run();
        finishedRuns.set(key, finished);
        // A failed run is not kept: the next caller sees the failure afresh.
        finished.catch(() => finishedRuns.delete(key));
    }
    return { ...copyOfRun(await finished), stack };
}
