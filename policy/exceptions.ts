import { PolicyException } from "./lib/exceptions";

/**
 * Resources exempt from one policy each, with the reason; reviewed like any change to the guardrails.
 * Example: { policy: "k8s-read-only-root-filesystem", type: "kubernetes:apps/v1:Deployment", name: "legacy",
 * reason: "writes its cache to /var/cache; replaced in #42" }. See README.md, "Exceptions".
 */
export const policyExceptions: PolicyException[] = [];
