import { Policies } from "@pulumi/policy";
import { policyExceptions } from "./exceptions";
import { withExceptions } from "./lib/exceptions";
import { ecrPolicies } from "./rules/ecr";
import { eksPolicies } from "./rules/eks";
import { helmPolicies } from "./rules/helm";
import { iamPolicies } from "./rules/iam";
import { kubernetesAvailabilityPolicies } from "./rules/kubernetes-availability";
import { kubernetesHardeningPolicies } from "./rules/kubernetes-hardening";
import { kubernetesServicePolicies } from "./rules/kubernetes-services";
import { kubernetesWorkloadPolicies } from "./rules/kubernetes-workloads";
import { nodePolicies } from "./rules/nodes";
import { storagePolicies } from "./rules/storage";

/** Every guardrail before exceptions: for tests that show what an exception lets through. */
export const unexceptedGuardrails: Policies = [
    ...iamPolicies,
    ...ecrPolicies,
    ...eksPolicies,
    ...storagePolicies,
    ...nodePolicies,
    ...kubernetesWorkloadPolicies,
    ...kubernetesHardeningPolicies,
    ...kubernetesAvailabilityPolicies,
    ...kubernetesServicePolicies,
    ...helmPolicies,
];

/** Every guardrail, as the pack serves them (exceptions applied). Separate from index.ts, which starts serving. */
export const guardrails: Policies = withExceptions(unexceptedGuardrails, policyExceptions);
