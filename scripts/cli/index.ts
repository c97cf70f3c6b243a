// The plumbing the project's commands share (npm run cost, npm run check:manifests): flags, which stack, and what a
// user error looks like.
export { parseArguments } from "./arguments";
export type { Arguments } from "./arguments";
export { readStackFile, representativeStack, resolveStackFile, runStackFile, stackFilesFound } from "./stack-file";
export type { StackFile } from "./stack-file";
export { fromInvocation, runCommand, shown, stackFileError, UserError } from "./user-error";
