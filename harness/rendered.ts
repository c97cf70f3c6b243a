// Objects rendered from a chart, as the policy pack sees resources: a Pulumi type token, a name and a URN.
import { EvaluatedResource } from "../policy/lib/evaluate";
import { formatUrn } from "../policy/lib/urn";
import { KubernetesObject } from "./helm";

/** The pulumi-kubernetes type token of an object: kubernetes:<group>/<version>:<Kind> (core for the core group). */
export function kubernetesTypeToken(object: KubernetesObject): string {
    const [group, version] = object.apiVersion.includes("/") ? object.apiVersion.split("/") : ["core", object.apiVersion];
    return `kubernetes:${group}/${version}:${object.kind}`;
}

/** Chart objects have no logical name of their own: `<release>/<object name>` stands in, in the given stack. */
export function renderedPolicyResources(objects: KubernetesObject[], release: string, stack: string): EvaluatedResource[] {
    return objects.map((object) => {
        const type = kubernetesTypeToken(object);
        const name = `${release}/${object.metadata.name}`;
        return { type, name, props: object as unknown as Record<string, unknown>, urn: formatUrn({ stack, type, name }) };
    });
}
