// Runs a Pulumi program (any folder with an index.ts that exports a function) under pulumi.runtime.setMocks and
// records every registered resource: type, name, resolved inputs, parent and options. No engine, no cloud.
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";

export interface RegisteredResource {
    type: string;
    name: string;
    /** Inputs as the resource provider receives them: every Output resolved. */
    inputs: Record<string, any>;
    /** The logical name and type of the parent resource, when there is one. */
    parent?: { type: string; name: string };
    custom: boolean;
    /** Resources whose outputs (or references) the inputs use: the data edges the engine waits on. Set once the run ends. */
    dependencies?: { type: string; name: string }[];
    /** The provider resource a custom resource or remote component is created with, when it is registered. */
    provider?: { type: string; name: string };
    /** The providers by package a component hands its children (for a remote component: what its own resources use). */
    providers?: Record<string, { type: string; name: string } | undefined>;
    /** Options given at construction, for assertions on ordering and lifecycle. */
    options: {
        dependsOn: { type: string; name: string }[];
        protect: boolean;
        retainOnDelete: boolean;
        ignoreChanges: string[];
        customTimeouts?: pulumi.CustomTimeouts;
        deleteBeforeReplace: boolean;
        transforms: pulumi.ResourceTransform[];
        /** The `import` option: the id of an existing resource this one adopts. */
        importId?: string;
        aliases: unknown[];
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

export interface Run {
    resources: RegisteredResource[];
    outputs: Record<string, unknown>;
    /** Which outputs are secret. */
    secretOutputs: Set<string>;
    ofType(type: string): RegisteredResource[];
    /** The single resource of a type (and, optionally, whose name ends with a suffix); throws otherwise. */
    one(type: string, nameSuffix?: string): RegisteredResource;
}

export interface Mocks {
    /** The state a resource provider would return for these inputs, and its id. */
    state(type: string, name: string, inputs: Record<string, any>): { id?: string; state: Record<string, any> };
    /** The result of a provider function (data source) call. */
    call(token: string, inputs: Record<string, any>): Record<string, any>;
}

export interface ProgramSpec {
    /** The folder holding the program's index.ts. */
    programDir: string;
    project: string;
    stack: string;
    /** The stack's whole config, "namespace:key" → value as Pulumi stores it. */
    config: Record<string, string>;
    mocks: Mocks;
    /** Runs as a preview (pulumi.runtime.isDryRun()); default: an update. */
    preview?: boolean;
    /** Files and folders whose modules are loaded afresh on each run, so config is read again. */
    sourcePaths: string[];
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

function forgetModules(sourcePaths: string[]): void {
    for (const cached of Object.keys(require.cache)) {
        if (sourcePaths.some((source) => cached === source || cached.startsWith(source + path.sep))) {
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

function optionsOf(opts: pulumi.CustomResourceOptions, ref: (r: unknown) => { type: string; name: string } | undefined): RegisteredResource["options"] {
    const dependsOn = ([] as unknown[]).concat((opts.dependsOn as unknown) ?? []);
    return {
        dependsOn: dependsOn.map(ref).filter((d): d is { type: string; name: string } => d !== undefined),
        protect: opts.protect === true,
        retainOnDelete: opts.retainOnDelete === true,
        ignoreChanges: opts.ignoreChanges ?? [],
        customTimeouts: opts.customTimeouts,
        deleteBeforeReplace: opts.deleteBeforeReplace === true,
        transforms: opts.transforms ?? [],
        importId: opts.import as string | undefined,
        aliases: (opts.aliases as unknown[]) ?? [],
    };
}

/** Every resource an input refers to, directly or through the Outputs it holds (as the engine collects them). */
async function inputResources(value: unknown, seen = new Set<unknown>()): Promise<pulumi.Resource[]> {
    if (value === null || typeof value !== "object" || seen.has(value)) return [];
    seen.add(value);
    if (pulumi.Resource.isInstance(value)) return [value];
    if (pulumi.Output.isInstance(value)) {
        // Internal to the SDK, but it is what serializeResourceProperties collects as the property dependencies.
        const output = value as unknown as { allResources?: () => Promise<Set<pulumi.Resource>>; resources: () => Set<pulumi.Resource> };
        return [...(output.allResources ? await output.allResources() : output.resources())];
    }
    const inner = Array.isArray(value) ? value : Object.values(value as Record<string, unknown>);
    return (await Promise.all(inner.map((item) => inputResources(item, seen)))).flat();
}

/**
 * Waits until every custom resource the program declared has reached the mocked provider, so its recorded inputs
 * are resolved values rather than Outputs: a resource whose inputs wait on other Outputs registers after the
 * program function has returned. Bounded, and it says which resources never arrived.
 */
async function untilRegistered(resources: RegisteredResource[], reachedProvider: Set<string>): Promise<void> {
    const pending = () => resources.filter((r) => r.custom && !r.type.startsWith("pulumi:providers:") && !reachedProvider.has(`${r.type}::${r.name}`));
    for (let turn = 0; turn < 1000 && pending().length > 0; turn++) await new Promise((resolve) => setTimeout(resolve, 0));
    const missing = pending();
    if (missing.length > 0) throw new Error(`never registered with the mocked provider: ${missing.map((r) => `${r.type} ${r.name}`).join(", ")}`);
}

/** Runs the program once and returns what it registered. Each call starts from a fresh module cache. */
export async function runPulumiProgram(spec: ProgramSpec): Promise<Run> {
    const resources: RegisteredResource[] = [];
    /** Custom resources whose registration (with inputs resolved) has reached the mocked provider. */
    const reachedProvider = new Set<string>();
    const byResource = new Map<pulumi.Resource, { type: string; name: string }>();
    // Filled in once the program has run: Outputs resolve, and every referenced resource is registered by then.
    const pendingEdges: (() => Promise<void>)[] = [];

    await pulumi.runtime.setMocks(
        {
            newResource: (args) => {
                const inputs = unwrapSecrets(args.inputs);
                const { id, state } = spec.mocks.state(args.type, args.name, inputs);
                const registered = resources.find((r) => r.type === args.type && r.name === args.name);
                if (registered) registered.inputs = inputs;
                reachedProvider.add(`${args.type}::${args.name}`);
                return { id: id || `${args.name}-id`, state };
            },
            call: (args) => spec.mocks.call(args.token, args.inputs),
        },
        spec.project,
        spec.stack,
        spec.preview ?? false,
    );
    pulumi.runtime.setAllConfig(spec.config);

    // Transformations run in-process, so they see every resource's parent and options, which mocks do not.
    const recorder: pulumi.ResourceTransformation = ({ resource, type, name, props, opts }) => {
        // A resource reference being rehydrated (opts.urn) is not a registration.
        if (opts.urn !== undefined) return undefined;
        byResource.set(resource, { type, name });
        const ref = (r: unknown) => byResource.get(r as pulumi.Resource);
        const registered: RegisteredResource = {
            type,
            name,
            inputs: props,
            parent: opts.parent ? ref(opts.parent) : undefined,
            custom: !(resource instanceof pulumi.ComponentResource),
            options: optionsOf(opts as pulumi.CustomResourceOptions, ref),
        };
        resources.push(registered);
        pendingEdges.push(async () => {
            const referenced = (await inputResources(props)).map(ref).filter((d): d is { type: string; name: string } => d !== undefined);
            registered.dependencies = [...new Map(referenced.map((d) => [`${d.type}::${d.name}`, d])).values()];
            // The SDK picks the provider (explicit, from `providers`, or the parent's) after transformations run.
            registered.provider = ref((resource as unknown as { __prov?: pulumi.ProviderResource }).__prov);
            const providers = (resource as unknown as { __providers?: Record<string, pulumi.ProviderResource> }).__providers ?? {};
            registered.providers = Object.fromEntries(Object.entries(providers).map(([pkg, provider]) => [pkg, ref(provider)]));
        });
        return undefined;
    };

    forgetModules(spec.sourcePaths);
    let exported: Record<string, unknown> = {};
    try {
        await pulumi.runtime.runInPulumiStack(async () => {
            pulumi.runtime.registerStackTransformation(recorder);
            const program = require(path.join(spec.programDir, "index.ts")) as () => Promise<Record<string, unknown>>;
            exported = await program();
            return exported;
        });
    } catch (error) {
        // The root stack resource itself is not the program's.
        throw new ProgramError(error, resources.filter((r) => r.type !== "pulumi:pulumi:Stack"));
    }

    await Promise.all(pendingEdges.map((fill) => fill()));
    await untilRegistered(resources, reachedProvider);

    const outputs: Record<string, unknown> = {};
    const secretOutputs = new Set<string>();
    for (const [key, value] of Object.entries(exported)) {
        const resolved = await resolveOutput(value);
        outputs[key] = resolved.value;
        if (resolved.secret) secretOutputs.add(key);
    }

    return runOf(resources, outputs, secretOutputs);
}

/** A Run over these records, with its lookups. */
function runOf(resources: RegisteredResource[], outputs: Record<string, unknown>, secretOutputs: Set<string>): Run {
    return {
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

/** Plain objects and arrays copied at every depth; anything else (functions, Outputs, resources) shared. */
function copied<T>(value: T): T {
    if (Array.isArray(value)) return value.map(copied) as T;
    if (value === null || typeof value !== "object") return value;
    const prototype = Object.getPrototypeOf(value);
    if (prototype !== Object.prototype && prototype !== null) return value;
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, copied(inner)])) as T;
}

/** A caller's own copy of a run kept for several, so what one test changes in it no other test sees. */
export function copyOfRun(run: Run): Run {
    return runOf(copied(run.resources), copied(run.outputs), new Set(run.secretOutputs));
}
