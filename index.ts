import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { AppImage } from "./components/app-image";
import { Autoscaling } from "./components/autoscaling";
import { PodPlacement, placementFor, Workload } from "./components/autoscaling-profile";
import { assertCallerHasAccess, clusterPrincipals, logGroupExists, resolveCaller, roleArnInAccount } from "./components/aws-context";
import { controlPlaneLogGroupName } from "./components/cluster/control-plane";
import { Cluster, defaultStorageClassName, retainedStorageClassName } from "./components/cluster";
import { DnsRecord } from "./components/dns";
import { AwsContext } from "./components/iam-documents";
import { Monitoring } from "./components/monitoring";
import { logBucketExists, logBucketName } from "./components/monitoring-log-bucket";
import { Network } from "./components/network";
import { IamPlacement } from "./components/pod-identity";
import { Redis } from "./components/redis";
import { Registry } from "./components/registry";
import { loadBalancerClientsOnly, ReviewAccess, ReviewNamespace, ReviewRedis } from "./components/review";
import { appContainerName, appName, LoadBalancerSettings, WebApp } from "./components/web-app";
import { configuredAlertUrls, configuredRedisPassword, readSettings, Settings } from "./stacks";
import { programIamPath, reviewNamespace, reviewRepositoryName } from "./stacks/naming";

interface WorkloadTarget {
    provider: k8s.Provider;
    image: pulumi.Input<string>;
    /** What must exist before the workload and outlive it on destroy (nodes, storage, DNS). */
    dependsOn: pulumi.Resource[];
    storageClassName?: string;
    /** A class whose volumes outlive their claims (reclaim policy Retain), for production's Redis. */
    retainedStorageClassName?: string;
    podSecurityVersion: string;
    loadBalancer: LoadBalancerSettings;
    /** On AWS: the Karpenter NodePools each workload runs on; unset, the cluster decides (local). */
    placement?: (workload: Workload) => PodPlacement;
    /** On AWS: what Loki's S3 bucket and its Pod Identity role need, and whether the bucket exists already (kept by a destroy). */
    aws?: { provider: aws.Provider; context: AwsContext; cluster: pulumi.Input<string>; logBucketExists: boolean };
}

/** How many app pods run and what each may use, as every target sizes them. */
function appSizing(settings: Settings) {
    return {
        minReplicas: settings.appMinReplicas,
        maxReplicas: settings.appMaxReplicas,
        cpuTargetUtilization: settings.appCpuTargetUtilization,
        resources: {
            cpuRequest: settings.appCpuRequest,
            cpuLimit: settings.appCpuLimit,
            memoryRequest: settings.appMemoryRequest,
            memoryLimit: settings.appMemoryLimit,
        },
    };
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
            nodeAgentNamespace: `${settings.metricsScraperNamespace}-node-agents`,
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
            alerting: {
                receiverType: settings.alertReceiverType,
                ...configuredAlertUrls(),
                topics:
                    settings.alertSnsTopics && target.aws
                        ? { aws: target.aws.context, iam: iamPlacement(settings), clusterName: settings.clusterName, cluster: target.aws.cluster }
                        : undefined,
                runbookBaseUrl: settings.alertRunbookBaseUrl,
            },
            placement: target.placement?.("monitoring"),
            grafanaInternalLoadBalancer: settings.grafanaInternalLoadBalancer,
            logStorage:
                settings.lokiStorage === "s3" && target.aws
                    ? {
                          kind: "s3",
                          aws: target.aws.context,
                          iam: iamPlacement(settings),
                          clusterName: settings.clusterName,
                          cluster: target.aws.cluster,
                          adoptExisting: target.aws.logBucketExists,
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
            retainedStorageClassName: target.retainedStorageClassName,
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
            ...appSizing(settings),
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
        ...(monitoring.alertPageTopicArn ? { alertPageTopicArn: monitoring.alertPageTopicArn, alertTicketTopicArn: monitoring.alertTicketTopicArn } : {}),
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
    const principals = clusterPrincipals(caller, settings);
    assertCallerHasAccess(caller.principalArn, principals);
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
    const registry = new Registry("app", { repositoryName: settings.clusterName }, awsOptions);
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
                deployerPrincipalArn: principals.deployer,
                adminPrincipalArns: principals.admins,
                viewerPrincipalArns: principals.viewers,
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
            resourceTags: { project: settings.project, environment: settings.environment },
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
        storageClassName: defaultStorageClassName,
        retainedStorageClassName,
        podSecurityVersion: `v${settings.kubernetesVersion}`,
        loadBalancer: { kind: "aws", sourceRanges: settings.loadBalancerSourceRanges, certificateArn: settings.certificateArn },
        aws: {
            provider,
            context: caller.aws,
            cluster: cluster.name,
            logBucketExists: settings.monitoring && settings.lokiStorage === "s3" && (await logBucketExists(provider, logBucketName(settings.clusterName, caller.aws))),
        },
        placement: (workload) => placementFor(autoscalingEnvironment, workload),
    });
    if (monitoring !== undefined) autoscaling.scrapeMetrics(monitoring.crds);

    if (settings.domainName !== undefined && settings.hostedZoneId !== undefined) {
        new DnsRecord("app", { hostedZoneId: settings.hostedZoneId, domainName: settings.domainName, target: app.loadBalancerHostname }, awsOptions);
    }
    if (settings.clusterReviewRole !== undefined) {
        new ReviewAccess(
            "review",
            { clusterName: cluster.name, principalArn: roleArnInAccount(caller.aws, settings.clusterReviewRole), partition: caller.aws.partition },
            { providers: { aws: provider, kubernetes: cluster.provider } },
        );
    }
    const hostname = settings.domainName ?? app.loadBalancerHostname;
    const scheme = settings.certificateArn !== undefined ? "https" : "http";

    return {
        clusterName: cluster.name,
        kubeconfig: cluster.kubeconfig,
        ecrRepositoryUrl: registry.repositoryUrl,
        // Review stacks (pr-<n>) read these, with clusterName, kubeconfig, ecrRepositoryUrl and region.
        ecrRepositoryName: registry.repositoryName,
        kubernetesVersion: settings.kubernetesVersion,
        vpcCidr: settings.vpcCidr,
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

/**
 * A pull request's review environment (stack pr-<n>): no platform resource. Staging's cluster, registry and network are
 * read through a StackReference; only the workload is deployed, into namespace eks-app-pr-<n>.
 */
function deployReview(settings: Settings & { region: string; pullRequest: number }) {
    const staging = new pulumi.StackReference("staging", { name: settings.reviewBaseStack });
    const stagingOutput = (name: string) => staging.requireOutput(name) as pulumi.Output<string>;
    // The review role's own credentials; the kubeconfig bakes in no role (components/kubeconfig.ts).
    const provider = new k8s.Provider("staging", { kubeconfig: stagingOutput("kubeconfig"), enableServerSideApply: true });
    const kubernetes = { providers: { kubernetes: provider } };
    const lifetimeMs = settings.reviewLifetimeDays * 24 * 60 * 60 * 1000;
    // Each update pushes the expiry out: an environment in use is never swept.
    const expiresAt = new Date(Date.now() + lifetimeMs).toISOString().replace(/\.\d{3}Z$/, "Z");
    const namespace = new ReviewNamespace(
        "review",
        {
            name: reviewNamespace(settings.pullRequest),
            pullRequest: settings.pullRequest,
            podSecurityVersion: pulumi.interpolate`v${stagingOutput("kubernetesVersion")}`,
            expiresAt,
            quota: { cpu: settings.reviewCpuQuota, memory: settings.reviewMemoryQuota },
            containerMaximum: { cpu: settings.appCpuLimit, memory: settings.appMemoryLimit },
        },
        kubernetes,
    );
    // Pods are created once the quota and limits exist, so admission holds every one of them to both.
    const bounded = { ...kubernetes, dependsOn: namespace.bounds };
    const redis = new ReviewRedis(
        "redis",
        {
            namespace: namespace.name,
            memoryLimit: settings.redisMemoryLimit,
            clientPodLabels: { "app.kubernetes.io/name": appName },
            placement: placementFor("staging", "redis"),
        },
        bounded,
    );
    const image =
        settings.image ??
        new AppImage(
            "app",
            {
                // The review repository beside staging's, in the same registry (bootstrap/registry.ts).
                repositoryUrl: stagingOutput("ecrRepositoryUrl").apply((url) => url.replace(/[^/]+$/, (name) => reviewRepositoryName(name))),
                repositoryName: stagingOutput("ecrRepositoryName").apply(reviewRepositoryName),
                imageTag: settings.imageTag,
                buildContext: path.join(__dirname, "app"),
            },
            { providers: { aws: new aws.Provider("aws", { region: settings.region as aws.Region }) } },
        ).ref;
    const namespaceName = reviewNamespace(settings.pullRequest);
    const app = new WebApp(
        "app",
        {
            namespace: namespaceName,
            existingNamespace: namespace.name,
            image,
            ...appSizing(settings),
            redis: { host: redis.host, port: redis.port, password: redis.password, namespace: namespaceName },
            // An NLB of its own per pull request (README: Review environments).
            loadBalancer: { kind: "aws", sourceRanges: settings.loadBalancerSourceRanges },
            ingressFrom: stagingOutput("vpcCidr").apply((vpcCidr) => loadBalancerClientsOnly(settings.loadBalancerSourceRanges, vpcCidr)),
            placement: placementFor("staging", "app"),
        },
        bounded,
    );
    return {
        pullRequest: settings.pullRequest,
        namespace: namespace.name,
        // The sweeper (.github/workflows/review-sweeper.yml) destroys the environment after this.
        expiresAt,
        clusterName: stagingOutput("clusterName"),
        image,
        imageTag: settings.imageTag ?? "",
        loadBalancerHostname: app.loadBalancerHostname,
        hostname: app.loadBalancerHostname,
        url: pulumi.interpolate`http://${app.loadBalancerHostname}`,
    };
}

// Settings are read and validated first: a bad value fails before any resource is registered.
export = async () => {
    const settings = readSettings();
    if (settings.environment === "local") {
        return deployToLocalCluster({ ...settings, image: settings.image as string });
    }
    if (settings.environment === "review") {
        return deployReview({ ...settings, region: settings.region as string, pullRequest: settings.pullRequest as number });
    }
    return deployToAws({ ...settings, region: settings.region as string });
};
