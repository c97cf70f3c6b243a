// Renders a stack's Kubernetes objects (through the mock harness: no cluster or cloud needed) to YAML files, then
// validates them against the pinned Kubernetes schema, the policy pack's rules and the checks between objects.
//   npm run check:manifests -- --stack dev [--out manifests-out]
import * as fs from "fs";
import * as path from "path";
import { stringify } from "yaml";
import { runProgram, StackName, stackNames } from "../harness";
import { manifestProblems } from "./manifests/problems";
import { kubernetesObjects } from "./manifests/render";
import { isCustomResource, schemaKubernetesVersion } from "./manifests/schema";

function argument(flag: string): string | undefined {
    const index = process.argv.indexOf(flag);
    return index >= 0 ? process.argv[index + 1] : undefined;
}

async function main(): Promise<number> {
    const stack = argument("--stack");
    if (!stack || !(stackNames as readonly string[]).includes(stack)) {
        console.error(`usage: npm run check:manifests -- --stack <${stackNames.join("|")}> [--out <folder>]`);
        return 2;
    }
    const outRoot = path.resolve(argument("--out") ?? "manifests-out");
    const outDir = path.join(outRoot, stack);
    fs.rmSync(outDir, { recursive: true, force: true });
    fs.mkdirSync(outDir, { recursive: true });

    const run = await runProgram(stack as StackName);
    const rendered = kubernetesObjects(run);
    for (const [index, { object }] of rendered.entries()) {
        const file = `${String(index).padStart(2, "0")}-${object.kind.toLowerCase()}-${object.metadata?.namespace ?? "cluster"}-${object.metadata?.name}.yaml`;
        fs.writeFileSync(path.join(outDir, file), stringify(object));
    }

    const problems = await manifestProblems(stack as StackName, rendered, run.resources);
    for (const { check, object, message } of problems) console.error(`${check}: ${object}: ${message}`);
    const customResources = rendered.filter((r) => isCustomResource(r.object.apiVersion)).length;
    console.log(
        `${stack}: ${rendered.length} objects written to ${path.relative(process.cwd(), outDir) || "."}; ` +
            `schema (Kubernetes ${schemaKubernetesVersion}, unknown fields rejected; ${customResources} custom resources left to their CRD tests), ` +
            `policy pack and cross-object checks: ${rendered.length - new Set(problems.map((p) => p.object)).size} passed, ${problems.length} failed`,
    );
    return problems.length === 0 ? 0 : 1;
}

main().then(
    (code) => process.exit(code),
    (error) => {
        console.error(error instanceof Error ? error.stack : error);
        process.exit(1);
    },
);
