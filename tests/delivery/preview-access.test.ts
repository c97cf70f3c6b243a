// A pull-request preview runs the program as the stack's preview role. It must succeed, read-only, and show the
// access entries exactly as the deploy role's `up` makes them: otherwise every preview shows cluster admin moving
// to the preview role, or throws.
import { strict as assert } from "node:assert";
import { deliveryRoles } from "../../bootstrap/roles";
import { ProgramError, ProgramRun, readStackConfig, runProgram, testRoleArn } from "../../harness";
import { ciIamPath } from "../../stacks/naming";
import { parseSettings } from "../../stacks/settings";

/** Access entries and their policies as the program declares them: principal → type and policies. */
function access(run: ProgramRun): string[] {
    const policies = run.ofType("aws:eks/accessPolicyAssociation:AccessPolicyAssociation");
    return run
        .ofType("aws:eks/accessEntry:AccessEntry")
        .map((entry) => {
            const granted = policies.filter((policy) => policy.inputs.principalArn === entry.inputs.principalArn).map((policy) => policy.inputs.policyArn.split("/").pop());
            return `${entry.name} ${entry.inputs.principalArn} ${entry.inputs.type} ${granted.sort().join(",")}`;
        })
        .sort();
}

const stacks = [
    { stack: "dev", environment: "staging" },
    { stack: "prod", environment: "production" },
] as const;

describe("previews by the preview role (mocked program)", () => {
    for (const { stack, environment } of stacks) {
        describe(stack, () => {
            const config = readStackConfig(stack);
            const deployRole = `${ciIamPath.slice(1)}${deliveryRoles.find((role) => role.key === `${environment}Deploy`)?.name}`;
            const previewRole = `${ciIamPath.slice(1)}${deliveryRoles.find((role) => role.key === `${environment}Preview`)?.name}`;

            it("names bootstrap's deploy and preview roles of its environment in the stack file", () => {
                assert.equal(config["eks-app:clusterDeployerRole"], deployRole);
                assert.equal(config["eks-app:clusterPreviewRole"], previewRole);
            });

            it("previews as the preview role with the access entries the deploy role's up declares, the preview role a viewer", async () => {
                const up = await runProgram(stack, { caller: testRoleArn(deployRole) });
                const preview = await runProgram(stack, { caller: testRoleArn(previewRole), preview: true });

                assert.deepEqual(access(preview), access(up));
                const entries = access(up);
                assert.ok(entries.some((entry) => entry.endsWith(`${testRoleArn(deployRole)} STANDARD AmazonEKSClusterAdminPolicy`)), entries.join("\n"));
                assert.ok(entries.some((entry) => entry.endsWith(`${testRoleArn(previewRole)} STANDARD AmazonEKSViewPolicy`)), entries.join("\n"));
            });

            it("refuses an up by the preview role before creating anything", async () => {
                const error = await runProgram(stack, { caller: testRoleArn(previewRole) }).then(
                    () => undefined,
                    (e: ProgramError) => e,
                );
                assert.ok(error instanceof ProgramError);
                assert.match(error.message, /has read-only access to this cluster .* it may run `pulumi preview`, not `up`/);
                assert.deepEqual(error.resources.filter((r) => r.custom && !r.type.startsWith("pulumi:providers:")), []);
            });

            it("refuses a preview by the preview role when the stack names no deployer, which would show admin moving to it", async () => {
                const error = await runProgram(stack, { caller: testRoleArn(previewRole), preview: true, without: ["eks-app:clusterDeployerRole"] }).then(
                    () => undefined,
                    (e: ProgramError) => e,
                );
                assert.ok(error instanceof ProgramError);
                assert.match(error.message, /may only read this cluster, and the stack names no deployer/);
            });

            it("refuses a preview by a role the stack grants nothing", async () => {
                const error = await runProgram(stack, { caller: testRoleArn("someone-else"), preview: true }).then(
                    () => undefined,
                    (e: ProgramError) => e,
                );
                assert.ok(error instanceof ProgramError);
                assert.match(error.message, /role\/someone-else is running this program but would have no access to the cluster/);
            });
        });
    }

    describe("the deployer keys, checked before anything is registered", () => {
        const settingsWith = (config: Record<string, string>) => () =>
            parseSettings({ project: "eks-app", stack: "dev", config: { "aws:region": "eu-west-1", "eks-app:environment": "staging", ...config } });

        it("takes a role's path and name, not an ARN or a leading slash", () => {
            assert.doesNotThrow(settingsWith({ "eks-app:clusterDeployerRole": "eks-app-ci/eks-app-staging-deploy" }));
            assert.throws(settingsWith({ "eks-app:clusterDeployerRole": "arn:aws:iam::123456789012:role/eks-app-ci/eks-app-staging-deploy" }), /eks-app:clusterDeployerRole = .* is not allowed: expected an IAM role's path and name/);
            assert.throws(settingsWith({ "eks-app:clusterPreviewRole": "/eks-app-ci/eks-app-staging-preview" }), /eks-app:clusterPreviewRole = .* is not allowed/);
        });

        it("refuses a deployer named twice", () => {
            assert.throws(
                settingsWith({ "eks-app:clusterDeployerRole": "eks-app-ci/eks-app-staging-deploy", "eks-app:clusterDeployerPrincipalArn": "arn:aws:iam::123456789012:role/other" }),
                /eks-app:clusterDeployerPrincipalArn and eks-app:clusterDeployerRole are both set/,
            );
        });
    });
});
