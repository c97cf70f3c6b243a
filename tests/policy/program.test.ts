import { strict as assert } from "assert";
import { guardrails } from "../../policy/policies";
import { ProgramRun, RegisteredResource, runProgram, StackName, stackNames } from "../../harness";
import { allViolations, FakeResource, urnOf } from "./support";

/** A registered resource as the policy pack sees it, with the URN the engine would give it (parents' types first). */
function asPolicyResource(resource: RegisteredResource, all: RegisteredResource[], stack: StackName): FakeResource {
    const parentTypes: string[] = [];
    for (let parent = resource.parent; parent; ) {
        parentTypes.unshift(parent.type);
        const { type, name } = parent;
        parent = all.find((candidate) => candidate.type === type && candidate.name === name)?.parent;
    }
    return { type: resource.type, name: resource.name, props: resource.inputs, urn: urnOf(resource.type, resource.name, stack, parentTypes) };
}

describe("policy pack: the real program", () => {
    for (const stack of stackNames) {
        it(`passes every guardrail on ${stack}`, async () => {
            const run = await runProgram(stack);
            const resources = run.resources.map((resource) => asPolicyResource(resource, run.resources, stack));
            assert.deepEqual(await allViolations(guardrails, resources), []);
        });
    }

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
        { change: "the API open to all", type: "eks:index:Cluster", name: "cluster", weaken: (i) => delete i.publicAccessCidrs, policy: "eks-no-public-endpoint-in-production" },
        { change: "mutable tags", type: "aws:ecr/repository:Repository", name: "app", weaken: (i) => (i.imageTagMutability = "MUTABLE"), policy: "ecr-immutable-tags" },
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
        { change: "a Redis chart range", type: "kubernetes:helm.sh/v3:Release", name: "redis", weaken: (i) => (i.version = "^4.38.0"), policy: "helm-chart-version-pinned" },
    ];

    describe("in production, weakened one way at a time", () => {
        let run: ProgramRun;
        before(async () => {
            run = await runProgram("prod");
        });

        for (const { change, type, name, weaken, policy, reportedOn = `${type} "${name}"` } of weakenings) {
            it(`fails ${policy} for ${change}`, async () => {
                const resources = run.resources.map((resource) => {
                    const seen = asPolicyResource(resource, run.resources, "prod");
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
