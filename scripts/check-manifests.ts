// Renders a stack's Kubernetes objects (through the mock harness: no cluster or cloud needed) to YAML files, then
// validates them against the pinned Kubernetes schema, the policy pack's rules and the checks between objects.
//   npm run check:manifests -- --stack <stack> | --config-file <file> | --all   [--out manifests-out]
import * as fs from "fs";
import * as path from "path";
import { stringify } from "yaml";
import { repositoryRoot } from "../harness";
import { fromInvocation, parseArguments, representativeStack, resolveStackFile, runCommand, runStackFile, shown, StackFile, stackFilesFound, UserError } from "./cli";
import { manifestProblems } from "./manifests/problems";
import { kubernetesObjects } from "./manifests/render";
import { isCustomResource, schemaKubernetesVersion } from "./manifests/schema";

const usage = `usage: npm run check:manifests -- --stack <stack> | --config-file <file> | --all  [--out <folder>]
stacks: any with a Pulumi.<stack>.yaml here (found: ${stackFilesFound().join(", ")}); --all checks each of them`;

/** Writes the stack's objects under the folder and reports their problems; true when there are none. */
async function check(stackFile: StackFile, outRoot: string): Promise<boolean> {
    const { stack } = stackFile;
    const outDir = path.join(outRoot, stack);
    fs.rmSync(outDir, { recursive: true, force: true });
    fs.mkdirSync(outDir, { recursive: true });

    const run = await runStackFile(stackFile);
    const rendered = kubernetesObjects(run);
    for (const [index, { object }] of rendered.entries()) {
        const file = `${String(index).padStart(2, "0")}-${object.kind.toLowerCase()}-${object.metadata?.namespace ?? "cluster"}-${object.metadata?.name}.yaml`;
        fs.writeFileSync(path.join(outDir, file), stringify(object));
    }

    const problems = await manifestProblems(stack, rendered, run.resources);
    for (const { check, object, message } of problems) console.error(`${check}: ${object}: ${message}`);
    const customResources = rendered.filter((r) => isCustomResource(r.object.apiVersion)).length;
    console.log(
        `${stack}: ${rendered.length} objects written to ${shown(outDir)}; ` +
            `schema (Kubernetes ${schemaKubernetesVersion}, unknown fields rejected; ${customResources} custom resources left to their CRD tests), ` +
            `policy pack and cross-object checks: ${rendered.length - new Set(problems.map((p) => p.object)).size} passed, ${problems.length} failed`,
    );
    return problems.length === 0;
}

async function main(argv: string[]): Promise<number> {
    if (argv.length === 0) throw new UserError(usage);
    const { values, switches } = parseArguments(argv, { values: ["--stack", "--config-file", "--out"], switches: ["--all"] }, usage);
    const outRoot = values["--out"] === undefined ? path.join(repositoryRoot, "manifests-out") : fromInvocation(values["--out"]);
    if (switches.has("--all") && (values["--stack"] !== undefined || values["--config-file"] !== undefined)) {
        throw new UserError(`--all checks every stack file: give it without --stack or --config-file\n${usage}`);
    }
    const stackFiles = switches.has("--all")
        ? stackFilesFound().map((name) => representativeStack(resolveStackFile(name.replace(/^Pulumi\.(.+)\.yaml$/, "$1"), undefined)))
        : [resolveStackFile(values["--stack"], values["--config-file"])];
    let passed = true;
    // One at a time: the harness runs one program per process at once.
    for (const stackFile of stackFiles) passed = (await check(stackFile, outRoot)) && passed;
    return passed ? 0 : 1;
}

runCommand(() => main(process.argv.slice(2)));
