// Moving code between files or folders must not rename resources: a changed URN is a delete and a create on the next
// `up` (a new cluster, an emptied Redis). tests/fixtures/urns/ holds every URN each stack's program registered before
// components/ was split into folders; each must still be registered, or be an alias of a resource that is.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { repositoryRoot, RunOptions, runProgram, urnOf } from "../harness";
import type { RegisteredResource } from "../harness";

const reviewStack = "pr-123";
const runs: { fixture: string; stack: string; options: RunOptions }[] = [
    { fixture: "dev", stack: "dev", options: {} },
    { fixture: "prod", stack: "prod", options: {} },
    { fixture: "local", stack: "local", options: {} },
    {
        fixture: "review",
        stack: reviewStack,
        options: { configFile: path.join(repositoryRoot, "Pulumi.review.yaml"), config: { "eks-app:imageTag": `${reviewStack}-0123abc`, "eks-app:reviewUpdatedAt": "2026-12-04T20:15:00Z" } },
    },
];

/** The URNs a resource answers to: its own, and each alias given as a URN or as a changed name, type or parent. */
function urnsOf(resource: RegisteredResource, all: readonly RegisteredResource[], stack: string): string[] {
    const own = urnOf(resource, all, stack);
    const aliases = resource.options.aliases.flatMap((alias) => {
        if (typeof alias === "string") return [alias];
        const { name, type } = (alias ?? {}) as { name?: string; type?: string };
        return [urnOf({ ...resource, name: name ?? resource.name, type: type ?? resource.type }, all, stack)];
    });
    return [own, ...aliases];
}

describe("resource URNs across the layout of components/", () => {
    for (const { fixture, stack, options } of runs) {
        it(`every URN ${fixture}'s program registered before still resolves to a resource`, async () => {
            const previous = fs.readFileSync(path.join(__dirname, "fixtures", "urns", `${fixture}.txt`), "utf8").trim().split("\n");
            const run = await runProgram(stack, options);
            const current = new Set(run.resources.flatMap((resource) => urnsOf(resource, run.resources, stack)));
            assert.deepStrictEqual(
                previous.filter((urn) => !current.has(urn)),
                [],
                "these URNs no longer resolve: give the moved resources aliases (pulumi.Alias) or restore their names and parents",
            );
        });
    }
});
