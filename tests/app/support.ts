// What the workload's test files share: the three stacks' runs and the lookups of their Kubernetes objects.
import { strict as assert } from "assert";
import { ProgramRun, RegisteredResource, runProgram, StackName } from "../../harness";

export const certificateArn = "arn:aws:acm:eu-west-1:123456789012:certificate/01234567-89ab-cdef-0123-456789abcdef";

export function kubernetesResource(run: ProgramRun, kind: string, name: string): RegisteredResource {
    const matches = run.resources.filter((r) => r.custom && r.inputs.kind === kind && r.inputs.metadata?.name === name);
    assert.equal(matches.length, 1, `expected one ${kind} ${name}, found ${matches.length}`);
    return matches[0];
}

export const object = (run: ProgramRun, kind: string, name: string) => kubernetesResource(run, kind, name).inputs;
export const appPod = (run: ProgramRun) => object(run, "Deployment", "eks-app").spec.template.spec;
export const appContainer = (run: ProgramRun) => appPod(run).containers[0];
export const redisRelease = (run: ProgramRun) => run.one("kubernetes:helm.sh/v3:Release", "redis");
export const redisValues = (run: ProgramRun) => redisRelease(run).inputs.values;

/** The dev, prod and local stacks' runs. */
export async function workloadRuns(): Promise<Record<StackName, ProgramRun>> {
    const runs = {} as Record<StackName, ProgramRun>;
    for (const stack of ["dev", "prod", "local"] as const) runs[stack] = await runProgram(stack);
    return runs;
}
