// Which stack a command works on: any stack of the project whose Pulumi.<stack>.yaml exists, or any file given with
// --config-file (as `pulumi` takes it), and the program run with that file's config under the mock harness.
import * as fs from "fs";
import * as path from "path";
import { ProgramRun, readStackConfig, repositoryRoot, RunOptions, runProgram } from "../../harness";
import { fromInvocation, shown, stackFileError, UserError } from "./user-error";

export interface StackFile {
    stack: string;
    /** Absolute path of the file the config is read from. */
    file: string;
}

// Pulumi's own rule for a stack name (pkg/tokens: letters, digits, "-", "_", "."); it also keeps the name a file name.
const stackNamePattern = /^[A-Za-z0-9_.-]+$/;
const stackFileName = /^Pulumi\.(.+)\.yaml$/;

/** The project's stack files, by name. */
export function stackFilesFound(directory = repositoryRoot): string[] {
    return fs
        .readdirSync(directory)
        .filter((name) => stackFileName.test(name))
        .sort();
}

/** The stack and its file from `--stack` and `--config-file`; a UserError in one line when there is none. */
export function resolveStackFile(stack: string | undefined, configFile: string | undefined, directory = repositoryRoot): StackFile {
    if (stack !== undefined && !stackNamePattern.test(stack)) {
        throw new UserError(`--stack ${JSON.stringify(stack)} is not a stack name: letters, digits, "-", "_" and "." only`);
    }
    if (configFile !== undefined) {
        const file = fromInvocation(configFile);
        if (!fs.existsSync(file) || !fs.statSync(file).isFile()) throw new UserError(`--config-file ${configFile}: no such file`);
        const named = stack ?? stackFileName.exec(path.basename(file))?.[1];
        if (named === undefined) throw new UserError(`--config-file ${configFile}: name the stack with --stack (the file is not named Pulumi.<stack>.yaml)`);
        return { stack: named, file };
    }
    const found = stackFilesFound(directory);
    if (stack === undefined) throw new UserError(`--stack is missing: stack files found: ${found.join(", ") || "none"}`);
    const file = path.join(directory, `Pulumi.${stack}.yaml`);
    if (!found.includes(path.basename(file))) {
        throw new UserError(`no stack ${stack}: there is no ${shown(file)}; stack files found: ${found.join(", ") || "none"} (or give --config-file <file>)`);
    }
    return { stack, file };
}

/** The stack file's config as Pulumi holds it; a YAML syntax error is the user's, at its line. */
export function readStackFile({ stack, file }: StackFile): Record<string, string> {
    try {
        return readStackConfig(stack, file);
    } catch (error) {
        throw stackFileError(error, file) ?? error;
    }
}

/**
 * A review stack's image tag (pr-<n>-<commit>) and deploy time (reviewUpdatedAt) are set by the review workflow on
 * each run, never in the shared Pulumi.review.yaml; the tools stand in for them, as the harness does for secrets, so
 * they run on that file as it is.
 */
export function reviewImageStandIn(stack: string, config: Record<string, string>): Record<string, string> {
    if (config["eks-app:environment"] !== "review") return {};
    return {
        ...("eks-app:imageTag" in config || "eks-app:image" in config ? {} : { "eks-app:imageTag": `${stack}-stand-in` }),
        ...("eks-app:reviewUpdatedAt" in config ? {} : { "eks-app:reviewUpdatedAt": "2026-01-01T00:00:00Z" }),
    };
}

/** Which stack `--all` checks a stack file as: a review file (Pulumi.review.yaml) as review stack pr-1. */
export function representativeStack(stackFile: StackFile): StackFile {
    return readStackFile(stackFile)["eks-app:environment"] === "review" ? { ...stackFile, stack: "pr-1" } : stackFile;
}

/** The program run with the stack file's config; an invalid value is the user's, at the line of its key. */
export async function runStackFile({ stack, file }: StackFile, options: Omit<RunOptions, "configFile"> = {}): Promise<ProgramRun> {
    try {
        const standIn = reviewImageStandIn(stack, readStackFile({ stack, file }));
        return await runProgram(stack, { ...options, config: { ...standIn, ...options.config }, configFile: file });
    } catch (error) {
        throw stackFileError(error, file) ?? error;
    }
}
