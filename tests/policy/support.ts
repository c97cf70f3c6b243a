// Drives policies without the Pulumi CLI, through the same evaluation the manifest check uses.
import { Policies } from "@pulumi/policy";
import { EvaluatedResource, evaluatePolicies, policyViolations } from "../../policy/lib/evaluate";
import { formatUrn } from "../../policy/lib/urn";


/** The sentinels the engine sends for values unknown during preview (one per value type), as the SDK defines them. */
const sentinels = require("@pulumi/policy/proxy") as Record<string, string>;
export const unknownDuringPreview = {
    string: sentinels.unknownStringValue,
    boolean: sentinels.unknownBooleanValue,
    number: sentinels.unknownNumberValue,
    array: sentinels.unknownArrayValue,
    object: sentinels.unknownObjectValue,
};

/** A resource as a policy receives it; the URN defaults to one in the `dev` stack. */
export type FakeResource = EvaluatedResource;

export function urnOf(type: string, name: string, stack = "dev", parentTypes: string[] = []): string {
    return formatUrn({ stack, type, name }, parentTypes);
}

/** The violation messages of one policy: a resource policy run on each resource, a stack policy on all at once. */
export const violations = policyViolations;

/** The violations of every policy, each prefixed with the policy's name. */
export async function allViolations(policies: Policies, resources: FakeResource[]): Promise<string[]> {
    return (await evaluatePolicies(policies, resources)).map(({ policy, message }) => `${policy}: ${message}`);
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
