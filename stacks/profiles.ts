// Defaults per environment. Stack files only override; the config table in docs/configuration.md mirrors this file.
// review: one pull request's workload on staging's cluster (stack pr-<n>, Pulumi.review.yaml); no AWS resource of its own.
export const environments = ["staging", "production", "local", "review"] as const;
export type Environment = (typeof environments)[number];
/** One NAT gateway for the VPC, or one per AZ. */
export const natGatewayStrategies = ["single", "onePerAz"] as const;
export type NatGatewayStrategy = (typeof natGatewayStrategies)[number];
export const capacityTypes = ["SPOT", "ON_DEMAND"] as const;
export type CapacityType = (typeof capacityTypes)[number];

export interface ProfileDefaults {
    availabilityZoneCount: number;
    vpcCidr: string;
    natGateways: NatGatewayStrategy;
    kubernetesVersion: string;
    clusterEndpointPublicAccess: boolean;
    clusterEndpointPublicAccessCidrs: string[];
    clusterEndpointOpenToInternet: boolean;
    clusterAdminPrincipalArns: string[];
    clusterViewerPrincipalArns: string[];
    controlPlaneLogRetentionDays: number;
    deletionProtection: boolean;
    nodeInstanceTypes: string[];
    nodeCapacityType: CapacityType;
    allowSpotInProduction: boolean;
    nodeMinSize: number;
    nodeDesiredSize: number;
    nodeMaxSize: number;
    nodeDiskSizeGiB: number;
    nodePoolCpuLimit: number;
    nodePoolMemoryLimitGiB: number;
    karpenterAmiVersion: string;
    addonVersions: Record<string, string>;

    namespace: string;
    appMinReplicas: number;
    appMaxReplicas: number;
    appCpuTargetUtilization: number;
    appCpuRequest: string;
    appCpuLimit: string;
    appMemoryRequest: string;
    appMemoryLimit: string;
    loadBalancerSourceRanges: string[];
    redisReplicas: number;
    redisStorageSize: string;
    redisMemoryLimit: string;
    metricsScraperNamespace: string;

    monitoring: boolean;
    monitoringResourceTier: "small" | "standard" | "large";
    prometheusReplicas: number;
    prometheusRetention: string;
    prometheusStorageSize: string;
    alertmanagerReplicas: number;
    alertReceiverType: "webhook" | "slack";
    alertSnsTopics: boolean;
    lokiStorage: "filesystem" | "s3";
    lokiRetention: string;
    lokiStorageSize: string;
    grafanaInternalLoadBalancer: boolean;
    appTargetRequestsPerSecond: number;

    /** Review environments: the staging stack they read, how long one lives unless updated, and their quota. */
    reviewBaseStack: string;
    reviewLifetimeDays: number;
    reviewCpuQuota: string;
    reviewMemoryQuota: string;
}

const shared = {
    availabilityZoneCount: 3,
    kubernetesVersion: "1.34",
    clusterEndpointPublicAccess: true,
    clusterEndpointOpenToInternet: false,
    clusterAdminPrincipalArns: [],
    clusterViewerPrincipalArns: [],
    allowSpotInProduction: false,
    nodeDiskSizeGiB: 50,
    // The AMI pin of Karpenter's nodes: amazon-linux-2023 EKS release v20260714 (awslabs/amazon-eks-ami CHANGELOG.md),
    // which has images for Kubernetes 1.30 to 1.36.
    karpenterAmiVersion: "v20260714",
    addonVersions: {},
    namespace: "eks-app",
    // Where Prometheus (or another scraper) runs; the only namespace admitted to Redis's exporter.
    metricsScraperNamespace: "monitoring",
    appCpuTargetUtilization: 70,
    appCpuRequest: "100m",
    appCpuLimit: "500m",
    appMemoryRequest: "128Mi",
    appMemoryLimit: "256Mi",
    loadBalancerSourceRanges: ["0.0.0.0/0"],
    // Monitoring (kube-prometheus-stack, Loki, Alloy, prometheus-adapter); chart pins: components/monitoring/charts.ts.
    monitoring: true,
    alertReceiverType: "webhook",
    grafanaInternalLoadBalancer: false,
    // Per pod: well below what one pod at its CPU request serves (bench/), so pods are added before latency grows.
    appTargetRequestsPerSecond: 50,
    // The staging stack as the S3 backend names it (organization/<project>/<stack>); only review stacks read it.
    reviewBaseStack: "organization/eks-app/dev",
    reviewLifetimeDays: 7,
    // The app and Redis at their limits during rolling updates (two pods each), with room for nothing else.
    reviewCpuQuota: "1500m",
    reviewMemoryQuota: "1Gi",
} satisfies Partial<ProfileDefaults>;

export const profiles: Record<Environment, ProfileDefaults> = {
    staging: {
        ...shared,
        vpcCidr: "10.10.0.0/16",
        natGateways: "single",
        // Staging is reachable from anywhere by default so a first `pulumi up` from a laptop works;
        // production has no default and must name its CIDRs.
        clusterEndpointPublicAccessCidrs: ["0.0.0.0/0"],
        controlPlaneLogRetentionDays: 7,
        deletionProtection: false,
        // Several sizes of one shape so spot capacity can be found in more pools.
        nodeInstanceTypes: ["t3.large", "t3a.large", "m5.large", "m6i.large"],
        nodeCapacityType: "SPOT",
        nodeMinSize: 2,
        nodeDesiredSize: 2,
        nodeMaxSize: 4,
        nodePoolCpuLimit: 16,
        nodePoolMemoryLimitGiB: 64,
        appMinReplicas: 2,
        appMaxReplicas: 4,
        redisReplicas: 1,
        redisStorageSize: "2Gi",
        redisMemoryLimit: "512Mi",
        monitoringResourceTier: "standard",
        prometheusReplicas: 1,
        prometheusRetention: "7d",
        prometheusStorageSize: "20Gi",
        alertmanagerReplicas: 1,
        alertSnsTopics: true,
        lokiStorage: "filesystem",
        lokiRetention: "168h",
        lokiStorageSize: "10Gi",
    },
    production: {
        ...shared,
        vpcCidr: "10.20.0.0/16",
        natGateways: "onePerAz",
        clusterEndpointPublicAccessCidrs: [],
        controlPlaneLogRetentionDays: 90,
        deletionProtection: true,
        nodeInstanceTypes: ["m6i.large", "m7i.large"],
        nodeCapacityType: "ON_DEMAND",
        nodeMinSize: 3,
        nodeDesiredSize: 3,
        nodeMaxSize: 9,
        nodePoolCpuLimit: 64,
        nodePoolMemoryLimitGiB: 256,
        appMinReplicas: 3,
        appMaxReplicas: 10,
        redisReplicas: 3,
        redisStorageSize: "8Gi",
        redisMemoryLimit: "1Gi",
        // Two Prometheus servers scrape the same targets; three Alertmanagers deduplicate notifications by gossip.
        monitoringResourceTier: "large",
        prometheusReplicas: 2,
        prometheusRetention: "30d",
        prometheusStorageSize: "100Gi",
        alertmanagerReplicas: 3,
        // Pages reach whoever subscribes to the topic, with no secret in the stack (README: Alerts and where they go).
        alertSnsTopics: true,
        lokiStorage: "s3",
        lokiRetention: "720h",
        lokiStorageSize: "20Gi",
    },
    // The local profile deploys only the workload onto the current kubeconfig context; the AWS keys are unused.
    local: {
        ...shared,
        vpcCidr: "10.30.0.0/16",
        natGateways: "single",
        clusterEndpointPublicAccessCidrs: [],
        controlPlaneLogRetentionDays: 1,
        deletionProtection: false,
        nodeInstanceTypes: ["t3.medium"],
        nodeCapacityType: "ON_DEMAND",
        nodeMinSize: 1,
        nodeDesiredSize: 1,
        nodeMaxSize: 1,
        nodePoolCpuLimit: 4,
        nodePoolMemoryLimitGiB: 8,
        appMinReplicas: 1,
        appMaxReplicas: 2,
        appCpuRequest: "50m",
        appMemoryRequest: "64Mi",
        redisReplicas: 1,
        redisStorageSize: "1Gi",
        redisMemoryLimit: "256Mi",
        monitoringResourceTier: "small",
        prometheusReplicas: 1,
        // The slowest burn-rate alert reads 3 days.
        prometheusRetention: "3d",
        prometheusStorageSize: "5Gi",
        alertmanagerReplicas: 1,
        alertSnsTopics: false,
        lokiStorage: "filesystem",
        lokiRetention: "24h",
        lokiStorageSize: "2Gi",
    },
    // A pull request's review environment: the workload only, on staging's cluster and spot nodes, one small pod
    // each; the AWS keys are unused (the platform is staging's, read through a StackReference).
    review: {
        ...shared,
        vpcCidr: "10.10.0.0/16",
        natGateways: "single",
        clusterEndpointPublicAccessCidrs: [],
        controlPlaneLogRetentionDays: 1,
        deletionProtection: false,
        nodeInstanceTypes: ["t3.medium"],
        nodeCapacityType: "SPOT",
        nodeMinSize: 1,
        nodeDesiredSize: 1,
        nodeMaxSize: 1,
        nodePoolCpuLimit: 4,
        nodePoolMemoryLimitGiB: 8,
        appMinReplicas: 1,
        appMaxReplicas: 1,
        appCpuRequest: "50m",
        appMemoryRequest: "64Mi",
        redisReplicas: 1,
        redisStorageSize: "1Gi",
        redisMemoryLimit: "128Mi",
        // Staging's monitoring watches the cluster; a review environment adds no monitoring of its own.
        monitoring: false,
        monitoringResourceTier: "small",
        prometheusReplicas: 1,
        prometheusRetention: "3d",
        prometheusStorageSize: "5Gi",
        alertmanagerReplicas: 1,
        alertSnsTopics: false,
        lokiStorage: "filesystem",
        lokiRetention: "24h",
        lokiStorageSize: "2Gi",
    },
};
