export * from "./program";
export { runPulumiProgram } from "./run";
export type { Mocks, ProgramSpec, Run } from "./run";
