// Everything the manifest check finds wrong with a stack's rendered objects, from three sources: the Kubernetes
// schema, the policy pack's rules (the same code `pulumi preview --policy-pack policy` runs), and checks between objects.
import type { RegisteredResource } from "../../harness";
import { EvaluatedResource, evaluatePolicies } from "../../policy/lib/evaluate";
import { urnOf } from "../../harness/urn";
import { guardrails } from "../../policy/policies";
import { crossObjectFindings } from "./cross-object";
import { RenderedObject } from "./render";
import { describeObject, isCustomResource, validateObjects } from "./schema";

/** One problem with one object, and the check that found it (`schema`, a policy's name, or a cross-object check). */
export interface ManifestProblem {
    object: string;
    check: string;
    message: string;
}

/** A registered resource as the policy pack sees it, with the URN the engine gives it (its parents' types first). */
export function policyResource(resource: RegisteredResource, all: RegisteredResource[], stack: string, props: object = resource.inputs): EvaluatedResource {
    const { type, name } = resource;
    return { type, name, props: props as Record<string, unknown>, urn: urnOf(resource, all, stack) };
}

/** Every problem of a stack's rendered objects; `all` is every resource of the run, for the objects' URNs. */
export async function manifestProblems(stack: string, rendered: RenderedObject[], all: RegisteredResource[]): Promise<ManifestProblem[]> {
    // Custom resources are validated against their CRDs' schemas by their own tests.
    const builtIn = rendered.filter((r) => !isCustomResource(r.object.apiVersion));
    const partial = new Set(builtIn.filter((r) => r.partial).map((r) => r.object));
    const schema = await validateObjects(builtIn.map((r) => r.object), { partial: (object) => partial.has(object) });

    // A patch holds only the fields it sets: rules about whole objects do not apply to it.
    const whole = rendered.filter((r) => !r.partial);
    const resources = whole.map((r) => policyResource(r.resource, all, stack, r.object));
    const objectByUrn = new Map(resources.map((resource, index) => [resource.urn, whole[index].object]));
    const violations = await evaluatePolicies(guardrails, resources);

    return [
        ...schema.map(({ object, message }) => ({ object, check: "schema", message })),
        ...violations.map(({ policy, message, urn }) => {
            const object = objectByUrn.get(urn);
            return { object: object ? describeObject(object) : `stack ${stack}`, check: policy, message };
        }),
        ...crossObjectFindings(whole.map((r) => r.object)),
    ];
}
