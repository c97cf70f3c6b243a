// Runs the pack's policies on plain objects, the way the CrossGuard server calls them, for callers without the
// Pulumi CLI: the manifest check and the tests. Properties go behind the same unknown-checking proxy Pulumi uses.
import {
    Policies,
    PolicyProviderResource,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidation,
    ResourceValidationArgs,
    StackValidationPolicy,
    unknownCheckingProxy,
} from "@pulumi/policy";
import { formatUrn } from "./urn";

/** A resource as a policy receives it: its type token, logical name, URN and input properties. */
export interface EvaluatedResource {
    type: string;
    name: string;
    props: Record<string, unknown>;
    /** Defaults to a URN in the `dev` stack; production rules read the stack from it. */
    urn?: string;
    /** The provider the engine names for a custom resource (components have none). */
    provider?: PolicyProviderResource;
}

/** One violation: the policy's name, its message (which names the resource and the fix) and the resource's URN. */
export interface Violation {
    policy: string;
    message: string;
    /** Empty when a stack policy reports on the stack as a whole. */
    urn: string;
}

const options: PolicyResourceOptions = {
    protect: false,
    ignoreChanges: [],
    aliases: [],
    customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
    additionalSecretOutputs: [],
};

function notApplicable(reason?: string): never {
    throw new Error(`policy marked itself not applicable: ${reason}`);
}

function identity(resource: EvaluatedResource) {
    const urn = resource.urn ?? formatUrn({ stack: "dev", type: resource.type, name: resource.name });
    return { type: resource.type, name: resource.name, urn, props: unknownCheckingProxy(resource.props), opts: options };
}

function resourceArgs(resource: EvaluatedResource, config: object): ResourceValidationArgs {
    const getConfig = <T extends object>() => config as T;
    return { ...identity(resource), provider: resource.provider, stackTags: new Map(), isType: () => false, asType: () => undefined, getConfig, notApplicable };
}

function stackResource(resource: EvaluatedResource): PolicyResource {
    return { ...identity(resource), dependencies: [], propertyDependencies: {}, isType: () => false, asType: () => undefined };
}

function isStackPolicy(policy: Policies[number]): policy is StackValidationPolicy {
    return "validateStack" in policy;
}

type Report = (message: string, urn: string) => void;

/** Runs one policy: a resource policy on each resource, a stack policy on all of them at once. */
async function runPolicy(policy: Policies[number], resources: EvaluatedResource[], config: object, report: Report): Promise<void> {
    const getConfig = <T extends object>() => config as T;
    if (isStackPolicy(policy)) {
        const stackResources = resources.map(stackResource);
        // A stack policy that names no resource speaks for the whole stack.
        const reportOn = (message: string, urn?: string) => report(message, urn ?? "");
        await policy.validateStack({ resources: stackResources, stackTags: new Map(), getConfig, notApplicable }, reportOn);
        return;
    }
    const validations = ([] as ResourceValidation[]).concat(policy.validateResource ?? []);
    for (const resource of resources) {
        const args = resourceArgs(resource, config);
        for (const validate of validations) await validate(args, (message) => report(message, args.urn));
    }
}

/** The messages of one policy on these resources, with this policy config. */
export async function policyViolations(policy: Policies[number], resources: EvaluatedResource[], config: object = {}): Promise<string[]> {
    const messages: string[] = [];
    await runPolicy(policy, resources, config, (message) => void messages.push(message));
    return messages;
}

/** Every violation of these policies, run without policy config (so each policy's defaults apply). */
export async function evaluatePolicies(policies: Policies, resources: EvaluatedResource[]): Promise<Violation[]> {
    const found: Violation[] = [];
    for (const policy of policies) {
        await runPolicy(policy, resources, {}, (message, urn) => void found.push({ policy: policy.name, message, urn }));
    }
    return found;
}
