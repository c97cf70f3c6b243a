// npm run cost -- --stack <stack> | --config-file <file> [--json] [--critical-path] [--wide] [--<assumption> <value>]
// npm run cost -- --diff <base.json> <head.json>       (Markdown for a pull request; a missing base file is "no estimate")
import * as fs from "fs";
import { fromInvocation, parseArguments, readStackFile, resolveStackFile, runCommand, runStackFile, stackFilesFound, UserError } from "../scripts/cli";
import { assumptionFlags, assumptionsFrom } from "./assumptions";
import { criticalPath } from "./critical-path";
import { Estimate, estimate } from "./estimate";
import { formatCriticalPath, formatDiff, formatEstimate } from "./report";
import { paragraph, terminalWidth } from "./text";

const usage = [
    paragraph(
        `npm run cost -- --stack <stack> | --config-file <file> [--json] [--critical-path] [--wide] ${assumptionFlags.map((flag) => `[${flag} <n>]`).join(" ")}`,
        terminalWidth,
        "usage: ",
        " ".repeat(23),
    ),
    "       npm run cost -- --diff <base.json> <head.json>",
    paragraph(`stacks: any with a Pulumi.<stack>.yaml here (found: ${stackFilesFound().join(", ")}), or --config-file`, terminalWidth),
].join("\n");

function readEstimate(given: string): Estimate | undefined {
    const file = fromInvocation(given);
    if (!fs.existsSync(file) || fs.statSync(file).size === 0) return undefined;
    try {
        return JSON.parse(fs.readFileSync(file, "utf8")) as Estimate;
    } catch (error) {
        throw new UserError(`${given} is not an estimate (npm run cost -- --json writes one): ${(error as Error).message}`);
    }
}

async function main(argv: string[]): Promise<number> {
    if (argv.length === 0) throw new UserError(usage);
    if (argv[0] === "--diff") {
        const [baseFile, headFile] = argv.slice(1);
        const head = headFile === undefined ? undefined : readEstimate(headFile);
        if (head === undefined) throw new UserError(`--diff needs the head estimate file\n${usage}`);
        console.log(formatDiff(readEstimate(baseFile), head));
        return 0;
    }
    const { values, switches } = parseArguments(argv, { values: ["--stack", "--config-file", ...assumptionFlags], switches: ["--json", "--critical-path", "--wide"] }, usage);
    const stackFile = resolveStackFile(values["--stack"], values["--config-file"]);
    const json = switches.has("--json");
    const wide = switches.has("--wide");
    if (switches.has("--critical-path")) {
        const path = criticalPath((await runStackFile(stackFile)).resources);
        console.log(json ? JSON.stringify(path, null, 2) : formatCriticalPath(stackFile.stack, path, { wide }));
        return 0;
    }
    const assumptions = assumptionsFrom(values);
    if (readStackFile(stackFile)["eks-app:environment"] === "local") {
        throw new UserError(`stack ${stackFile.stack} is a local stack (eks-app:environment: local): it deploys to an existing cluster and creates nothing AWS bills`);
    }
    const result = estimate(stackFile.stack, (await runStackFile(stackFile)).resources, assumptions);
    console.log(json ? JSON.stringify(result, null, 2) : formatEstimate(result, { wide }));
    // An incomplete estimate still prints, but fails, so CI and scripts notice.
    return result.unpriced.length > 0 ? 1 : 0;
}

runCommand(() => main(process.argv.slice(2)));
