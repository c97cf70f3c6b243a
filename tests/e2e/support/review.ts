// What the review-environment end-to-end test (review-environments.test.ts) needs beyond env.ts: its project copy with
// the stand-in for staging, each review stack's config file as the review workflow writes it, `pulumi` run
// concurrently, and the review role's requests made through impersonation.
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { reviewGroup } from "../../../stacks/naming";
import { CommandResult, projectCopy, repositoryRoot, run } from "./env";

/** The stand-in for staging's stack, and the name review stacks give it in eks-app:reviewBaseStack. */
export const stagingStack = "staging-stand-in";
export const stagingReference = `organization/eks-app/${stagingStack}`;
const fixture = path.join("tests", "e2e", "fixtures", "review-staging");

/** The project copy, with the staging stand-in at the fixture's own path (so its imports of components/ resolve). */
export function reviewProject(): { project: string; staging: string } {
    const project = projectCopy("review-project");
    const staging = path.join(project, fixture);
    fs.mkdirSync(staging, { recursive: true });
    fs.cpSync(path.join(repositoryRoot, fixture), staging, { recursive: true });
    return { project, staging };
}

/**
 * Review stack pr-<n>'s config file as scripts/deploy/review-stack.sh writes it: the stack's secrets settings (here the
 * passphrase's salt, which `pulumi stack init` wrote into Pulumi.pr-<n>.yaml), then Pulumi.review.yaml as committed,
 * then what the workflow adds (the deploy's time) and what this suite sets instead of a build and of staging's name.
 */
export function reviewConfigFile(project: string, pullRequest: number, updatedAt: string): string {
    const stackFile = fs.readFileSync(path.join(project, `Pulumi.pr-${pullRequest}.yaml`), "utf8");
    const salt = /^encryptionsalt: .*$/m.exec(stackFile)?.[0];
    if (!salt) throw new Error(`Pulumi.pr-${pullRequest}.yaml has no encryptionsalt: ${stackFile}`);
    const shared = fs.readFileSync(path.join(project, "Pulumi.review.yaml"), "utf8").trimEnd();
    const file = path.join(project, `review-pr-${pullRequest}.yaml`);
    const added = {
        // Any pinned reference: nothing pulls it on kwok, and setting it means nothing is built.
        "eks-app:image": `registry.e2e.test/eks-app-dev-review:pr-${pullRequest}-e2e`,
        "eks-app:reviewBaseStack": stagingReference,
        "eks-app:reviewUpdatedAt": updatedAt,
    };
    const lines = Object.entries(added).map(([key, value]) => `  ${key}: "${value}"`);
    fs.writeFileSync(file, `${salt}\n${shared}\n${lines.join("\n")}\n`);
    return file;
}

/** Runs pulumi without blocking the event loop, so two review stacks' ups run side by side. */
export function pulumiAsync(args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<CommandResult> {
    return new Promise((resolve, reject) => {
        const child = spawn("pulumi", [...args, "--non-interactive"], { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (chunk) => (stdout += chunk));
        child.stderr.on("data", (chunk) => (stderr += chunk));
        child.on("error", reject);
        child.on("close", (code) => resolve({ status: code ?? 1, stdout, stderr }));
    });
}

export function assertOk(what: string, result: CommandResult): string {
    if (result.status !== 0) {
        const tail = (text: string) => text.split("\n").slice(-60).join("\n");
        throw new Error(`${what} exited ${result.status}\n--- stdout ---\n${tail(result.stdout)}\n--- stderr ---\n${tail(result.stderr)}`);
    }
    return result.stdout;
}

/** The review role as staging's cluster sees it: some user in the access entry's group. */
export const asReviewRole = ["--as=eks-app-review", `--as-group=${reviewGroup}`];

/** `kubectl auth can-i` as the given identity: true, false (never throws on "no"). */
export function canI(identity: string[], verb: string, resource: string, namespace?: string): boolean {
    const args = ["auth", "can-i", verb, resource, ...identity, ...(namespace ? ["-n", namespace] : [])];
    const answer = run("kubectl", args).stdout.trim();
    if (answer !== "yes" && answer !== "no") throw new Error(`kubectl ${args.join(" ")} answered ${JSON.stringify(answer)}`);
    return answer === "yes";
}

/** A real request as the review role: the API server's answer (admission and RBAC included). */
export function asReview(args: string[], input?: string): CommandResult {
    return run("kubectl", [...args, ...asReviewRole], { input });
}

/** A namespace object as YAML-free JSON for `kubectl create -f -`. */
export function namespaceObject(name: string, labels: Record<string, string>): string {
    return JSON.stringify({ apiVersion: "v1", kind: "Namespace", metadata: { name, labels } });
}

/** Every kind the API server can list (only namespaced ones: what a namespace can hold), for a search across the cluster. */
export function listableKinds(namespacedOnly = false): string {
    // An aggregated API left unavailable makes api-resources fail after printing every other kind: those suffice.
    const args = ["api-resources", "--verbs=list", "-o", "name", ...(namespacedOnly ? ["--namespaced=true"] : [])];
    const kinds = run("kubectl", args).stdout.trim().split("\n");
    if (kinds.length < 20) throw new Error(`kubectl api-resources listed only ${kinds.join(", ")}`);
    return kinds.join(",");
}
