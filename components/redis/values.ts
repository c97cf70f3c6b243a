// The redis-ha chart's pin and the values this program gives it: plain data, so tests hold them without rendering.
import * as path from "path";
import type { RedisArgs } from ".";
import { mebibytes } from "../../stacks/quantities";

/** The vendored chart (charts/README.md: source and checksum); the version pin lives here. */
export const redisChart = { name: "redis-ha", version: "4.38.0" } as const;
export const redisChartFile = path.join(__dirname, "..", "..", "charts", `${redisChart.name}-${redisChart.version}.tgz`);
/** Helm release name; the chart names its objects after it (redis-ha, redis-ha-server, redis-ha-haproxy). */
export const redisReleaseName = "redis-ha";
export const redisPort = 6379;
export const passwordKey = "auth";
export const sentinelPasswordKey = "sentinel-password";

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
