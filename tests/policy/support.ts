// Calls policies the way the CrossGuard server does, without the Pulumi CLI: properties behind the same
// unknown-checking proxy, and violations collected instead of reported.
import {
    Policies,
    PolicyResource,
    ResourceValidation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationPolicy,
    unknownCheckingProxy,
} from "@pulumi/policy";

/** The sentinels the engine sends for values unknown during preview (one per value type), as the SDK defines them. */
const sentinels = require("@pulumi/policy/proxy") as Record<string, string>;
export const unknownDuringPreview = {
    string: sentinels.unknownStringValue,
    boolean: sentinels.unknownBooleanValue,
    number: sentinels.unknownNumberValue,
    array: sentinels.unknownArrayValue,
    object: sentinels.unknownObjectValue,
};

export interface FakeResource {
    type: string;
    name: string;
    props: Record<string, unknown>;
    /** Defaults to a URN in the `dev` stack. */
    urn?: string;
}

export function urnOf(type: string, name: string, stack = "dev", parentTypes: string[] = []): string {
    return `urn:pulumi:${stack}::eks-app::${[...parentTypes, type].join("$")}::${name}`;
}

const options = {
    protect: false,
    ignoreChanges: [],
    aliases: [],
    customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
    additionalSecretOutputs: [],
};

function notApplicable(reason?: string): never {
    throw new Error(`policy marked itself not applicable: ${reason}`);
}

function resourceArgs(resource: FakeResource, config: object): ResourceValidationArgs {
    return {
        type: resource.type,
        name: resource.name,
        urn: resource.urn ?? urnOf(resource.type, resource.name),
        props: unknownCheckingProxy(resource.props),
        opts: options,
        stackTags: new Map(),
        isType: () => false,
        asType: () => undefined,
        getConfig: <T extends object>() => config as T,
        notApplicable,
    };
}

function stackResource(resource: FakeResource): PolicyResource {
    return {
        type: resource.type,
        name: resource.name,
        urn: resource.urn ?? urnOf(resource.type, resource.name),
        props: unknownCheckingProxy(resource.props),
        opts: options,
        dependencies: [],
        propertyDependencies: {},
        isType: () => false,
        asType: () => undefined,
    };
}

export function isStackPolicy(policy: Policies[number]): policy is StackValidationPolicy {
    return "validateStack" in policy;
}

/** The violation messages of one policy: a resource policy run on each resource, a stack policy on all at once. */
export async function violations(policy: Policies[number], resources: FakeResource[], config: object = {}): Promise<string[]> {
    const messages: string[] = [];
    const report = (message: string) => void messages.push(message);
    if (isStackPolicy(policy)) {
        await policy.validateStack(
            { resources: resources.map(stackResource), stackTags: new Map(), getConfig: <T extends object>() => config as T, notApplicable },
            report,
        );
        return messages;
    }
    const validations = ([] as ResourceValidation[]).concat((policy as ResourceValidationPolicy).validateResource ?? []);
    for (const resource of resources) {
        for (const validate of validations) await validate(resourceArgs(resource, config), report);
    }
    return messages;
}

/** The violations of every policy, each prefixed with the policy's name. */
export async function allViolations(policies: Policies, resources: FakeResource[]): Promise<string[]> {
    const found: string[] = [];
    for (const policy of policies) {
        for (const message of await violations(policy, resources)) found.push(`${policy.name}: ${message}`);
    }
    return found;
}

/** A resource set a policy is run on, and what it should report. */
export interface Fixture {
    title: string;
    resources: FakeResource[];
    config?: object;
}

export interface FailingFixture extends Fixture {
    /** One pattern per expected violation, in order; each names the resource and the fix. */
    messages: RegExp[];
}

/** Evidence for one policy: it passes good resources, fails bad ones, and skips what preview cannot know. */
export interface PolicyCases {
    policy: Policies[number];
    passing: Fixture[];
    failing: FailingFixture[];
    /** Resources that would fail if their unknown values were taken for bad ones. */
    unknownDuringPreview: Fixture[];
}
