import { strict as assert } from "assert";
import { ecrCases } from "./cases/ecr";
import { eksCases } from "./cases/eks";
import { helmCases } from "./cases/helm";
import { iamCases } from "./cases/iam";
import { iamTrustCases } from "./cases/iam-trust";
import { kubernetesCases } from "./cases/kubernetes";
import { kubernetesHardeningCases } from "./cases/kubernetes-hardening";
import { nodeCases } from "./cases/nodes";
import { storageCases } from "./cases/storage";
import { PolicyCases, violations } from "./support";
import { guardrails } from "../../policy/policies";

const allCases: PolicyCases[] = [...iamCases, ...iamTrustCases, ...ecrCases, ...eksCases, ...storageCases, ...nodeCases, ...kubernetesCases, ...kubernetesHardeningCases, ...helmCases];

describe("policy pack: each guardrail", () => {
    it("has passing, failing and unknown-during-preview fixtures", () => {
        const uncovered = guardrails
            .map((policy) => policy.name)
            .filter((name) => {
                const cases = allCases.find((c) => c.policy.name === name);
                return !cases || cases.passing.length === 0 || cases.failing.length === 0 || cases.unknownDuringPreview.length === 0;
            });
        assert.deepEqual(uncovered, []);
    });

    for (const { policy, passing, failing, unknownDuringPreview } of allCases) {
        describe(policy.name, () => {
            for (const fixture of passing) {
                it(`passes ${fixture.title}`, async () => {
                    assert.deepEqual(await violations(policy, fixture.resources, fixture.config), []);
                });
            }
            for (const fixture of failing) {
                it(`fails ${fixture.title}, saying which resource and how to fix it`, async () => {
                    const messages = await violations(policy, fixture.resources, fixture.config);
                    assert.equal(messages.length, fixture.messages.length, messages.join("\n"));
                    messages.forEach((message, index) => assert.match(message, fixture.messages[index]));
                });
            }
            for (const fixture of unknownDuringPreview) {
                it(`skips, during preview, an unknown ${fixture.title}`, async () => {
                    assert.deepEqual(await violations(policy, fixture.resources, fixture.config), []);
                });
            }
        });
    }
});
