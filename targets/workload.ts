// What every target deploys on its cluster: Redis, the app and (when enabled) monitoring, sized from the settings.
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { appContainerName, appName, LoadBalancerSettings, WebApp } from "../components/app";
import { PodPlacement, Workload } from "../components/autoscaling";
import { AwsContext } from "../components/iam-documents";
import { Monitoring } from "../components/monitoring";
import { IamPlacement } from "../components/pod-identity";
import { Redis } from "../components/redis";
import { configuredAlertUrls, configuredRedisPassword, Settings } from "../stacks";
import { programIamPath } from "../stacks/naming";

export interface WorkloadTarget {
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
export function appSizing(settings: Settings) {
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
export function iamPlacement(settings: Settings): IamPlacement {
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

export function deployWorkload(settings: Settings, target: WorkloadTarget) {
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
export function monitoringOutputs(monitoring: Monitoring | undefined) {
    if (monitoring === undefined) return {};
    return {
        grafanaAdminPassword: monitoring.grafanaAdminPassword,
        grafanaPortForward: monitoring.grafanaPortForwardCommand,
        ...(monitoring.logBucketName ? { lokiBucketName: monitoring.logBucketName } : {}),
        ...(monitoring.alertPageTopicArn ? { alertPageTopicArn: monitoring.alertPageTopicArn, alertTicketTopicArn: monitoring.alertTicketTopicArn } : {}),
    };
}
