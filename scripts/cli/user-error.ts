// What the commands print when the user gave them something wrong (a flag, a stack name, a stack file): the message,
// with the file and line where there is one, and no stack trace. Anything else is a bug and keeps its trace.
import * as fs from "fs";
import * as path from "path";
import { isMap, isScalar, LineCounter, parseDocument } from "yaml";

/** A mistake in what the user gave a command; its message is all they need to fix it. */
export class UserError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "UserError";
    }
}

/** Where the user ran the command: `npm run` starts scripts at the project root and says where it was run in INIT_CWD. */
export const invocationDirectory = () => process.env.INIT_CWD ?? process.cwd();

/** A path the user gave, resolved from where they ran the command. */
export const fromInvocation = (file: string) => path.resolve(invocationDirectory(), file);

/** A path as the user would type it: relative to where they are when it is below, absolute otherwise. */
export function shown(file: string): string {
    const relative = path.relative(invocationDirectory(), file);
    return relative === "" || relative.startsWith("..") || path.isAbsolute(relative) ? path.resolve(file) : relative;
}

/** The line of each config key in a stack file, by its qualified name ("eks-app:appMinReplicas"). */
function keyLines(file: string, project: string): Map<string, number> {
    const lineCounter = new LineCounter();
    const config = parseDocument(fs.readFileSync(file, "utf8"), { lineCounter }).get("config", true);
    const lines = new Map<string, number>();
    if (!isMap(config)) return lines;
    for (const { key } of config.items) {
        if (!isScalar(key) || key.range === undefined || key.range === null) continue;
        const name = String(key.value);
        // Pulumi puts a key written without a namespace in the project's.
        lines.set(name.includes(":") ? name : `${project}:${name}`, lineCounter.linePos(key.range[0]).line);
    }
    return lines;
}

// Matched by name: the program's modules (stacks/ included) are loaded afresh for every run, so their classes differ.
const isConfigError = (error: unknown): error is Error & { problems: string[] } =>
    error instanceof Error && error.name === "ConfigError" && Array.isArray((error as { problems?: unknown }).problems);
const isYamlError = (error: unknown): error is Error & { linePos?: { line: number; col: number }[] } =>
    error instanceof Error && error.name === "YAMLParseError";

/**
 * The user error an error of a stack file's run amounts to: a YAML syntax error at its line and column, or each
 * invalid config value at the line of its key. Undefined for anything else.
 */
export function stackFileError(error: unknown, file: string, project = "eks-app"): UserError | undefined {
    const cause = error instanceof Error && "cause" in error ? (error as { cause: unknown }).cause : undefined;
    if (isYamlError(error)) {
        const [position] = error.linePos ?? [];
        const [summary, ...snippet] = error.message.split("\n");
        const where = position ? `${shown(file)}:${position.line}:${position.col}` : shown(file);
        return new UserError([`${where}: ${summary.replace(/ at line \d+, column \d+:?$/, "")}`, ...snippet].join("\n").trimEnd());
    }
    const configError = isConfigError(error) ? error : isConfigError(cause) ? cause : undefined;
    if (configError === undefined) return undefined;
    const lines = keyLines(file, project);
    const located = configError.problems.map((problem) => {
        const key = [...problem.matchAll(/\b[a-z][\w-]*:[A-Za-z]\w*\b/g)].map((match) => match[0]).find((name) => lines.has(name));
        return `${shown(file)}${key === undefined ? "" : `:${lines.get(key)}`}: ${problem}`;
    });
    return new UserError([`${shown(file)}: invalid stack configuration (${located.length} problem${located.length === 1 ? "" : "s"}):`, ...located].join("\n"));
}

/**
 * Runs a command's main and exits with its code. A UserError prints its message and exits 2; anything else is a
 * bug: its stack trace (the program's own, for an error inside the program), exit 3.
 */
export function runCommand(main: () => Promise<number>): void {
    // The Pulumi runtime rejects a second promise with the program's config error, which main reports already.
    process.on("unhandledRejection", (reason) => {
        if (!isConfigError(reason)) throw reason;
    });
    main().then(
        (code) => process.exit(code),
        (error: unknown) => {
            if (error instanceof UserError) {
                console.error(error.message);
                process.exit(2);
            }
            const cause = error instanceof Error && "cause" in error && error.cause instanceof Error ? error.cause : error;
            console.error(cause instanceof Error ? cause.stack : cause);
            process.exit(3);
        },
    );
}
