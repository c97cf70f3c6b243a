// Runs the real index.ts under pulumi.runtime.setMocks with the config of a real stack file, and returns
// every registered resource (type, name, resolved inputs, parent) and the stack outputs.
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { parse as parseYaml } from "yaml";

export const repositoryRoot = path.resolve(__dirname, "..");
export const stackNames = ["dev", "prod", "local"] as const;
export type StackName = (typeof stackNames)[number];

export const testAccountId = "123456789012";
/** The session the mocked credentials belong to, and the role behind it. */
export const testDeployerSessionArn = `arn:aws:sts::${testAccountId}:assumed-role/ci-deployer/github-actions`;
export const testDeployerRoleArn = `arn:aws:iam::${testAccountId}:role/ci-deployer`;
/** What the mocked random provider "generates" for the Redis password. */
export const testGeneratedPassword = "generated-redis-password-0123456789";

export interface RegisteredResource {
    type: string;
    name: string;
    /** Inputs as the resource provider receives them: every Output resolved. */
    inputs: Record<string, any>;
    /** The logical name and type of the parent resource, when there is one. */
    parent?: { type: string; name: string };
    custom: boolean;
    /** Options given at construction, for assertions on ordering and lifecycle. */
    options: {
        dependsOn: { type: string; name: string }[];
        protect: boolean;
        retainOnDelete: boolean;
        ignoreChanges: string[];
        customTimeouts?: pulumi.CustomTimeouts;
        deleteBeforeReplace: boolean;
        transforms: pulumi.ResourceTransform[];
    };
}

/** A program run that threw; carries what had been registered by then. */
export class ProgramError extends Error {
    constructor(
        readonly cause: unknown,
        readonly resources: RegisteredResource[],
    ) {
        super(cause instanceof Error ? cause.message : String(cause));
        this.name = "ProgramError";
    }
}

export interface ProgramRun {
    stack: StackName;
    resources: RegisteredResource[];
    outputs: Record<string, unknown>;
    /** Which outputs are secret. */
    secretOutputs: Set<string>;
    ofType(type: string): RegisteredResource[];
    /** The single resource of a type (and, optionally, whose name ends with a suffix); throws otherwise. */
    one(type: string, nameSuffix?: string): RegisteredResource;
}

export interface RunOptions {
    /** Extra or replaced config, "namespace:key" → value as Pulumi stores it (objects as JSON). */
    config?: Record<string, string>;
    /** Keys to remove from the stack file's config. */
    without?: string[];
}

/** Stack files carry no secrets; these stand in for what a user would set with --secret. */
const testSecrets: Record<string, string> = {};

export function readStackConfig(stack: StackName): Record<string, string> {
    const file = path.join(repositoryRoot, `Pulumi.${stack}.yaml`);
    const document = parseYaml(fs.readFileSync(file, "utf8")) as { config?: Record<string, unknown> };
    const config: Record<string, string> = {};
    for (const [key, value] of Object.entries(document.config ?? {})) {
        if (value !== null && typeof value === "object" && "secure" in (value as object)) {
            const secret = testSecrets[key];
            if (secret === undefined) throw new Error(`${file}: ${key} is a secret with no test value in tests/harness.ts`);
            config[key] = secret;
        } else {
            config[key] = typeof value === "string" ? value : JSON.stringify(value);
        }
    }
    return config;
}

const secretSignature = "4dabf18193072939515e22adb298388d";

/** Mocks receive secrets wrapped in Pulumi's wire format; tests want the plain values. */
function unwrapSecrets(value: unknown): any {
    if (Array.isArray(value)) return value.map(unwrapSecrets);
    if (value !== null && typeof value === "object") {
        const record = value as Record<string, unknown>;
        if (secretSignature in record && "value" in record) return unwrapSecrets(record.value);
        return Object.fromEntries(Object.entries(record).map(([key, inner]) => [key, unwrapSecrets(inner)]));
    }
    return value;
}

function mockState(type: string, name: string, inputs: Record<string, any>): { id: string; state: Record<string, any> } {
    const arn = (service: string, resource: string) => `arn:aws:${service}:eu-west-1:${testAccountId}:${resource}`;
    switch (type) {
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
                        version: inputs.version,
                    },
                },
            };
        case "aws:ecr/repository:Repository":
            return { id: name, state: { ...inputs, repositoryUrl: `${testAccountId}.dkr.ecr.eu-west-1.amazonaws.com/${inputs.name ?? name}` } };
        case "aws:iam/role:Role":
            return { id: name, state: { ...inputs, name, arn: `arn:aws:iam::${testAccountId}:role${inputs.path ?? "/"}${name}` } };
        case "aws:kms/key:Key":
            return { id: `key-${name}`, state: { ...inputs, arn: arn("kms", `key/${name}`), keyId: `key-${name}` } };
        case "aws:ec2/launchTemplate:LaunchTemplate":
            return { id: `lt-${name}`, state: { ...inputs, latestVersion: 1 } };
        case "awsx:ecr:Image":
            return { id: "", state: { imageUri: `${inputs.repositoryUrl}@sha256:${"a".repeat(64)}` } };
        case "random:index/randomPassword:RandomPassword":
            return { id: name, state: { ...inputs, result: testGeneratedPassword } };
        case "kubernetes:core/v1:Service":
            return {
                id: `${inputs.metadata?.namespace ?? "default"}/${inputs.metadata?.name ?? name}`,
                state: { ...inputs, status: { loadBalancer: { ingress: [{ hostname: "app-0123456789.elb.eu-west-1.amazonaws.com" }] } } },
            };
        default:
            return { id: `${name}-id`, state: inputs };
    }
}

function mockCall(token: string, inputs: Record<string, any>): Record<string, any> {
    switch (token) {
        case "aws:index/getCallerIdentity:getCallerIdentity":
            return { accountId: testAccountId, arn: testDeployerSessionArn, userId: "AROAEXAMPLE:github-actions", id: testAccountId };
        case "aws:index/getPartition:getPartition":
            return { partition: "aws", dnsSuffix: "amazonaws.com", id: "aws" };
        case "aws:iam/getSessionContext:getSessionContext":
            return { arn: inputs.arn, issuerArn: testDeployerRoleArn, issuerId: "AROAEXAMPLE", issuerName: "ci-deployer", sessionName: "github-actions" };
        case "aws:eks/getAddonVersion:getAddonVersion":
            return { addonName: inputs.addonName, kubernetesVersion: inputs.kubernetesVersion, version: "v1.0.0-eksbuild.1", id: inputs.addonName };
        case "aws:ecr/getImage:getImage":
            return { ...inputs, imageDigest: `sha256:${"b".repeat(64)}`, id: inputs.imageTag };
        case "aws:index/getRegion:getRegion":
            return { name: "eu-west-1", region: "eu-west-1", id: "eu-west-1" };
        default:
            return {};
    }
}

const projectSourceDirs = ["index.ts", "components", "stacks"].map((entry) => path.join(repositoryRoot, entry));

function forgetProgramModules(): void {
    for (const cached of Object.keys(require.cache)) {
        if (projectSourceDirs.some((source) => cached === source || cached.startsWith(source + path.sep))) {
            delete require.cache[cached];
        }
    }
}

async function resolveOutput(value: unknown): Promise<{ value: unknown; secret: boolean }> {
    const output = pulumi.output(value as pulumi.Input<unknown>) as pulumi.Output<unknown>;
    const [resolved, secret] = await Promise.all([
        new Promise<unknown>((resolve) => output.apply((v) => resolve(v))),
        (output as any).isSecret as Promise<boolean>,
    ]);
    return { value: resolved, secret };
}

function settle(): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, 0));
}

/** Runs index.ts for a stack and returns what it registered. Each call starts from a fresh module cache. */
export async function runProgram(stack: StackName, options: RunOptions = {}): Promise<ProgramRun> {
    const config = readStackConfig(stack);
    for (const key of options.without ?? []) delete config[key];
    Object.assign(config, options.config ?? {});

    const resources: RegisteredResource[] = [];
    const byResource = new Map<pulumi.Resource, { type: string; name: string }>();

    await pulumi.runtime.setMocks(
        {
            newResource: (args) => {
                const inputs = unwrapSecrets(args.inputs);
                const { id, state } = mockState(args.type, args.name, inputs);
                const registered = resources.find((r) => r.type === args.type && r.name === args.name);
                if (registered) registered.inputs = inputs;
                return { id: id || `${args.name}-id`, state };
            },
            call: (args) => mockCall(args.token, args.inputs),
        },
        "eks-app",
        stack,
        false,
    );
    pulumi.runtime.setAllConfig(config);

    // Transformations run in-process, so they see every resource's parent and options, which mocks do not.
    const recorder: pulumi.ResourceTransformation = ({ resource, type, name, props, opts }) => {
        // A resource reference being rehydrated (opts.urn) is not a registration.
        if (opts.urn !== undefined) return undefined;
        const identity = { type, name };
        byResource.set(resource, identity);
        const ref = (r: unknown) => byResource.get(r as pulumi.Resource);
        const dependsOn = ([] as unknown[]).concat((opts.dependsOn as unknown) ?? []);
        resources.push({
            type,
            name,
            inputs: props,
            parent: opts.parent ? ref(opts.parent) : undefined,
            custom: !(resource instanceof pulumi.ComponentResource),
            options: {
                dependsOn: dependsOn.map(ref).filter((d): d is { type: string; name: string } => d !== undefined),
                protect: (opts as pulumi.CustomResourceOptions).protect === true,
                retainOnDelete: (opts as pulumi.CustomResourceOptions).retainOnDelete === true,
                ignoreChanges: opts.ignoreChanges ?? [],
                customTimeouts: (opts as pulumi.CustomResourceOptions).customTimeouts,
                deleteBeforeReplace: (opts as pulumi.CustomResourceOptions).deleteBeforeReplace === true,
                transforms: opts.transforms ?? [],
            },
        });
        return undefined;
    };

    forgetProgramModules();
    let exported: Record<string, unknown> = {};
    try {
        await pulumi.runtime.runInPulumiStack(async () => {
            pulumi.runtime.registerStackTransformation(recorder);
            const program = require(path.join(repositoryRoot, "index.ts")) as () => Promise<Record<string, unknown>>;
            exported = await program();
            return exported;
        });
    } catch (error) {
        // The root stack resource itself is not the program's.
        throw new ProgramError(error, resources.filter((r) => r.type !== "pulumi:pulumi:Stack"));
    }

    const outputs: Record<string, unknown> = {};
    const secretOutputs = new Set<string>();
    for (const [key, value] of Object.entries(exported)) {
        const resolved = await resolveOutput(value);
        outputs[key] = resolved.value;
        if (resolved.secret) secretOutputs.add(key);
    }
    // Let the last registrations (those after the exported outputs resolved) reach the mock monitor.
    for (let i = 0; i < 20; i++) await settle();

    return {
        stack,
        resources,
        outputs,
        secretOutputs,
        ofType: (type) => resources.filter((r) => r.type === type),
        one(type, nameSuffix) {
            const matches = resources.filter((r) => r.type === type && (nameSuffix === undefined || r.name.endsWith(nameSuffix)));
            if (matches.length !== 1) {
                throw new Error(`expected one ${type}${nameSuffix ? ` named *${nameSuffix}` : ""}, found ${matches.map((m) => m.name).join(", ") || "none"}`);
            }
            return matches[0];
        },
    };
}
