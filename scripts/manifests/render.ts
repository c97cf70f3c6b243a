import type { ProgramRun, RegisteredResource } from "../../harness";
import type { KubernetesObject } from "./schema";

export interface RenderedObject {
    object: KubernetesObject;
    /** A server-side patch of an object Pulumi does not own: only the fields it sets are present. */
    partial: boolean;
    resource: RegisteredResource;
}

const redacted = "<redacted>";

/** Secret values never leave the program in plaintext, not even into a rendered file. */
function redactSecretValues(object: KubernetesObject): KubernetesObject {
    if (object.kind !== "Secret") return object;
    const redact = (values: unknown) =>
        values && typeof values === "object" ? Object.fromEntries(Object.keys(values).map((key) => [key, redacted])) : values;
    return { ...object, data: redact(object.data), stringData: redact(object.stringData) };
}

/** Kubernetes objects the program registers, as the API server would receive them (Helm releases excepted). */
export function kubernetesObjects(run: ProgramRun): RenderedObject[] {
    return run.resources
        .filter((r) => r.custom && r.type.startsWith("kubernetes:") && !r.type.startsWith("kubernetes:helm.sh/"))
        .map((resource) => {
            const { apiVersion, kind, ...rest } = resource.inputs;
            const partial = resource.type.endsWith("Patch");
            const object = { apiVersion, kind: partial ? kind.replace(/Patch$/, "") : kind, ...rest };
            return { object: redactSecretValues(object), partial, resource };
        });
}
