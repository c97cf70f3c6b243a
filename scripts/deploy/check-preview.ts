// Fails a pull request whose `pulumi preview --json` would replace or delete a stateful resource: the cluster,
// its node group, Redis, the VPC or the image repository. Everything else may change freely.
//
//   pulumi preview --json --stack dev > preview.json
//   npx ts-node --transpile-only scripts/deploy/check-preview.ts preview.json   (or the JSON on stdin)
import { readFileSync } from "node:fs";

/** Types as `pulumi preview` displays them; URNs carry the long form (aws:eks/cluster:Cluster), see displayType. */
export const statefulResourceTypes: ReadonlySet<string> = new Set([
    "eks:index:Cluster",
    "aws:eks:Cluster",
    "aws:eks:NodeGroup",
    "kubernetes:helm.sh/v3:Release",
    "aws:ec2:Vpc",
    "aws:ecr:Repository",
]);

/** Step operations after which the existing resource, and what it holds, is gone. */
const destructiveOps: ReadonlySet<string> = new Set(["replace", "create-replacement", "delete-replaced", "delete"]);

export interface PreviewStep {
    op: string;
    urn: string;
    replaceReasons?: string[];
}

export interface DestructiveChange {
    urn: string;
    type: string;
    ops: string[];
    replaceReasons: string[];
}

/**
 * Pulumi's display form of a type token: `aws:eks/cluster:Cluster` shows as `aws:eks:Cluster` because the last
 * module segment only repeats the type's name; `kubernetes:helm.sh/v3:Release` keeps its module.
 */
export function displayType(token: string): string {
    const [pkg, module, name] = token.split(":");
    if (pkg === undefined || module === undefined || name === undefined) return token;
    const slash = module.lastIndexOf("/");
    const repeatsName = module.slice(slash + 1) === name.charAt(0).toLowerCase() + name.slice(1);
    return slash >= 0 && repeatsName ? `${pkg}:${module.slice(0, slash)}:${name}` : token;
}

/** The resource's own type from `urn:pulumi:<stack>::<project>::<parent types $ ...>$<type>::<name>`. */
export function typeFromUrn(urn: string): string {
    const qualifiedType = urn.split("::")[2];
    if (qualifiedType === undefined) throw new Error(`not a Pulumi URN: ${urn}`);
    return qualifiedType.split("$").pop() as string;
}

export function destructiveChanges(steps: readonly PreviewStep[]): DestructiveChange[] {
    const byUrn = new Map<string, DestructiveChange>();
    for (const step of steps) {
        if (!destructiveOps.has(step.op)) continue;
        const type = displayType(typeFromUrn(step.urn));
        if (!statefulResourceTypes.has(type)) continue;
        const change = byUrn.get(step.urn) ?? { urn: step.urn, type, ops: [], replaceReasons: [] };
        change.ops.push(step.op);
        change.replaceReasons.push(...(step.replaceReasons ?? []).filter((reason) => !change.replaceReasons.includes(reason)));
        byUrn.set(step.urn, change);
    }
    return [...byUrn.values()];
}

export function parsePreview(json: string): PreviewStep[] {
    // Every preview has steps: the root stack's own step at least. A document without them was not checked.
    const steps: unknown = (JSON.parse(json) as { steps?: unknown } | null)?.steps;
    if (!Array.isArray(steps) || !steps.every((step) => typeof step?.op === "string" && typeof step?.urn === "string")) {
        throw new Error("no list of { op, urn } steps: not a `pulumi preview --json` document");
    }
    return steps as PreviewStep[];
}

function main(args: string[]): number {
    if (args.length > 1) {
        console.error("usage: check-preview.ts [preview.json]   (reads stdin without a file)");
        return 2;
    }
    let steps: PreviewStep[];
    try {
        steps = parsePreview(readFileSync(args[0] ?? 0, "utf8"));
    } catch (error) {
        console.error(`error: ${(error as Error).message}`);
        return 2;
    }
    const changes = destructiveChanges(steps);
    if (changes.length === 0) {
        console.log(`No stateful resource would be replaced or deleted (${steps.length} steps checked).`);
        return 0;
    }
    console.error(`This change would replace or delete ${changes.length} stateful resource(s), losing what they hold:`);
    for (const change of changes) {
        const reasons = change.replaceReasons.length > 0 ? `; replaced because of: ${change.replaceReasons.join(", ")}` : "";
        console.error(`  ${change.type} ${change.urn} (${change.ops.join(", ")}${reasons})`);
    }
    console.error("Change the program so they update in place (`aliases` for a rename), or replace them by hand, outside CI.");
    return 1;
}

if (require.main === module) {
    process.exitCode = main(process.argv.slice(2));
}
