/** What a URN (`urn:pulumi:<stack>::<project>::<parent types $ type>::<name>`) says about its resource. */
export interface UrnParts {
    stack: string;
    type: string;
    name: string;
}

export function parseUrn(urn: string): UrnParts & { project: string } {
    const [head = "", project = "", qualifiedType = "", ...nameParts] = urn.split("::");
    return {
        stack: head.replace(/^urn:pulumi:/, ""),
        project,
        // The qualified type lists the parents' types first.
        type: qualifiedType.split("$").pop() ?? "",
        // A logical name may itself contain "::".
        name: nameParts.join("::"),
    };
}

/** The URN Pulumi gives a resource of this project (parents' types first, when it has parents). */
export function formatUrn({ stack, type, name }: UrnParts, parentTypes: string[] = [], project = "eks-app"): string {
    return `urn:pulumi:${stack}::${project}::${[...parentTypes, type].join("$")}::${name}`;
}
