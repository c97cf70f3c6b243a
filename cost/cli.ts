// npm run cost -- --stack <dev|prod> [--json] [--critical-path] [--<assumption> <value>]
// npm run cost -- --diff <base.json> <head.json>       (Markdown for a pull request; a missing base file is "no estimate")
import * as fs from "fs";
import { runProgram } from "../harness";
import { assumptionFlags, assumptionsFrom } from "./assumptions";
import { criticalPath } from "./critical-path";
import { Estimate, estimate } from "./estimate";
import { formatCriticalPath, formatDiff, formatEstimate } from "./report";

const awsStacks = ["dev", "prod"] as const;
const usage = `usage: npm run cost -- --stack <${awsStacks.join("|")}> [--json] [--critical-path] [${assumptionFlags.map((flag) => `${flag} <n>`).join("] [")}]
       npm run cost -- --diff <base.json> <head.json>`;

function parse(argv: string[]): { flags: Record<string, string>; switches: Set<string>; diff?: [string, string] } {
    const flags: Record<string, string> = {};
    const switches = new Set<string>();
    for (let index = 0; index < argv.length; index++) {
        const argument = argv[index];
        if (argument === "--diff") return { flags, switches, diff: [argv[index + 1], argv[index + 2]] };
        if (argument === "--json" || argument === "--critical-path") switches.add(argument);
        else if (argument === "--stack" || assumptionFlags.includes(argument)) flags[argument] = argv[++index];
        else throw new Error(`unknown argument ${argument}\n${usage}`);
    }
    return { flags, switches };
}

function readEstimate(file: string): Estimate | undefined {
    if (!fs.existsSync(file) || fs.statSync(file).size === 0) return undefined;
    return JSON.parse(fs.readFileSync(file, "utf8")) as Estimate;
}

async function main(argv: string[]): Promise<number> {
    const { flags, switches, diff } = parse(argv);
    if (diff) {
        const [baseFile, headFile] = diff;
        const head = headFile === undefined ? undefined : readEstimate(headFile);
        if (head === undefined) throw new Error(`--diff needs the head estimate file\n${usage}`);
        console.log(formatDiff(readEstimate(baseFile), head));
        return 0;
    }
    const stack = flags["--stack"];
    if (!awsStacks.includes(stack as (typeof awsStacks)[number])) {
        throw new Error(`--stack must be one of ${awsStacks.join(", ")} (local creates nothing billed)\n${usage}`);
    }
    const run = await runProgram(stack as (typeof awsStacks)[number]);
    if (switches.has("--critical-path")) {
        const path = criticalPath(run.resources);
        console.log(switches.has("--json") ? JSON.stringify(path, null, 2) : formatCriticalPath(stack, path));
        return 0;
    }
    const result = estimate(stack, run.resources, assumptionsFrom(flags));
    console.log(switches.has("--json") ? JSON.stringify(result, null, 2) : formatEstimate(result));
    // An incomplete estimate still prints, but fails, so CI and scripts notice.
    return result.unpriced.length > 0 ? 1 : 0;
}

main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
        console.error(error instanceof Error ? error.message : error);
        process.exit(2);
    },
);
