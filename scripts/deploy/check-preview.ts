// Fails a pull request whose `pulumi preview --json` would replace or delete a stateful resource. What is stateful
// is derived from the program itself, run under mocks with the harness: every resource it protects in production,
// and every resource of a kind that holds data or the platform (volume claims, namespaces, KMS keys, log groups,
// Helm releases, the cluster, node groups, the VPC, the image repository), whatever the program names it. A kind
// is guarded even when the program no longer declares it: deleting the last one is the change to catch.
//
//   pulumi preview --json --stack dev > preview.json
//   npx ts-node --transpile-only scripts/deploy/check-preview.ts --stack dev preview.json   (or the JSON on stdin)
//
// Reads what the CLI prints by default (pkg/backend/display/json.go, ShowPreviewDigest, v3.248.0): a replacement is
// one logical `replace` step, and `create-replacement`/`delete-replaced` steps and unchanged (`same`) resources
// appear only with --show-replacement-steps / --show-sames; every form is read.
//
// What the program's roles may trust is not checked here: the policy pack's iam-role-trusts-only-cluster-services
// does it, and the same workflow step previews with the pack (`policyPacks: policy`), as deploy.sh's `up` does. The
// pack sees every role, unchanged ones too, and holds deploys as well as previews, so a copy here would only drift.
import { readFileSync } from "node:fs";
import type { RegisteredResource } from "../../harness";

/** Resource kinds whose replacement or deletion loses data or the platform, and what is lost. */
export const statefulKinds: ReadonlyMap<string, string> = new Map([
    ["kubernetes:core/v1:PersistentVolumeClaim", "a volume claim: its volume and data (Redis)"],
    ["kubernetes:core/v1:Namespace", "a namespace: deleting it deletes everything in it"],
    ["aws:kms/key:Key", "a KMS key: what it encrypted (secrets, volumes) becomes unreadable"],
    ["aws:cloudwatch/logGroup:LogGroup", "a log group: the control plane's audit history"],
    ["kubernetes:helm.sh/v3:Release", "a Helm release: its workload and volumes"],
    ["eks:index:Cluster", "the EKS cluster and everything on it"],
    ["aws:eks/cluster:Cluster", "the EKS cluster and everything on it"],
    ["aws:eks/nodeGroup:NodeGroup", "a node group: every pod on it is evicted at once"],
    ["awsx:ec2:Vpc", "the VPC and everything in it"],
    ["aws:ec2/vpc:Vpc", "the VPC and everything in it"],
    ["aws:ecr/repository:Repository", "the image repository and every image in it"],
]);

/** What the preview shows of a resource the program registers (its URN names this type and this name). */
export interface ResourceId {
    type: string;
    name: string;
}

export interface Guard {
    kinds: ReadonlyMap<string, string>;
    /** `<type>::<name>` of every resource the program protects in production. */
    protectedResources: ReadonlySet<string>;
}

/** The guard for a program: every stateful kind, and what the production program protects. */
export function guardFromProgram(productionResources: readonly Pick<RegisteredResource, "type" | "name" | "options">[]): Guard {
    return {
        kinds: statefulKinds,
        protectedResources: new Set(productionResources.filter((resource) => resource.options.protect).map(({ type, name }) => `${type}::${name}`)),
    };
}

/** Why a resource is guarded, or undefined when it may be replaced and deleted freely. */
export function guardedBecause(guard: Guard, resource: ResourceId): string | undefined {
    if (guard.protectedResources.has(`${resource.type}::${resource.name}`)) return "protected in production";
    return guard.kinds.get(resource.type);
}

/** Step operations after which the existing resource, and what it holds, is gone. */
const destructiveOps: ReadonlySet<string> = new Set(["replace", "create-replacement", "delete-replaced", "delete"]);

export interface PreviewStep {
    op: string;
    urn: string;
    replaceReasons?: string[] | null;
    oldState?: { protect?: boolean } | null;
}

export interface DestructiveChange {
    urn: string;
    type: string;
    ops: string[];
    replaceReasons: string[];
    why: string;
}

/** `urn:pulumi:<stack>::<project>::<parent types $ ...>$<type>::<name>` → the resource's own type and name. */
export function resourceFromUrn(urn: string): ResourceId {
    const parts = urn.split("::");
    const qualifiedType = parts[2];
    if (parts.length < 4 || qualifiedType === undefined) throw new Error(`not a Pulumi URN: ${urn}`);
    return { type: qualifiedType.split("$").pop() as string, name: parts.slice(3).join("::") };
}

export function destructiveChanges(steps: readonly PreviewStep[], guard: Guard): DestructiveChange[] {
    const byUrn = new Map<string, DestructiveChange>();
    for (const step of steps) {
        if (!destructiveOps.has(step.op)) continue;
        const resource = resourceFromUrn(step.urn);
        const why = guardedBecause(guard, resource) ?? (step.oldState?.protect === true ? "protected" : undefined);
        if (why === undefined) continue;
        const change = byUrn.get(step.urn) ?? { urn: step.urn, type: resource.type, ops: [], replaceReasons: [], why };
        change.ops.push(step.op);
        change.replaceReasons.push(...(step.replaceReasons ?? []).filter((reason) => !change.replaceReasons.includes(reason)));
        byUrn.set(step.urn, change);
    }
    return [...byUrn.values()];
}

export function parsePreview(json: string): PreviewStep[] {
    // Every preview has steps: the root stack's own step at least (ShowPreviewDigest always keeps it). A document
    // without them was not checked.
    const steps: unknown = (JSON.parse(json) as { steps?: unknown } | null)?.steps;
    if (!Array.isArray(steps) || steps.length === 0 || !steps.every((step) => typeof step?.op === "string" && typeof step?.urn === "string")) {
        throw new Error("no list of { op, urn } steps: not a `pulumi preview --json` document");
    }
    return steps as PreviewStep[];
}

/** Runs the production program under mocks and builds its guard. */
export async function guardOfTheProgram(): Promise<Guard> {
    // Loaded here, not at the top: the checks above stay usable without the program's dependencies.
    const { runProgram } = require("../../harness") as typeof import("../../harness");
    return guardFromProgram((await runProgram("prod")).resources);
}

function parseArgs(args: string[]): { file?: string } | undefined {
    const rest = [...args];
    // --stack is accepted for the record; the guard is the same for every stack (production's protections apply).
    const stackAt = rest.indexOf("--stack");
    if (stackAt >= 0) rest.splice(stackAt, 2);
    return rest.length <= 1 ? { file: rest[0] } : undefined;
}

async function main(args: string[]): Promise<number> {
    const parsed = parseArgs(args);
    if (parsed === undefined) {
        console.error("usage: check-preview.ts [--stack <stack>] [preview.json]   (reads stdin without a file)");
        return 2;
    }
    let steps: PreviewStep[];
    try {
        steps = parsePreview(readFileSync(parsed.file ?? 0, "utf8"));
    } catch (error) {
        console.error(`error: ${(error as Error).message}`);
        return 2;
    }
    const changes = destructiveChanges(steps, await guardOfTheProgram());
    if (changes.length === 0) {
        console.log(`No stateful resource would be replaced or deleted (${steps.length} steps checked).`);
        return 0;
    }
    console.error(`This change would replace or delete ${changes.length} stateful resource(s), losing what they hold:`);
    for (const change of changes) {
        const reasons = change.replaceReasons.length > 0 ? `; replaced because of: ${change.replaceReasons.join(", ")}` : "";
        console.error(`  ${change.type} ${change.urn} (${change.ops.join(", ")}${reasons}): ${change.why}`);
    }
    console.error("Change the program so they update in place (`aliases` for a rename), or replace them by hand, outside CI.");
    return 1;
}

if (require.main === module) {
    main(process.argv.slice(2)).then(
        (code) => process.exit(code),
        (error: unknown) => {
            console.error(error);
            process.exit(2);
        },
    );
}
