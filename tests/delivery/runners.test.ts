// A job that runs pulumi against a stack reaches that stack's Kubernetes API (the Kubernetes provider diffs and
// applies through it). GitHub-hosted runners have no stable address, so they reach it only when the stack's public
// endpoint is on and open to every address (IAM-only authentication); a stack whose endpoint is off or limited to
// some CIDRs needs self-hosted runners inside those networks.
import { strict as assert } from "node:assert";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { readStackConfig, StackName } from "../../harness";
import { parseSettings, Settings } from "../../stacks/settings";
import { repositoryRoot } from "./run-script";

interface Job {
    "runs-on"?: string | string[];
    strategy?: { matrix?: { include?: Record<string, string>[]; stack?: string[] } };
    steps?: { uses?: string; with?: Record<string, string>; run?: string }[];
}
interface Workflow {
    on?: { workflow_dispatch?: { inputs?: Record<string, { options?: string[] }> } };
    jobs: Record<string, Job>;
}

export interface StackJob {
    where: string;
    runsOn: string[];
    stack: string;
}

/** Every (job, stack) pair where a job sets up Pulumi for a stack, its stack expression resolved. */
export function stackJobs(file: string, workflow: Workflow): StackJob[] {
    return Object.entries(workflow.jobs).flatMap(([name, job]) => {
        // The composite action, from the workflow's checkout or from the pipeline's beside an older program (promote).
        const setup = (job.steps ?? []).find((step) => step.uses === "./.github/actions/pulumi-setup" || step.uses === "./.pipeline/.github/actions/pulumi-setup");
        if (setup === undefined) return [];
        const expression = String(setup.with?.stack);
        let stacks: string[];
        if (expression === "${{ matrix.stack }}") {
            stacks = job.strategy?.matrix?.include?.map((entry) => entry.stack as string) ?? job.strategy?.matrix?.stack ?? [];
        } else if (expression === "${{ inputs.stack }}") {
            stacks = workflow.on?.workflow_dispatch?.inputs?.stack?.options ?? [];
        } else {
            stacks = [expression];
        }
        assert.ok(stacks.length > 0 && stacks.every((stack) => /^[a-z]+$/.test(stack)), `${file} ${name}: cannot tell which stack '${expression}' is`);
        return stacks.map((stack) => ({ where: `${file} ${name}`, runsOn: ([] as string[]).concat(job["runs-on"] ?? []), stack }));
    });
}

const githubHosted = (runsOn: string[]) => !runsOn.includes("self-hosted") && runsOn.some((label) => /^(ubuntu|windows|macos)-/.test(label));

/** What keeps a job from reaching its stack's API, or nothing. */
export function reachabilityProblem(job: StackJob, settings: Pick<Settings, "clusterEndpointPublicAccess" | "clusterEndpointPublicAccessCidrs">): string | undefined {
    if (!githubHosted(job.runsOn)) return undefined;
    if (!settings.clusterEndpointPublicAccess) {
        return `${job.where} runs on GitHub-hosted ${job.runsOn.join(",")} against ${job.stack}, whose API endpoint is private: use self-hosted runners in the VPC`;
    }
    if (!settings.clusterEndpointPublicAccessCidrs.includes("0.0.0.0/0")) {
        return `${job.where} runs on GitHub-hosted ${job.runsOn.join(",")} against ${job.stack}, whose API accepts only ${settings.clusterEndpointPublicAccessCidrs.join(", ")}: GitHub-hosted runners have no stable address; use self-hosted runners there, or the documented public endpoint with IAM-only authentication`;
    }
    return undefined;
}

const settingsOf = (stack: string) => parseSettings({ project: "eks-app", stack, config: readStackConfig(stack as StackName) });

describe("runners and the clusters' API endpoints", () => {
    const workflowsDir = join(repositoryRoot, ".github", "workflows");
    const jobs = readdirSync(workflowsDir).flatMap((file) => stackJobs(file, parseYaml(readFileSync(join(workflowsDir, file), "utf8")) as Workflow));

    it("finds every job that runs pulumi against a stack, with its stacks resolved", () => {
        assert.deepEqual(jobs.map((job) => `${job.where} ${job.stack}`).sort(), [
            "deploy.yml staging dev",
            "destroy.yml destroy dev",
            "destroy.yml destroy prod",
            "promote.yml production prod",
            "pull-request.yml preview dev",
            "pull-request.yml preview prod",
        ]);
    });

    it("runs each on a runner that can reach its stack's Kubernetes API", () => {
        assert.deepEqual(jobs.map((job) => reachabilityProblem(job, settingsOf(job.stack))).filter(Boolean), []);
    });

    it("would refuse a GitHub-hosted runner for an endpoint limited to some CIDRs or private, and accept a self-hosted one", () => {
        const hosted: StackJob = { where: "deploy.yml staging", runsOn: ["ubuntu-24.04"], stack: "prod" };
        const selfHosted: StackJob = { ...hosted, runsOn: ["self-hosted", "linux", "eks-app-vpc"] };
        const limited = { clusterEndpointPublicAccess: true, clusterEndpointPublicAccessCidrs: ["203.0.113.0/24"] };
        const open = { clusterEndpointPublicAccess: true, clusterEndpointPublicAccessCidrs: ["0.0.0.0/0"] };

        assert.match(String(reachabilityProblem(hosted, limited)), /accepts only 203\.0\.113\.0\/24/);
        assert.match(String(reachabilityProblem(hosted, { clusterEndpointPublicAccess: false, clusterEndpointPublicAccessCidrs: [] })), /private/);
        assert.equal(reachabilityProblem(hosted, open), undefined);
        assert.equal(reachabilityProblem(selfHosted, limited), undefined);
    });
});
