import { listAt, unknownValue, UnknownValue, valueAt } from "../lib/properties";
import { CheckedResource, resourceRule } from "../lib/rule";
import { parseUrn } from "../lib/urn";

/** The pulumi-eks component (what this program creates) and the plain EKS cluster (what it creates inside). */
const componentClusterType = "eks:index:Cluster";
const clusterTypes = [componentClusterType, "aws:eks/cluster:Cluster"];

function isNonEmptyString(value: unknown): boolean {
    return typeof value === "string" && value !== "";
}

export const eksSecretsEncryption = resourceRule({
    name: "eks-secrets-encryption",
    description: "EKS clusters envelope-encrypt Kubernetes secrets with a KMS key.",
    resourceTypes: clusterTypes,
    check(resource, report) {
        if (resource.type === componentClusterType) {
            const keyArn = resource.props.encryptionConfigKeyArn;
            if (keyArn === unknownValue || isNonEmptyString(keyArn)) return;
            report("Kubernetes secrets are not encrypted with a KMS key", "set encryptionConfigKeyArn to the ARN of a KMS key");
            return;
        }
        const keyArn = valueAt(resource.props, "encryptionConfig", "provider", "keyArn");
        const encrypted = listAt(resource.props, "encryptionConfig", "resources");
        if (keyArn === unknownValue || encrypted === unknownValue || encrypted.includes(unknownValue)) return;
        if (isNonEmptyString(keyArn) && encrypted.includes("secrets")) return;
        report(
            "Kubernetes secrets are not encrypted with a KMS key",
            'set encryptionConfig: { provider: { keyArn: <KMS key ARN> }, resources: ["secrets"] }',
        );
    },
});

export const requiredControlPlaneLogTypes = ["api", "audit", "authenticator"];

export const eksControlPlaneLogging = resourceRule({
    name: "eks-control-plane-logging",
    description: `EKS clusters send the ${requiredControlPlaneLogTypes.join(", ")} control-plane logs to CloudWatch.`,
    resourceTypes: clusterTypes,
    check(resource, report) {
        const enabled = listAt(resource.props, "enabledClusterLogTypes");
        if (enabled === unknownValue || enabled.includes(unknownValue)) return;
        const missing = requiredControlPlaneLogTypes.filter((logType) => !enabled.includes(logType));
        if (missing.length === 0) return;
        report(
            `control-plane logs ${missing.map((logType) => `"${logType}"`).join(", ")} are off, so API calls and who made them leave no trace`,
            `set enabledClusterLogTypes to include ${requiredControlPlaneLogTypes.map((logType) => `"${logType}"`).join(", ")}`,
        );
    },
});

export const defaultProductionStacks = ["prod", "production"];

export interface ProductionConfig {
    productionStacks?: string[];
}

/** Endpoint settings, from where each cluster type keeps them (`settingsPath`, for messages). */
function endpointAccess(resource: CheckedResource): { publicAccess: unknown; cidrs: unknown[] | UnknownValue; settingsPath: string } {
    const prefix = resource.type === componentClusterType ? [] : ["vpcConfig"];
    return {
        publicAccess: valueAt(resource.props, ...prefix, "endpointPublicAccess"),
        cidrs: listAt(resource.props, ...prefix, "publicAccessCidrs"),
        settingsPath: prefix.map((step) => `${step}.`).join(""),
    };
}

/** A CIDR list that lets any address in: EKS reads an absent or empty list as 0.0.0.0/0. */
function allowsAnyAddress(cidrs: unknown[]): boolean {
    return cidrs.length === 0 || cidrs.some((cidr) => typeof cidr === "string" && cidr.endsWith("/0"));
}

export const eksNoPublicEndpointInProduction = resourceRule<ProductionConfig>({
    name: "eks-no-public-endpoint-in-production",
    description: "In production stacks, the EKS API endpoint is private or public only to listed CIDRs, never to the whole internet.",
    configSchema: {
        properties: {
            productionStacks: {
                type: "array",
                items: { type: "string" },
                default: defaultProductionStacks,
                description: "Names of the stacks that are production.",
            },
        },
    },
    resourceTypes: clusterTypes,
    check(resource, report, config) {
        // Policy packs are not told the stack's name directly; every URN carries it.
        const { stack } = parseUrn(resource.urn);
        if (!(config.productionStacks ?? defaultProductionStacks).includes(stack)) return;
        const { publicAccess, cidrs, settingsPath } = endpointAccess(resource);
        // EKS makes the endpoint public unless told otherwise.
        if (publicAccess === unknownValue || publicAccess === false) return;
        if (cidrs === unknownValue || !allowsAnyAddress(cidrs)) return;
        report(
            `the Kubernetes API endpoint of production stack "${stack}" is open to the whole internet`,
            `set ${settingsPath}publicAccessCidrs to the CIDRs that need the API (CI runners, VPN), or ${settingsPath}endpointPublicAccess: false`,
        );
    },
});

export const eksPolicies = [eksSecretsEncryption, eksControlPlaneLogging, eksNoPublicEndpointInProduction];
