import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { PodPlacement } from "./autoscaling-profile";
import { labelsFor, podSecurityLabels } from "./labels";
import { mebibytes } from "../stacks/quantities";

import * as path from "path";

/** The vendored chart (charts/README.md: source and checksum); the version pin lives here. */
export const redisChart = { name: "redis-ha", version: "4.38.0" } as const;
export const redisChartFile = path.join(__dirname, "..", "charts", `${redisChart.name}-${redisChart.version}.tgz`);
/** Helm release name; the chart names its objects after it (redis-ha, redis-ha-server, redis-ha-haproxy). */
export const redisReleaseName = "redis-ha";
export const redisPort = 6379;
const sentinelPort = 26379;
const exporterPort = 9121;
const haproxyMetricsPort = 9101;
const secretName = `${redisReleaseName}-auth`;
const passwordKey = "auth";
const sentinelPasswordKey = "sentinel-password";

export interface RedisArgs {
    /** The namespace Redis gets to itself (`<app namespace>-redis`), enforcing Pod Security "restricted". */
    namespace: string;
    /** The Pod Security Standards version the namespace enforces, e.g. v1.34 (the cluster's) or latest. */
    podSecurityVersion: string;
    /** Redis servers (config: redisReplicas): 1, or 3 to 7 with Sentinel failover behind HAProxy. */
    replicas: number;
    /** Persistent volume size per server (config: redisStorageSize), e.g. 8Gi. */
    storageSize: string;
    /** Memory limit of each Redis container (config: redisMemoryLimit), e.g. 1Gi; maxmemory is derived from it. */
    memoryLimit: string;
    /** Undefined uses the cluster's default StorageClass (local clusters). */
    storageClassName?: string;
    /** A password from config; when absent one is generated and kept (secret) in the stack state. */
    configuredPassword?: pulumi.Output<string>;
    /** The only namespace and pods allowed to talk to Redis, besides Redis itself. */
    clientNamespace: string;
    clientPodLabels: Record<string, string>;
    /** The namespace allowed to scrape the exporter and HAProxy's metrics (config: metricsScraperNamespace). */
    metricsScraperNamespace: string;
    /** With the monitoring stack: the release whose CRDs the PodMonitor for the exporter and HAProxy needs. */
    monitoringCrds?: pulumi.Resource;
    /**
     * Production: Redis is protected (a destroy needs `pulumi state unprotect` first) and its volumes outlive the
     * stack: its claims use `retainedStorageClassName`, so deleting them leaves the EBS volumes in EC2 while the
     * release, its pods and the namespace go (README: Storage). Staging deletes everything.
     */
    protectData: boolean;
    /** A StorageClass with reclaim policy Retain (gp3-retain on AWS), for production's claims. */
    retainedStorageClassName?: string;
    /** Which nodes Redis and HAProxy may run on (Karpenter's NodePools on AWS); unset, anywhere (local). */
    placement?: Pick<PodPlacement, "affinity" | "tolerations">;
}

/**
 * maxmemory as a share of the container's memory limit. An AOF rewrite forks Redis, and under writes the child's
 * copy-on-write pages can approach the dataset's size, so the dataset gets at most half of the limit; without
 * maxmemory, noeviction never applies and the kernel kills Redis at the limit instead.
 */
const maxmemoryShareOfLimit = 0.5;

export function redisMaxmemory(memoryLimit: string): string {
    return `${Math.floor(mebibytes(memoryLimit) * maxmemoryShareOfLimit)}mb`;
}

const resources = {
    sentinel: { requests: { cpu: "25m", memory: "32Mi" }, limits: { cpu: "100m", memory: "64Mi" } },
    small: { requests: { cpu: "10m", memory: "32Mi" }, limits: { cpu: "100m", memory: "64Mi" } },
    haproxy: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "250m", memory: "128Mi" } },
};

/** The chart values this program sets; exported so tests can check them without rendering the chart. */
export function redisValues(args: Pick<RedisArgs, "replicas" | "storageSize" | "storageClassName" | "memoryLimit" | "placement">, secretName: string) {
    const highlyAvailable = args.replicas > 1;
    return {
        replicas: args.replicas,
        auth: true,
        existingSecret: secretName,
        authKey: passwordKey,
        sentinel: {
            auth: true,
            existingSecret: secretName,
            authKey: sentinelPasswordKey,
            // A majority of the Sentinels must agree before a failover.
            quorum: Math.floor(args.replicas / 2) + 1,
            resources: resources.sentinel,
        },
        redis: {
            config: {
                appendonly: "yes",
                appendfsync: "everysec",
                // With one replica there is nobody to replicate to, and a write quorum would block every write.
                "min-replicas-to-write": highlyAvailable ? 1 : 0,
                maxmemory: redisMaxmemory(args.memoryLimit),
                // A full Redis refuses writes rather than dropping links.
                "maxmemory-policy": "noeviction",
            },
            resources: { requests: { cpu: "100m", memory: args.memoryLimit }, limits: { cpu: "500m", memory: args.memoryLimit } },
            // A lone server has no failover: Karpenter must not move it merely to save money (spot reclaims still do).
            ...(args.placement && !highlyAvailable ? { podAnnotations: { "karpenter.sh/do-not-disrupt": "true" } } : {}),
        },
        persistentVolume: {
            enabled: true,
            size: args.storageSize,
            ...(args.storageClassName ? { storageClass: args.storageClassName } : {}),
        },
        haproxy: {
            // HAProxy follows the Sentinel-elected master, so clients keep one REDIS_HOST across failovers.
            enabled: highlyAvailable,
            replicas: highlyAvailable ? 2 : 0,
            hardAntiAffinity: true,
            ...(args.placement ? { additionalAffinities: args.placement.affinity } : {}),
            resources: resources.haproxy,
            init: { resources: resources.small },
            metrics: { enabled: highlyAvailable },
            // A rollout adds the new pod before removing an old one: clients never lose both HAProxy pods.
            deploymentStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
            // HAProxy talks to Sentinel and Redis only, never to the Kubernetes API.
            serviceAccount: { automountToken: false },
            // Without it a node drain may evict both HAProxy pods at once, and every client loses Redis.
            podDisruptionBudget: highlyAvailable ? { maxUnavailable: 1 } : {},
        },
        exporter: { enabled: true, resources: resources.small },
        init: { resources: resources.small },
        splitBrainDetection: { resources: resources.small },
        hardAntiAffinity: true,
        // Added to the chart's own anti-affinity; the tolerations apply to the servers and HAProxy alike.
        ...(args.placement ? { additionalAffinities: args.placement.affinity, tolerations: args.placement.tolerations } : {}),
        topologySpreadConstraints: {
            enabled: true,
            maxSkew: 1,
            topologyKey: "topology.kubernetes.io/zone",
            whenUnsatisfiable: "ScheduleAnyway",
        },
        podDisruptionBudget: highlyAvailable ? { maxUnavailable: 1 } : {},
        serviceAccount: { automountToken: false },
        // This program writes the NetworkPolicy itself (below), scoped to the app's pods.
        networkPolicy: { enabled: false },
    };
}

/** The host clients use: HAProxy in front of a replicated Redis, the single server otherwise. */
export function redisHost(namespace: string, replicas: number): string {
    const service = replicas > 1 ? `${redisReleaseName}-haproxy` : redisReleaseName;
    return `${service}.${namespace}.svc.cluster.local`;
}

/** Names the chart's StatefulSet gives its volume claims (volumeClaimTemplate "data", StatefulSet "<release>-server"). */
export function redisClaimNames(replicas: number): string[] {
    return Array.from({ length: replicas }, (_, ordinal) => `data-${redisReleaseName}-server-${ordinal}`);
}

/** Redis with Sentinel (redis-ha chart), password auth, AOF persistence, the exporter and a NetworkPolicy. */
export class Redis extends pulumi.ComponentResource {
    readonly host: string;
    readonly port = redisPort;
    readonly password: pulumi.Output<string>;
    readonly release: k8s.helm.v3.Release;

    constructor(name: string, args: RedisArgs, opts?: pulumi.ComponentResourceOptions) {
        super("eks-app:workload:Redis", name, {}, opts);
        const parent = this;
        // Protected, never retained: a workload left running after a destroy would hold its nodes (PDB, hard
        // anti-affinity) and Karpenter's drain would never finish. The data is kept by the volumes' reclaim policy.
        const protection = { protect: args.protectData };
        const claimStorageClassName = args.protectData ? (args.retainedStorageClassName ?? args.storageClassName) : args.storageClassName;
        this.password = pulumi.secret(
            args.configuredPassword ?? new random.RandomPassword(`${name}-password`, { length: 32, special: false }, { parent }).result,
        );

        const namespace = new k8s.core.v1.Namespace(
            name,
            {
                metadata: {
                    name: args.namespace,
                    // Every pod the chart renders meets "restricted" (tests/redis-chart.test.ts renders it with real Helm).
                    labels: { ...labelsFor("redis"), ...podSecurityLabels("restricted", args.podSecurityVersion) },
                },
            },
            { parent, ...protection },
        );

        const secret = new k8s.core.v1.Secret(
            `${name}-auth`,
            {
                metadata: { name: secretName, namespace: namespace.metadata.name, labels: labelsFor("redis") },
                type: "Opaque",
                stringData: { [passwordKey]: this.password, [sentinelPasswordKey]: this.password },
            },
            { parent },
        );

        // Claims named as the StatefulSet would name them, so it adopts them and Pulumi owns their lifecycle:
        // deleted with the stack; in production their volumes are retained. They bind once a pod uses them.
        const claims = redisClaimNames(args.replicas).map(
            (claimName) =>
                new k8s.core.v1.PersistentVolumeClaim(
                    `${name}-${claimName}`,
                    {
                        metadata: {
                            name: claimName,
                            namespace: namespace.metadata.name,
                            labels: labelsFor("redis"),
                            annotations: { "pulumi.com/skipAwait": "true" },
                        },
                        spec: {
                            accessModes: ["ReadWriteOnce"],
                            storageClassName: claimStorageClassName,
                            resources: { requests: { storage: args.storageSize } },
                        },
                    },
                    // A claim's class cannot change in place: a replacement would delete the claim and, with a
                    // Delete class, its data. Claims made before gp3-retain existed keep their class (README: upgrade).
                    { parent, ...protection, ignoreChanges: ["spec.storageClassName"] },
                ),
        );

        this.release = new k8s.helm.v3.Release(
            name,
            {
                name: redisReleaseName,
                // Deployed from the vendored file: no chart repository needed, and tests render exactly this.
                chart: redisChartFile,
                version: redisChart.version,
                namespace: namespace.metadata.name,
                // The StatefulSet's template names the claims' class too, so a claim it ever makes itself keeps its data.
                values: redisValues({ ...args, storageClassName: claimStorageClassName }, secretName),
                // A failed upgrade rolls back to the last good release instead of leaving Redis half-changed.
                atomic: true,
                cleanupOnFail: true,
                timeout: 600,
                maxHistory: 10,
            },
            { parent, dependsOn: [secret, ...claims], ...protection },
        );

        new k8s.networking.v1.NetworkPolicy(
            `${name}-ingress`,
            {
                metadata: { name: "redis-ingress", namespace: namespace.metadata.name, labels: labelsFor("redis") },
                spec: {
                    podSelector: {},
                    policyTypes: ["Ingress"],
                    ingress: [
                        {
                            // The app's pods, on the Redis port (HAProxy or the server itself) only.
                            from: [
                                {
                                    namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": args.clientNamespace } },
                                    podSelector: { matchLabels: args.clientPodLabels },
                                },
                            ],
                            ports: [{ protocol: "TCP", port: redisPort }],
                        },
                        {
                            // Redis, Sentinel and HAProxy talking among themselves: replication, failover, health checks.
                            from: [{ podSelector: {} }],
                            ports: [
                                { protocol: "TCP", port: redisPort },
                                { protocol: "TCP", port: sentinelPort },
                            ],
                        },
                        {
                            from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": args.metricsScraperNamespace } } }],
                            ports: [
                                { protocol: "TCP", port: exporterPort },
                                { protocol: "TCP", port: haproxyMetricsPort },
                            ],
                        },
                    ],
                },
            },
            { parent },
        );

        if (args.monitoringCrds) {
            // The chart labels every pod release=<release>; each endpoint matches only the pods with that port
            // (the exporter beside each server, HAProxy's metrics in production).
            new k8s.apiextensions.CustomResource(
                `${name}-metrics`,
                {
                    apiVersion: "monitoring.coreos.com/v1",
                    kind: "PodMonitor",
                    metadata: { name: "redis", namespace: namespace.metadata.name, labels: labelsFor("redis") },
                    spec: {
                        selector: { matchLabels: { release: redisReleaseName } },
                        podMetricsEndpoints: [
                            { port: "exporter-port", path: "/metrics", interval: "30s" },
                            { port: "metrics-port", path: "/metrics", interval: "30s" },
                        ],
                    },
                },
                { parent, dependsOn: [args.monitoringCrds, this.release] },
            );
        }

        this.host = redisHost(args.namespace, args.replicas);
        this.registerOutputs({ host: this.host, port: this.port });
    }
}
