// ensure-repository.sh with the stand-in aws and pulumi, and the targeted `up` it runs held to the real program
// under mocks: what it creates, whether the engine accepts those targets, whether the policy pack passes the update as
// the engine analyzes it, and whether the stack's deploy role may do all of it.
import { strict as assert } from "node:assert";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { PolicyDocument } from "../../components/iam-documents";
import { stackOf } from "../../bootstrap/policies";
import { DependencyGraph } from "../../harness/graph";
import { ProgramRun, RegisteredResource, Run, runProgram, urnOf } from "../../harness";
import { EvaluatedResource, evaluatePolicies } from "../../policy/lib/evaluate";
import { guardrails } from "../../policy/policies";
import { accountId, boundaryArnOf, bucket, deployRoleOf, parsed, region, runBootstrap } from "./bootstrap-support";
import { evaluate, Request } from "./iam-evaluator";
import { callsByType, CallContext, programDataSourceCalls } from "./program-aws-calls";
import { recordedCalls, runScript, ScriptResult, sandboxWithFakes } from "./run-script";

/**
 * Whether a `--target` value names a URN, as the engine decides (UrnTargets in pkg/resource/deploy/deployment.go,
 * Pulumi v3.248.0): a value without `*` is a literal URN; in a glob, `**` matches anything and `*` anything but `:`.
 */
function targetMatches(target: string, urn: string): boolean {
    if (!target.includes("*")) return target === urn;
    const quote = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    const pattern = target
        .split("**")
        .map((segment) => segment.split("*").map(quote).join("[^:]*"))
        .join(".*");
    return new RegExp(`^${pattern}$`).test(urn);
}

const keyOf = (resource: { type: string; name: string }) => `${resource.type}::${resource.name}`;
const isProvider = (type: string) => type.startsWith("pulumi:providers:");

describe("ensure-repository.sh (stand-in aws and pulumi)", () => {
    let sandbox: { dir: string; path: string } | undefined;

    afterEach(() => {
        if (sandbox !== undefined) rmSync(sandbox.dir, { recursive: true, force: true });
        sandbox = undefined;
    });

    async function ensure(stack: string, existing: string[], awsError = ""): Promise<{ result: ScriptResult; aws: string[][]; pulumi: string[][] }> {
        sandbox = sandboxWithFakes({ aws: "aws.js", pulumi: "pulumi.js" });
        const logs = { aws: join(sandbox.dir, "aws.log"), pulumi: join(sandbox.dir, "pulumi.log") };
        for (const file of Object.values(logs)) writeFileSync(file, "");
        const result = await runScript("ensure-repository.sh", ["--stack", stack, "--region", region], {
            PATH: sandbox.path,
            FAKE_LOG: logs.aws,
            FAKE_PULUMI_LOG: logs.pulumi,
            FAKE_PULUMI_STATE_DIR: sandbox.dir,
            FAKE_ECR_REPOSITORIES: JSON.stringify(existing),
            FAKE_AWS_ERROR: awsError,
        });
        return { result, aws: recordedCalls(logs.aws), pulumi: recordedCalls(logs.pulumi) };
    }

    /** The `--target` values of the script's `up`, when the stack's repository is missing. */
    async function targetsOf(stack: string): Promise<string[]> {
        const { result, pulumi } = await ensure(stack, []);
        assert.equal(result.code, 0, result.stderr);
        const up = pulumi.find((call) => call[0] === "up") ?? [];
        return up.flatMap((arg, index) => (up[index - 1] === "--target" ? [arg] : []));
    }

    it("leaves an existing repository alone: one lookup in the stack's region, no pulumi", async () => {
        const { result, aws, pulumi } = await ensure("dev", ["eks-app-dev"]);

        assert.equal(result.code, 0, result.stderr);
        assert.deepEqual(aws, [
            ["aws", "ecr", "describe-repositories", "--region", region, "--repository-names", "eks-app-dev", "--query", "repositories[0].repositoryUri", "--output", "text"],
        ]);
        assert.deepEqual(pulumi, []);
        assert.match(result.stdout, /eks-app-dev exists; nothing to create/);
    });

    it("creates a missing repository with a targeted up of its stack, with the policy pack, after dropping a stale image tag", async () => {
        const { result, pulumi } = await ensure("prod", ["eks-app-dev"]);

        assert.equal(result.code, 0, result.stderr);
        assert.deepEqual(pulumi, [
            ["config", "rm", "imageTag", "--stack", "prod"],
            [
                "up", "--yes", "--stack", "prod", "--target", "urn:pulumi:prod::eks-app::eks-app:platform:Registry**", "--policy-pack", "policy",
                "--message", "Create eks-app-prod before its first image (ensure-repository.sh)",
            ],
        ]);
    });

    it("creates nothing when ECR cannot say whether the repository exists", async () => {
        const { result, pulumi } = await ensure("dev", [], "AccessDeniedException");

        assert.equal(result.code, 1);
        assert.match(result.stderr, /AccessDeniedException[\s\S]*cannot tell whether eks-app-dev exists; not creating it/);
        assert.deepEqual(pulumi, []);
    });

    it("refuses a call without a stack or a region", async () => {
        sandbox = sandboxWithFakes({});
        assert.equal((await runScript("ensure-repository.sh", ["--stack", "dev"])).code, 2);
        assert.equal((await runScript("ensure-repository.sh", ["--region", region])).code, 2);
    });

    describe("its targeted up, held to the real program and to bootstrap's roles", function () {
        this.timeout(120000);
        let bootstrap: Run;

        before(async () => {
            bootstrap = await runBootstrap({ "eks-app-bootstrap:githubRepository": "acme/eks-app" });
        });

        for (const environment of ["staging", "production"] as const) {
            const stack = stackOf[environment] as "dev" | "prod";

            describe(`on ${stack}, as the first run finds it (no image tag, the boundary set)`, () => {
                let program: ProgramRun;
                let targets: string[];
                const urn = (resource: RegisteredResource) => urnOf(resource, program.resources, stack);
                const targeted = (resource: RegisteredResource) => targets.some((target) => targetMatches(target, urn(resource)));

                before(async () => {
                    targets = await targetsOf(stack);
                    program = await runProgram(stack, { config: { "eks-app:iamPermissionsBoundaryArn": boundaryArnOf(environment) } });
                });

                it("targets the registry component and everything in it, and nothing else", () => {
                    const registry = keyOf(program.one("eks-app:platform:Registry"));
                    const byKey = new Map(program.resources.map((resource) => [keyOf(resource), resource]));
                    const insideRegistry = (resource: RegisteredResource | undefined): boolean =>
                        resource !== undefined && (keyOf(resource) === registry || (resource.parent !== undefined && insideRegistry(byKey.get(keyOf(resource.parent)))));

                    assert.ok(targets.length > 0);
                    assert.deepEqual(program.resources.filter(targeted).map(keyOf).sort(), program.resources.filter(insideRegistry).map(keyOf).sort());
                });

                it(`creates the repository the script looks up: eks-app-${stack}`, () => {
                    const repositories = program.ofType("aws:ecr/repository:Repository").filter(targeted);
                    assert.deepEqual(repositories.map((repository) => repository.inputs.name), [`eks-app-${stack}`]);
                });

                it("gives the engine no untargeted create: every parent, dependency and dependsOn of a target is targeted or a provider", () => {
                    const graph = new DependencyGraph(program);
                    const byKey = new Map(program.resources.map((resource) => [keyOf(resource), resource]));
                    const missing = program.resources.filter(targeted).flatMap((resource) =>
                        graph
                            .directDependencies(resource)
                            .filter((key) => !isProvider(key) && !targeted(byKey.get(key) as RegisteredResource))
                            .map((key) => `${keyOf(resource)} needs ${key}`),
                    );
                    assert.deepEqual(missing, []);
                });

                it("passes the policy pack as the engine analyzes that update: untargeted resources not yet created come with no properties", async () => {
                    const provider = (resource: RegisteredResource) => {
                        const used = resource.provider ?? { type: "pulumi:providers:default", name: "default" };
                        return { type: used.type, name: used.name, urn: `urn:pulumi:${stack}::eks-app::${used.type}::${used.name}`, props: {} };
                    };
                    const analyzed = program.resources.map((resource): EvaluatedResource => {
                        const skippedCreate = resource.custom && !isProvider(resource.type) && !targeted(resource);
                        return {
                            type: resource.type,
                            name: resource.name,
                            urn: urn(resource),
                            props: skippedCreate ? {} : resource.inputs,
                            ...(resource.custom ? { provider: provider(resource) } : {}),
                        };
                    });
                    assert.ok(analyzed.filter((resource) => Object.keys(resource.props).length === 0).length > 50);
                    assert.deepEqual(await evaluatePolicies(guardrails, analyzed), []);
                });

                it(`is all allowed to the ${environment} deploy role, and creating the repository is not allowed to the image-push role`, () => {
                    const roleArn = (key: string) => String(bootstrap.outputs[`${key}RoleArn`]);
                    const policiesOf = (key: string): PolicyDocument[] =>
                        bootstrap.resources.filter((r) => r.type === "aws:iam/policy:Policy" && r.name.startsWith(`${key}-`)).map((r) => parsed(r.inputs.policy));
                    const context: CallContext = { environment, stack, name: `eks-app-${stack}`, accountId, region, programBoundaryArn: boundaryArnOf(environment), deployRoleArn: roleArn(deployRoleOf[environment]) };
                    const repositoryArn = `arn:aws:ecr:${region}:${accountId}:repository/eks-app-${stack}`;
                    const stateObject = (path: string) => `arn:aws:s3:::${bucket}/.pulumi/${path}`;
                    const createdTypes = [...new Set(program.resources.filter((resource) => resource.custom && !isProvider(resource.type) && targeted(resource)).map((resource) => resource.type))];
                    const calls: Request[] = [
                        { action: "ecr:DescribeRepositories", resource: repositoryArn },
                        ...programDataSourceCalls(context),
                        // The program asks whether the control plane's log group exists already (index.ts).
                        { action: "logs:DescribeLogGroups", resource: `arn:aws:logs:${region}:${accountId}:log-group:*` },
                        ...createdTypes.flatMap((type) => callsByType[type]?.(context) ?? [{ action: `unknown:${type}`, resource: "*" }]),
                        ...["s3:GetObject", "s3:PutObject"].flatMap((action) =>
                            [`stacks/eks-app/${stack}.json`, `locks/organization/eks-app/${stack}/lock.json`, `history/eks-app/${stack}/1.history.json`].map((path) => ({ action, resource: stateObject(path) })),
                        ),
                        ...["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey"].map((action) => ({ action, resource: `arn:aws:kms:${region}:${accountId}:key/pulumi-secrets-${environment}` })),
                    ];

                    assert.deepEqual(createdTypes.sort(), ["aws:ecr/lifecyclePolicy:LifecyclePolicy", "aws:ecr/repository:Repository"]);
                    const refused = calls.filter((call) => evaluate(policiesOf(deployRoleOf[environment]), call) !== "allowed");
                    assert.deepEqual(refused.map((call) => `${call.action} ${call.resource}`), []);
                    assert.equal(evaluate(policiesOf("imagePush"), { action: "ecr:CreateRepository", resource: repositoryArn }), "not allowed");
                });
            });
        }
    });
});
