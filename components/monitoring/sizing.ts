// How big the monitoring stack is per profile: volumes, retention, replicas, and every component's resources.

/** Sizes per profile (stacks/profiles.ts); the stack files may override each. */
export interface MonitoringSizing {
    /** Prometheus replicas: 2 in production, each scraping everything, so one can be lost or rolled. */
    prometheusReplicas: number;
    /** How long Prometheus keeps samples, e.g. "15d". */
    prometheusRetention: string;
    /** Prometheus volume per replica, e.g. "50Gi"; retention by size stops at 85% of it. */
    prometheusStorageSize: string;
    /** Alertmanager replicas: 3 in production (gossip deduplicates notifications). */
    alertmanagerReplicas: number;
    /** How long Loki keeps logs, e.g. "168h". */
    lokiRetention: string;
    /** Loki's volume: the logs themselves with filesystem storage, only the write-ahead log and caches with S3. */
    lokiStorageSize: string;
    /** Resource requests and limits of every component: small for a laptop cluster, standard, or large. */
    resourceTier: ResourceTier;
    /** Production keeps the Prometheus, Alertmanager and Loki volumes when the stack is destroyed; others delete them. */
    keepVolumes: boolean;
}

export type ResourceTier = "small" | "standard" | "large";

interface Resources {
    requests: { cpu: string; memory: string };
    limits: { cpu: string; memory: string };
}

const resources = (cpu: string, memory: string, cpuLimit: string, memoryLimit: string): Resources => ({
    requests: { cpu, memory },
    limits: { cpu: cpuLimit, memory: memoryLimit },
});

/** Requests sized for the profile; limits leave headroom for bursts (queries, compaction, restarts replaying the WAL). */
export const componentResources: Record<ResourceTier, Record<string, Resources>> = {
    small: {
        prometheus: resources("100m", "512Mi", "1", "1Gi"),
        alertmanager: resources("10m", "32Mi", "100m", "64Mi"),
        grafana: resources("50m", "128Mi", "500m", "256Mi"),
        operator: resources("50m", "64Mi", "200m", "128Mi"),
        kubeStateMetrics: resources("10m", "64Mi", "100m", "128Mi"),
        nodeExporter: resources("10m", "32Mi", "100m", "64Mi"),
        sidecar: resources("10m", "64Mi", "100m", "128Mi"),
        loki: resources("100m", "256Mi", "1", "512Mi"),
        alloy: resources("20m", "64Mi", "200m", "256Mi"),
        adapter: resources("20m", "64Mi", "200m", "128Mi"),
        small: resources("10m", "32Mi", "100m", "64Mi"),
    },
    standard: {
        prometheus: resources("250m", "1536Mi", "2", "3Gi"),
        alertmanager: resources("20m", "64Mi", "200m", "128Mi"),
        grafana: resources("100m", "256Mi", "1", "512Mi"),
        operator: resources("100m", "128Mi", "500m", "256Mi"),
        kubeStateMetrics: resources("20m", "128Mi", "200m", "256Mi"),
        nodeExporter: resources("20m", "32Mi", "200m", "64Mi"),
        sidecar: resources("10m", "64Mi", "100m", "128Mi"),
        loki: resources("250m", "512Mi", "2", "1Gi"),
        alloy: resources("50m", "128Mi", "500m", "256Mi"),
        adapter: resources("50m", "128Mi", "500m", "256Mi"),
        small: resources("10m", "32Mi", "100m", "64Mi"),
    },
    large: {
        prometheus: resources("500m", "4Gi", "4", "8Gi"),
        alertmanager: resources("50m", "128Mi", "200m", "256Mi"),
        grafana: resources("200m", "512Mi", "1", "1Gi"),
        operator: resources("100m", "256Mi", "500m", "512Mi"),
        kubeStateMetrics: resources("50m", "256Mi", "500m", "512Mi"),
        nodeExporter: resources("20m", "64Mi", "200m", "128Mi"),
        sidecar: resources("20m", "64Mi", "200m", "128Mi"),
        loki: resources("500m", "1Gi", "2", "2Gi"),
        alloy: resources("100m", "256Mi", "1", "512Mi"),
        adapter: resources("100m", "128Mi", "500m", "256Mi"),
        small: resources("10m", "32Mi", "100m", "64Mi"),
    },
};

/** What happens to a StatefulSet's volumes when it is deleted (with the release, on destroy) or scaled down. */
export function volumeRetention(keepVolumes: boolean) {
    return { whenDeleted: keepVolumes ? "Retain" : "Delete", whenScaled: "Delete" };
}
