// The repository's GitHub workflows and composite action, parsed once by GitHub's own parser for every file that checks them.
import { strict as assert } from "node:assert";
import { readdirSync, readFileSync } from "node:fs";
import { register } from "node:module";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { repositoryRoot } from "./run-script";

type WorkflowParser = typeof import("@actions/workflow-parser");
type WorkflowTemplate = Awaited<ReturnType<WorkflowParser["convertWorkflowTemplate"]>>;
type ActionTemplate = ReturnType<typeof import("@actions/workflow-parser/actions/index")["convertActionTemplate"]>;

const workflowsDir = join(repositoryRoot, ".github", "workflows");
export const workflowFiles = readdirSync(workflowsDir).filter((file) => /\.ya?ml$/.test(file));
const compositeActionFile = join(repositoryRoot, ".github", "actions", "pulumi-setup", "action.yml");


/**
 * The parser is ESM that imports its JSON schemas without import attributes (the VS Code extension bundles it);
 * this load hook adds them, so Node loads the published package as it is.
 */
function loadParser(): Promise<[WorkflowParser, typeof import("@actions/workflow-parser/actions/index")]> {
    const addJsonAttributes = `export async function load(url, context, nextLoad) {
        return nextLoad(url, url.endsWith(".json") ? { ...context, importAttributes: { ...context.importAttributes, type: "json" } } : context);
    }`;
    register(`data:text/javascript,${encodeURIComponent(addJsonAttributes)}`);
    return Promise.all([import("@actions/workflow-parser"), import("@actions/workflow-parser/actions/index")]);
}

export interface ParsedWorkflow {
    file: string;
    text: string;
    errors: string[];
    template: WorkflowTemplate;
    /** The same file as plain data, for what the template does not carry (permissions). */
    yaml: { permissions?: unknown; jobs: Record<string, { permissions?: Record<string, string>; steps?: { uses?: string }[] }> };
}

/** A template token as plain data; expressions as their `${{ }}` source. */
export function plain(token: unknown): unknown {
    const serialized = (token as { toJSON?: () => unknown } | undefined)?.toJSON?.() ?? token;
    if (typeof serialized !== "object" || serialized === null) return serialized;
    const node = serialized as { map?: { Key: unknown; Value: unknown }[]; seq?: unknown[]; expr?: string };
    if (node.map !== undefined) return Object.fromEntries(node.map.map(({ Key, Value }) => [plain(Key), plain(Value)]));
    if (node.seq !== undefined) return node.seq.map(plain);
    if (node.expr !== undefined) return `\${{ ${node.expr} }}`;
    return serialized;
}

/** The composite action, from the checkout of the workflow's commit or of the pipeline beside an older program. */
export const isPulumiSetup = (uses: string | undefined) => uses === "./.github/actions/pulumi-setup" || uses === "./.pipeline/.github/actions/pulumi-setup";

export const jobSteps = (template: WorkflowTemplate) =>
    template.jobs.flatMap((job) => (job.type === "job" ? job.steps.map((step) => ({ job, step })) : []));

export interface ParsedWorkflows {
    workflows: ParsedWorkflow[];
    action: { text: string; errors: string[]; template: ActionTemplate };
}

let parsing: Promise<ParsedWorkflows> | undefined;

/** Every workflow and the composite action, with the errors GitHub's parser reports for each. */
export function parsedWorkflows(): Promise<ParsedWorkflows> {
    parsing ??= (async () => {
        const [parser, actionParser] = await loadParser();
        const trace = new parser.NoOperationTraceWriter();
        const workflows = await Promise.all(
            workflowFiles.map(async (file) => {
                const text = readFileSync(join(workflowsDir, file), "utf8");
                const parsed = parser.parseWorkflow({ name: file, content: text }, trace);
                assert.ok(parsed.value, `${file} did not parse at all: ${parsed.context.errors.getErrors().map((error) => error.message)}`);
                const template = await parser.convertWorkflowTemplate(parsed.context, parsed.value);
                const errors = [...parsed.context.errors.getErrors().map((error) => error.message), ...(template.errors ?? []).map((error) => error.Message)];
                return { file, text, errors, template, yaml: parseYaml(text) };
            }),
        );
        const text = readFileSync(compositeActionFile, "utf8");
        const parsed = actionParser.parseAction({ name: "action.yml", content: text }, trace);
        assert.ok(parsed.value, "the composite action did not parse at all");
        const action = { text, errors: parsed.context.errors.getErrors().map((error) => error.message), template: actionParser.convertActionTemplate(parsed.context, parsed.value) };
        return { workflows, action };
    })();
    return parsing;
}
