// The chain of resources that bounds a first `pulumi up`. The engine creates a resource once everything it waits for
// exists: its explicit dependsOn, every resource its inputs' Outputs come from, its provider, and its parent's
// registration (a component registers once its own dependsOn exist, so its children wait for those too). Waiting
// on a component of this program means waiting on all of its children, as the Pulumi SDK expands it.
import type { RegisteredResource } from "../harness";
import { Duration, typicalDuration } from "./durations";

type Ref = { type: string; name: string };
const keyOf = (ref: Ref) => `${ref.type}::${ref.name}`;
const refOf = (key: string): Ref => {
    const [type, name] = key.split("::");
    return { type, name };
};

export interface Step extends Duration {
    type: string;
    name: string;
    startsAt: number;
    endsAt: number;
    /** Why this step waits for the one before it, and the resource the program names for that wait. */
    waitsBecause?: WaitReason;
    waitsOn?: Ref;
}

export interface CriticalPath {
    steps: Step[];
    totalSeconds: number;
    /** Explicit dependsOn waits on the path, and what the total would be without each. */
    explicitWaits: { from: Ref; to: Ref; totalWithout: number }[];
}

export type WaitReason = "dependsOn" | "input" | "provider" | "parent";

interface Edge {
    to: string;
    why: WaitReason;
    /** The resource named in the program (a component's children are reached through it). */
    declared: string;
}

function buildGraph(resources: RegisteredResource[]) {
    const byKey = new Map(resources.filter((r) => r.type !== "pulumi:pulumi:Stack").map((r) => [keyOf(r), r]));
    const children = new Map<string, string[]>();
    for (const resource of byKey.values()) {
        if (resource.parent && byKey.has(keyOf(resource.parent))) {
            children.set(keyOf(resource.parent), [...(children.get(keyOf(resource.parent)) ?? []), keyOf(resource)]);
        }
    }
    // A remote component (awsx, eks) has no children here: it is one step that ends when everything inside exists.
    const expand = (key: string): string[] => [key, ...(children.get(key) ?? []).flatMap(expand)];
    const edges = new Map<string, Edge[]>();
    for (const [key, resource] of byKey) {
        const waits: Edge[] = [
            ...resource.options.dependsOn.flatMap((ref) => expand(keyOf(ref)).map((to) => ({ to, why: "dependsOn" as const, declared: keyOf(ref) }))),
            ...(resource.dependencies ?? []).flatMap((ref) => expand(keyOf(ref)).map((to) => ({ to, why: "input" as const, declared: keyOf(ref) }))),
            ...(resource.provider ? [{ to: keyOf(resource.provider), why: "provider" as const, declared: keyOf(resource.provider) }] : []),
            ...(resource.parent ? [{ to: keyOf(resource.parent), why: "parent" as const, declared: keyOf(resource.parent) }] : []),
        ];
        edges.set(key, waits.filter((edge) => byKey.has(edge.to) && edge.to !== key));
    }
    return { byKey, edges };
}

function longestPath(byKey: Map<string, RegisteredResource>, edges: Map<string, Edge[]>): Step[] {
    const finish = new Map<string, { endsAt: number; via?: Edge }>();
    const visit = (key: string, stack: Set<string>): number => {
        const known = finish.get(key);
        if (known) return known.endsAt;
        if (stack.has(key)) throw new Error(`dependency cycle through ${key}`);
        stack.add(key);
        let startsAt = 0;
        let via: Edge | undefined;
        for (const edge of edges.get(key) ?? []) {
            const endsAt = visit(edge.to, stack);
            if (via === undefined || endsAt > startsAt) {
                startsAt = endsAt;
                via = edge;
            }
        }
        stack.delete(key);
        const endsAt = startsAt + typicalDuration(byKey.get(key) as RegisteredResource).seconds;
        finish.set(key, { endsAt, via });
        return endsAt;
    };
    for (const key of byKey.keys()) visit(key, new Set());
    const [last] = [...finish.entries()].sort((a, b) => b[1].endsAt - a[1].endsAt);
    const steps: Step[] = [];
    for (let key: string | undefined = last?.[0]; key !== undefined; key = finish.get(key)?.via?.to) {
        const resource = byKey.get(key) as RegisteredResource;
        const duration = typicalDuration(resource);
        const endsAt = finish.get(key)?.endsAt ?? 0;
        steps.unshift({ type: resource.type, name: resource.name, ...duration, startsAt: endsAt - duration.seconds, endsAt });
    }
    // Each step says why it waited for the one before it; zero-length steps (components, providers) stay for that reason.
    for (let index = 1; index < steps.length; index++) {
        const edge = finish.get(keyOf(steps[index]))?.via;
        steps[index].waitsBecause = edge?.why;
        steps[index].waitsOn = edge && refOf(edge.declared);
    }
    return steps;
}

/** The longest chain of waits in the registered graph, with typical durations, and what each explicit wait on it costs. */
export function criticalPath(resources: RegisteredResource[]): CriticalPath {
    const { byKey, edges } = buildGraph(resources);
    const steps = longestPath(byKey, edges);
    const totalSeconds = steps.at(-1)?.endsAt ?? 0;
    const explicitWaits = steps.flatMap((step) => {
        if (step.waitsBecause !== "dependsOn" || step.waitsOn === undefined) return [];
        const from = keyOf(step);
        const declared = keyOf(step.waitsOn);
        const without = new Map(edges);
        without.set(from, (edges.get(from) ?? []).filter((edge) => !(edge.declared === declared && edge.why === "dependsOn")));
        const totalWithout = longestPath(byKey, without).at(-1)?.endsAt ?? 0;
        return [{ from: { type: step.type, name: step.name }, to: step.waitsOn, totalWithout }];
    });
    return { steps, totalSeconds, explicitWaits };
}
