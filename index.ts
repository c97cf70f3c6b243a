import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { AppImage } from "./components/app-image";
import { Autoscaling } from "./components/autoscaling";
import { PodPlacement, placementFor, Workload } from "./components/autoscaling-profile";
import { assertCallerHasAccess, logGroupExists, resolveCaller } from "./components/aws-context";
import { controlPlaneLogGroupName } from "./components/cluster/control-plane";
import { Cluster } from "./components/cluster";
import { DnsRecord } from "./components/dns";
import { AwsContext } from "./components/iam-documents";
import { Monitoring } from "./components/monitoring";
import { Network } from "./components/network";
import { IamPlacement } from "./components/pod-identity";
import { Redis } from "./components/redis";
import { Registry } from "./components/registry";
import { appContainerName, appName, LoadBalancerSettings, WebApp } from "./components/web-app";
import { configuredAlertUrls, configuredRedisPassword, readSettings, Settings } from "./stacks";
import { programIamPath } from "./stacks/naming";

interface WorkloadTarget {
    provider: k8s.Provider;
    image: pulumi.Input<string>;
    /** What must exist before the workload and outlive it on destroy (nodes, storage, DNS). */
    dependsOn: pulumi.Resource[];
    storageClassName?: string;
    podSecurityVersion: string;
    loadBalancer: LoadBalancerSettings;
    /** On AWS: the Karpenter NodePools each workload runs on; unset, the cluster decides (local). */
    placement?: (workload: Workload) => PodPlacement;
    /** On AWS: what Loki's S3 bucket and its Pod Identity role need. */
    aws?: { provider: aws.Provider; context: AwsContext; cluster: pulumi.Input<string> };
}

/** Every role and instance profile of the stack: under its own path, with the configured boundary. */
function iamPlacement(settings: Settings): IamPlacement {
    return { path: programIamPath(settings.stack), permissionsBoundaryArn: settings.iamPermissionsBoundaryArn };
}

function deployMonitoring(settings: Settings, target: WorkloadTarget): Monitoring | undefined {
    if (!settings.monitoring) return undefined;
    const production = settings.environment === "production";
    return new Monitoring(
        "monitoring",
        {
            namespace: settings.metricsScraperNamespace,
            podSecurityVersion: target.podSecurityVersion,
            storageClassName: target.storageClassName,
            sizing: {
                prometheusReplicas: settings.prometheusReplicas,
                prometheusRetention: settings.prometheusRetention,
                prometheusStorageSize: settings.prometheusStorageSize,
                alertmanagerReplicas: settings.alertmanagerReplicas,
                lokiRetention: settings.lokiRetention,
                lokiStorageSize: settings.lokiStorageSize,
                resourceTier: settings.monitoringResourceTier,
                keepVolumes: production,
            },
            alerting: { receiverType: settings.alertReceiverType, ...configuredAlertUrls() },
            grafanaInternalLoadBalancer: settings.grafanaInternalLoadBalancer,
            logStorage:
                settings.lokiStorage === "s3" && target.aws
                    ? {
                          kind: "s3",
                          aws: target.aws.context,
                          iam: iamPlacement(settings),
                          clusterName: settings.clusterName,
                          cluster: target.aws.cluster,
                      }
                    : { kind: "filesystem" },
            app: { namespace: settings.namespace, container: appContainerName },
        },
        {
            providers: { kubernetes: target.provider, ...(target.aws ? { aws: target.aws.provider } : {}) },
            // Deleted before the nodes and storage, so its volumes and load balancer go first on destroy.
            dependsOn: target.dependsOn,
        },
    );
}

function deployWorkload(settings: Settings, target: WorkloadTarget) {
    const options = { providers: { kubernetes: target.provider }, dependsOn: target.dependsOn };
    const monitoring = deployMonitoring(settings, target);
    const redisNamespace = `${settings.namespace}-redis`;
    const redis = new Redis(
        "redis",
        {
            namespace: redisNamespace,
            podSecurityVersion: target.podSecurityVersion,
            replicas: settings.redisReplicas,
            storageSize: settings.redisStorageSize,
            memoryLimit: settings.redisMemoryLimit,
            storageClassName: target.storageClassName,
            configuredPassword: configuredRedisPassword(),
            clientNamespace: settings.namespace,
            clientPodLabels: { "app.kubernetes.io/name": appName },
            metricsScraperNamespace: settings.metricsScraperNamespace,
            monitoringCrds: monitoring?.crds,
            protectData: settings.environment === "production",
            placement: target.placement?.("redis"),
        },
        options,
    );
    const app = new WebApp(
        "app",
        {
            namespace: settings.namespace,
            podSecurityVersion: target.podSecurityVersion,
            image: target.image,
            minReplicas: settings.appMinReplicas,
            maxReplicas: settings.appMaxReplicas,
            cpuTargetUtilization: settings.appCpuTargetUtilization,
            resources: {
                cpuRequest: settings.appCpuRequest,
                cpuLimit: settings.appCpuLimit,
                memoryRequest: settings.appMemoryRequest,
                memoryLimit: settings.appMemoryLimit,
            },
            redis: { host: redis.host, port: redis.port, password: redis.password, namespace: redisNamespace },
            loadBalancer: target.loadBalancer,
            placement: target.placement?.("app"),
            metrics: monitoring && {
                scraperNamespace: settings.metricsScraperNamespace,
                monitoringCrds: monitoring.crds,
                targetRequestsPerSecond: settings.appTargetRequestsPerSecond,
            },
        },
        // Not on Redis: the app needs only its address and password, and its rollout waits for /readyz (which
        // needs Redis) anyway, so a first `up` installs both at once instead of one after the other.
        options,
    );
    return { app, monitoring };
}

/** How to reach Grafana: its admin password (secret) and the port-forward command. */
function monitoringOutputs(monitoring: Monitoring | undefined) {
    if (monitoring === undefined) return {};
    return {
        grafanaAdminPassword: monitoring.grafanaAdminPassword,
        grafanaPortForward: monitoring.grafanaPortForwardCommand,
        ...(monitoring.logBucketName ? { lokiBucketName: monitoring.logBucketName } : {}),
    };
}

async function deployToAws(settings: Settings & { region: string }) {
    const provider = new aws.Provider("aws", {
        region: settings.region as aws.Region,
        defaultTags: {
            tags: { project: settings.project, stack: settings.stack, environment: settings.environment, "managed-by": "pulumi" },
        },
    });
    const caller = await resolveCaller(provider, settings.region);
    const deployerPrincipalArn = settings.clusterDeployerPrincipalArn ?? caller.deployerPrincipalArn;
    assertCallerHasAccess(caller.deployerPrincipalArn, settings, deployerPrincipalArn);
    const production = settings.environment === "production";
    const awsOptions = { providers: { aws: provider } };

    const network = new Network(
        "network",
        {
            cidrBlock: settings.vpcCidr,
            availabilityZoneCount: settings.availabilityZoneCount,
            natGateways: settings.natGateways,
            karpenterDiscoveryName: settings.clusterName,
        },
        awsOptions,
    );
    const registry = new Registry(
        "app",
        { repositoryName: settings.clusterName, keepTaggedImages: settings.ecrKeepTaggedImages, forceDelete: !production },
        awsOptions,
    );
    const cluster = new Cluster(
        "cluster",
        {
            aws: caller.aws,
            iam: iamPlacement(settings),
            clusterName: settings.clusterName,
            kubernetesVersion: settings.kubernetesVersion,
            vpcId: network.vpcId,
            privateSubnetIds: network.privateSubnetIds,
            publicSubnetIds: network.publicSubnetIds,
            endpointPublicAccess: settings.clusterEndpointPublicAccess,
            endpointPublicAccessCidrs: settings.clusterEndpointPublicAccessCidrs,
            logRetentionDays: settings.controlPlaneLogRetentionDays,
            deletionProtection: settings.deletionProtection,
            keepKeys: production,
            keyDeletionWindowDays: production ? 30 : 7,
            adoptExistingLogGroup: await logGroupExists(provider, controlPlaneLogGroupName(settings.clusterName)),
            access: {
                deployerPrincipalArn,
                adminPrincipalArns: settings.clusterAdminPrincipalArns,
                viewerPrincipalArns: settings.clusterViewerPrincipalArns,
            },
            nodes: {
                instanceTypes: settings.nodeInstanceTypes,
                capacityType: settings.nodeCapacityType,
                minSize: settings.nodeMinSize,
                desiredSize: settings.nodeDesiredSize,
                maxSize: settings.nodeMaxSize,
                diskSizeGiB: settings.nodeDiskSizeGiB,
            },
            addonVersions: settings.addonVersions,
        },
        awsOptions,
    );
    const autoscalingEnvironment = production ? "production" : "staging";
    const autoscaling = new Autoscaling(
        "autoscaling",
        {
            aws: caller.aws,
            iam: iamPlacement(settings),
            environment: autoscalingEnvironment,
            clusterName: settings.clusterName,
            cluster: cluster.name,
            clusterSecurityGroupId: cluster.securityGroupId,
            volumeKeyArn: cluster.volumeKeyArn,
            amiAlias: `al2023@${settings.karpenterAmiVersion}`,
            diskSizeGiB: settings.nodeDiskSizeGiB,
            limits: { cpu: settings.nodePoolCpuLimit, memoryGiB: settings.nodePoolMemoryLimitGiB },
            tags: { project: settings.project, stack: settings.stack, environment: settings.environment, "managed-by": "karpenter" },
            dependsOn: cluster.workloadDependencies,
        },
        { providers: { aws: provider, kubernetes: cluster.provider } },
    );

    const image =
        settings.image ??
        new AppImage(
            "app",
            {
                repositoryUrl: registry.repositoryUrl,
                repositoryName: registry.repositoryName,
                imageTag: settings.imageTag,
                buildContext: path.join(__dirname, "app"),
            },
            awsOptions,
        ).ref;

    const { app, monitoring } = deployWorkload(settings, {
        provider: cluster.provider,
        image,
        // The NodePools too: on destroy the workload leaves before Karpenter's nodes are drained and terminated.
        dependsOn: [...cluster.workloadDependencies, ...autoscaling.nodePools],
        storageClassName: "gp3",
        podSecurityVersion: `v${settings.kubernetesVersion}`,
        loadBalancer: { kind: "aws", sourceRanges: settings.loadBalancerSourceRanges, certificateArn: settings.certificateArn },
        aws: { provider, context: caller.aws, cluster: cluster.name },
        placement: (workload) => placementFor(autoscalingEnvironment, workload),
    });
    if (monitoring !== undefined) autoscaling.scrapeMetrics(monitoring.crds);

    if (settings.domainName !== undefined && settings.hostedZoneId !== undefined) {
        new DnsRecord("app", { hostedZoneId: settings.hostedZoneId, domainName: settings.domainName, target: app.loadBalancerHostname }, awsOptions);
    }
    const hostname = settings.domainName ?? app.loadBalancerHostname;
    const scheme = settings.certificateArn !== undefined ? "https" : "http";

    return {
        clusterName: cluster.name,
        kubeconfig: cluster.kubeconfig,
        ecrRepositoryUrl: registry.repositoryUrl,
        vpcId: network.vpcId,
        region: settings.region,
        image,
        imageTag: settings.imageTag ?? "",
        loadBalancerHostname: app.loadBalancerHostname,
        hostname,
        url: pulumi.interpolate`${scheme}://${hostname}`,
        ...monitoringOutputs(monitoring),
    };
}

function deployToLocalCluster(settings: Settings & { image: string }) {
    // No kubeconfig given: the provider uses the current context, like kubectl.
    const provider = new k8s.Provider("local", { enableServerSideApply: true });
    const { app, monitoring } = deployWorkload(settings, {
        provider,
        image: settings.image,
        dependsOn: [],
        podSecurityVersion: "latest",
        loadBalancer: { kind: "local", sourceRanges: settings.loadBalancerSourceRanges },
    });
    return {
        image: settings.image,
        imageTag: "",
        loadBalancerHostname: app.loadBalancerHostname,
        hostname: app.loadBalancerHostname,
        url: app.loadBalancerHostname.apply((host) => (host ? `http://${host}` : "")),
        ...monitoringOutputs(monitoring),
    };
}

// Settings are read and validated first: a bad value fails before any resource is registered.
export = async () => {
    const settings = readSettings();
    if (settings.environment === "local") {
        return deployToLocalCluster({ ...settings, image: settings.image as string });
    }
    return deployToAws({ ...settings, region: settings.region as string });
};
