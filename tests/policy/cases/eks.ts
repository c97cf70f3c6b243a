import { eksControlPlaneLogging, eksNoPublicEndpointInProduction, eksSecretsEncryption } from "../../../policy/rules/eks";
import { FakeResource, PolicyCases, unknownDuringPreview, urnOf } from "../support";

/** The pulumi-eks component, as this program registers it. */
const component = (props: Record<string, unknown>, stack = "dev"): FakeResource => ({
    type: "eks:index:Cluster",
    name: "cluster",
    props,
    urn: urnOf("eks:index:Cluster", "cluster", stack, ["eks-app:platform:Cluster"]),
});
/** The plain EKS cluster, as pulumi-eks registers it inside the component. */
const plainCluster = (props: Record<string, unknown>, stack = "dev"): FakeResource => ({
    type: "aws:eks/cluster:Cluster",
    name: "cluster-eksCluster",
    props,
    urn: urnOf("aws:eks/cluster:Cluster", "cluster-eksCluster", stack, ["eks-app:platform:Cluster", "eks:index:Cluster"]),
});

const keyArn = "arn:aws:kms:eu-west-1:123456789012:key/secrets";
const logTypes = ["api", "audit", "authenticator"];

export const eksCases: PolicyCases[] = [
    {
        policy: eksSecretsEncryption,
        passing: [
            {
                title: "both cluster types with a KMS key for secrets",
                resources: [component({ encryptionConfigKeyArn: keyArn }), plainCluster({ encryptionConfig: { provider: { keyArn }, resources: ["secrets"] } })],
            },
        ],
        failing: [
            {
                title: "a component cluster without a key",
                resources: [component({ enabledClusterLogTypes: logTypes })],
                messages: [/^eks:index:Cluster "cluster": Kubernetes secrets are not encrypted with a KMS key\. Fix: set encryptionConfigKeyArn to the ARN of a KMS key/],
            },
            {
                title: "a plain cluster whose encryption config leaves secrets out",
                resources: [plainCluster({ encryptionConfig: { provider: { keyArn }, resources: [] } })],
                messages: [/^aws:eks\/cluster:Cluster "cluster-eksCluster": Kubernetes secrets are not encrypted with a KMS key\. Fix: set encryptionConfig: \{ provider: \{ keyArn: <KMS key ARN> \}, resources: \["secrets"\] \}/],
            },
        ],
        unknownDuringPreview: [
            {
                title: "key ARN (a key created in the same update)",
                resources: [component({ encryptionConfigKeyArn: unknownDuringPreview.string }), plainCluster({ encryptionConfig: { provider: { keyArn: unknownDuringPreview.string }, resources: ["secrets"] } })],
            },
        ],
    },
    {
        policy: eksControlPlaneLogging,
        passing: [
            {
                title: "api, audit and authenticator logs (and more)",
                resources: [component({ enabledClusterLogTypes: [...logTypes, "scheduler"] }), plainCluster({ enabledClusterLogTypes: logTypes })],
            },
        ],
        failing: [
            {
                title: "only the api log",
                resources: [component({ enabledClusterLogTypes: ["api"] })],
                messages: [/^eks:index:Cluster "cluster": control-plane logs "audit", "authenticator" are off, .*Fix: set enabledClusterLogTypes to include "api", "audit", "authenticator"/],
            },
            {
                title: "no logs at all (the default)",
                resources: [plainCluster({})],
                messages: [/^aws:eks\/cluster:Cluster "cluster-eksCluster": control-plane logs "api", "audit", "authenticator" are off.*Fix: set enabledClusterLogTypes/],
            },
        ],
        unknownDuringPreview: [
            { title: "log type list", resources: [component({ enabledClusterLogTypes: unknownDuringPreview.array })] },
            { title: "log type", resources: [plainCluster({ enabledClusterLogTypes: ["api", unknownDuringPreview.string] })] },
        ],
    },
    {
        policy: eksNoPublicEndpointInProduction,
        passing: [
            {
                title: "a production endpoint public to listed CIDRs only, or private",
                resources: [
                    component({ endpointPublicAccess: true, publicAccessCidrs: ["203.0.113.0/24"] }, "prod"),
                    plainCluster({ vpcConfig: { endpointPublicAccess: false, endpointPrivateAccess: true } }, "prod"),
                ],
            },
            {
                title: "an endpoint open to the internet outside production",
                resources: [component({ endpointPublicAccess: true, publicAccessCidrs: ["0.0.0.0/0"] }, "dev")],
            },
            {
                title: "an open endpoint in a stack the config does not call production",
                resources: [component({}, "prod")],
                config: { productionStacks: ["live"] },
            },
        ],
        failing: [
            {
                title: "a production endpoint public by default, with no CIDRs (EKS then allows any address)",
                resources: [component({}, "prod")],
                messages: [/^eks:index:Cluster "cluster": the Kubernetes API endpoint of production stack "prod" is open to the whole internet\. Fix: set publicAccessCidrs to the CIDRs that need the API/],
            },
            {
                title: "a production plain cluster open to 0.0.0.0/0",
                resources: [plainCluster({ vpcConfig: { endpointPublicAccess: true, publicAccessCidrs: ["10.0.0.0/8", "0.0.0.0/0"] } }, "production")],
                messages: [
                    /^aws:eks\/cluster:Cluster "cluster-eksCluster": the Kubernetes API endpoint of production stack "production" is open.*Fix: set vpcConfig\.publicAccessCidrs .* or vpcConfig\.endpointPublicAccess: false/,
                ],
            },
            {
                title: "an open endpoint in a stack the config calls production",
                resources: [component({ endpointPublicAccess: true, publicAccessCidrs: ["::/0"] }, "live")],
                config: { productionStacks: ["live"] },
                messages: [/^eks:index:Cluster "cluster": the Kubernetes API endpoint of production stack "live" is open/],
            },
        ],
        unknownDuringPreview: [
            { title: "public access flag", resources: [component({ endpointPublicAccess: unknownDuringPreview.boolean }, "prod")] },
            { title: "CIDR list", resources: [plainCluster({ vpcConfig: { publicAccessCidrs: unknownDuringPreview.array } }, "prod")] },
            { title: "CIDR, next to listed ones", resources: [component({ publicAccessCidrs: ["203.0.113.0/24", unknownDuringPreview.string] }, "prod")] },
        ],
    },
];
