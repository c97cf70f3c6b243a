export * from "./program";
export { urnOf } from "./urn";
export { copyOfRun, runPulumiProgram } from "./run";
export type { Mocks, ProgramSpec, Run } from "./run";
