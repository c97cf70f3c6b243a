// The URN the engine gives a resource of a run: `urn:pulumi:<stack>::<project>::<parents' types $ type>::<name>`,
// the parents' types outermost first and the root stack left out (generateURN in pkg/resource/deploy/deployment.go).
// Tests hold what names resources by URN (`pulumi up --target`, the policy pack's URNs) to the real program with it.
import { formatUrn } from "../policy/lib/urn";
import type { RegisteredResource } from "./run";

export function urnOf(resource: RegisteredResource, all: readonly RegisteredResource[], stack: string, project = "eks-app"): string {
    const parentTypes: string[] = [];
    for (let parent = resource.parent; parent; ) {
        parentTypes.unshift(parent.type);
        const { type, name } = parent;
        parent = all.find((candidate) => candidate.type === type && candidate.name === name)?.parent;
    }
    return formatUrn({ stack, type: resource.type, name: resource.name }, parentTypes, project);
}
