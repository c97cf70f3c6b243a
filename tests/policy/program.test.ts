import { strict as assert } from "assert";
import { policyExceptions } from "../../policy/exceptions";
import { withExceptions } from "../../policy/lib/exceptions";
import { guardrails, unexceptedGuardrails } from "../../policy/policies";
import { ProgramRun, runProgram, stackNames } from "../../harness";
import { policyResource } from "../../scripts/manifests/problems";
import { allViolations } from "./support";

describe("policy pack: the real program", () => {
    for (const stack of stackNames) {
        it(`passes every guardrail on ${stack}`, async () => {
            const run = await runProgram(stack);
            const resources = run.resources.map((resource) => policyResource(resource, run.resources, stack));
            assert.deepEqual(await allViolations(guardrails, resources), []);
        });
    }

    it("lets production's API be public only through its listed exception", async () => {
        const run = await runProgram("prod");
        const resources = run.resources.map((resource) => policyResource(resource, run.resources, "prod"));
        const withoutEndpointException = withExceptions(
            unexceptedGuardrails,
            policyExceptions.filter((exception) => exception.policy !== "eks-no-public-endpoint-in-production"),
        );
        const found = await allViolations(withoutEndpointException, resources);
        assert.equal(found.length, 1, found.join("\n"));
        assert.match(found[0], /^eks-no-public-endpoint-in-production: eks:index:Cluster "cluster": the Kubernetes API endpoint of production stack "prod" is open to the whole internet/);
    });

    /** One change each that weakens the real program, and the policy that must catch it. */
    const weakenings: {
        change: string;
        type: string;
        name: string;
        weaken(inputs: Record<string, any>): void;
        policy: string;
        /** Where the violation shows, when not on the changed resource. */
        reportedOn?: string;
    }[] = [
        { change: "secrets left unencrypted", type: "eks:index:Cluster", name: "cluster", weaken: (i) => delete i.encryptionConfigKeyArn, policy: "eks-secrets-encryption" },
        { change: "audit logs off", type: "eks:index:Cluster", name: "cluster", weaken: (i) => (i.enabledClusterLogTypes = ["api"]), policy: "eks-control-plane-logging" },
        {
            change: "a wildcard in the EBS CSI role's policy",
            type: "aws:iam/rolePolicy:RolePolicy",
            name: "cluster-ebs-csi",
            weaken: (i) => {
                const document = JSON.parse(i.policy);
                document.Statement.find((statement: { Sid: string }) => statement.Sid === "AttachToNodes").Action = "ec2:*";
                i.policy = JSON.stringify(document);
            },
            policy: "iam-no-wildcard-actions",
        },
        {
            change: "the node role also trusting another account",
            type: "aws:iam/role:Role",
            name: "cluster-node",
            weaken: (i) => {
                const trust = JSON.parse(i.assumeRolePolicy);
                trust.Statement.push({ Effect: "Allow", Principal: { AWS: "arn:aws:iam::999999999999:root" }, Action: "sts:AssumeRole" });
                i.assumeRolePolicy = JSON.stringify(trust);
            },
            policy: "iam-role-trusts-only-cluster-services",
        },
        { change: "IMDSv1 on nodes", type: "aws:ec2/launchTemplate:LaunchTemplate", name: "cluster-nodes", weaken: (i) => (i.metadataOptions.httpTokens = "optional"), policy: "launch-template-imdsv2" },
        { change: "an unencrypted gp3 class", type: "kubernetes:storage.k8s.io/v1:StorageClass", name: "cluster-gp3", weaken: (i) => (i.parameters.encrypted = "false"), policy: "storage-class-encrypted" },
        { change: "the app image by tag latest", type: "kubernetes:apps/v1:Deployment", name: "app", weaken: (i) => (i.spec.template.spec.containers[0].image = "eks-app:latest"), policy: "k8s-image-pinned" },
        {
            change: "the app's PodDisruptionBudget selecting other pods",
            type: "kubernetes:policy/v1:PodDisruptionBudget",
            name: "app",
            weaken: (i) => (i.spec.selector = { matchLabels: { "app.kubernetes.io/name": "other" } }),
            policy: "k8s-pdb-for-replicated-deployments",
            reportedOn: 'kubernetes:apps/v1:Deployment "app"',
        },
        {
            change: "Redis fetched from its repository with a version range instead of the vendored file",
            type: "kubernetes:helm.sh/v3:Release",
            name: "redis",
            weaken: (i) => Object.assign(i, { chart: "redis-ha", repositoryOpts: { repo: "https://dandydeveloper.github.io/charts" }, version: "^4.38.0" }),
            policy: "helm-chart-version-pinned",
        },
    ];

    describe("in production, weakened one way at a time", () => {
        let run: ProgramRun;
        before(async () => {
            run = await runProgram("prod");
        });

        for (const { change, type, name, weaken, policy, reportedOn = `${type} "${name}"` } of weakenings) {
            it(`fails ${policy} for ${change}`, async () => {
                const resources = run.resources.map((resource) => {
                    const seen = policyResource(resource, run.resources, "prod");
                    if (resource.type !== type || resource.name !== name) return seen;
                    const inputs = JSON.parse(JSON.stringify(resource.inputs));
                    weaken(inputs);
                    return { ...seen, props: inputs };
                });
                const found = await allViolations(guardrails, resources);
                assert.equal(found.length, 1, found.join("\n"));
                assert.ok(found[0].startsWith(`${policy}: ${reportedOn}: `), found[0]);
            });
        }
    });
});
