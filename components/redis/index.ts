import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { PodPlacement } from "../autoscaling";
import { labelsFor, podSecurityLabels } from "../labels";
import { passwordKey, redisChart, redisChartFile, redisClaimNames, redisHost, redisPort, redisReleaseName, redisValues, sentinelPasswordKey } from "./values";

export { redisClaimNames, redisMaxmemory, redisPort } from "./values";

const sentinelPort = 26379;
const exporterPort = 9121;
const haproxyMetricsPort = 9101;
const secretName = `${redisReleaseName}-auth`;


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
                    // Every pod the chart renders meets "restricted" (tests/redis/chart.test.ts renders it with real Helm).
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
