// The dependency graph of a program run as the Pulumi engine orders it: a resource is created after, and deleted
// before, every resource it depends on — through dependsOn (a component stands for all of its descendants),
// through the Outputs in its inputs, through its parent, and through its provider.
import { RegisteredResource, Run } from "./run";

const keyOf = (r: { type: string; name: string }) => `${r.type}::${r.name}`;

export class DependencyGraph {
    private readonly byKey = new Map<string, RegisteredResource>();
    private readonly children = new Map<string, RegisteredResource[]>();

    constructor(readonly run: Run) {
        for (const resource of run.resources) {
            this.byKey.set(keyOf(resource), resource);
            if (resource.parent) {
                const siblings = this.children.get(keyOf(resource.parent)) ?? [];
                siblings.push(resource);
                this.children.set(keyOf(resource.parent), siblings);
            }
        }
    }

    private descendants(key: string): string[] {
        return (this.children.get(key) ?? []).flatMap((child) => [keyOf(child), ...this.descendants(keyOf(child))]);
    }

    /** What this resource waits for on create, and outlives on destroy. */
    directDependencies(resource: RegisteredResource): string[] {
        const explicit = resource.options.dependsOn.flatMap((d) => [keyOf(d), ...this.descendants(keyOf(d))]);
        const data = (resource.dependencies ?? []).map(keyOf);
        const structural = [resource.parent, resource.provider].filter((r): r is { type: string; name: string } => r !== undefined).map(keyOf);
        return [...new Set([...explicit, ...data, ...structural])];
    }

    /** Whether `first` is deleted before `second` on destroy: `first` depends on `second`, however indirectly. */
    deletedBefore(first: RegisteredResource, second: RegisteredResource): boolean {
        const target = keyOf(second);
        const seen = new Set<string>();
        const pending = [keyOf(first)];
        while (pending.length > 0) {
            const key = pending.pop()!;
            if (seen.has(key)) continue;
            seen.add(key);
            const resource = this.byKey.get(key);
            if (!resource) continue;
            for (const dependency of this.directDependencies(resource)) {
                if (dependency === target) return true;
                pending.push(dependency);
            }
        }
        return false;
    }
}
