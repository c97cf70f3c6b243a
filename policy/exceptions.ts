import { PolicyException } from "./lib/exceptions";

/**
 * Resources exempt from one policy each, with the reason; reviewed like any change to the guardrails.
 * Example: { policy: "k8s-read-only-root-filesystem", type: "kubernetes:apps/v1:Deployment", name: "legacy",
 * reason: "writes its cache to /var/cache; replaced in #42" }. See README.md, "Exceptions".
 */
export const policyExceptions: PolicyException[] = [
    {
        policy: "eks-no-public-endpoint-in-production",
        type: "eks:index:Cluster",
        name: "cluster",
        reason: "production's deploy workflow runs on GitHub-hosted runners, which have no stable addresses; the API admits them by IAM and access entries alone, acknowledged with eks-app:clusterEndpointOpenToInternet in Pulumi.prod.yaml (README: Reaching the Kubernetes API)",
    },
    {
        policy: "k8s-namespace-pod-security",
        type: "kubernetes:core/v1:Namespace",
        name: "monitoring-node-agents",
        reason: "node-exporter (host network, PID namespace, /proc) and Alloy (the node's /var/log, its read positions on the node) need host access, which Pod Security admits only at privileged; only these two node agents run there (the rest of monitoring enforces restricted), and the namespace warns at baseline",
    },
    // The redis-ha chart's StatefulSet (tests/redis/chart.test.ts renders it as redis-ha/<object name>). Each is a
    // choice of the upstream chart that its values cannot change, or not safely without a cluster to prove it.
    {
        policy: "k8s-high-user-id",
        type: "kubernetes:apps/v1:StatefulSet",
        name: "redis-ha/redis-ha-server",
        reason: "the chart runs Redis, Sentinel and the exporter as uid 1000, which owns the data volume (fsGroup 1000); changing it re-owns existing AOF files on the next start, a migration not tried without a cluster. Pod Security restricted (non-root, no privilege escalation, all capabilities dropped) still holds",
    },
    {
        policy: "k8s-read-only-root-filesystem",
        type: "kubernetes:apps/v1:StatefulSet",
        name: "redis-ha/redis-ha-server",
        reason: "the chart offers no readOnlyRootFilesystem for its init, Redis, Sentinel, split-brain and exporter containers short of replacing containerSecurityContext wholesale, and whether Sentinel's CONFIG REWRITE and the init script's sed work on a read-only root was not verifiable here",
    },
    {
        policy: "k8s-distinct-probes",
        type: "kubernetes:apps/v1:StatefulSet",
        name: "redis-ha/redis-ha-server",
        reason: "the chart gives Sentinel and the exporter one health command for both probes (a PING and an HTTP GET /metrics); the values expose their timings, not what they check",
    },
    {
        policy: "k8s-high-user-id",
        type: "kubernetes:apps/v1:Deployment",
        name: "redis-ha/redis-ha-haproxy",
        reason: "the HAProxy image runs as uid 99 (haproxy), which the chart sets to match; restricted Pod Security still holds",
    },
    {
        policy: "k8s-read-only-root-filesystem",
        type: "kubernetes:apps/v1:Deployment",
        name: "redis-ha/redis-ha-haproxy",
        reason: "the chart's containerSecurityContext for HAProxy and its config-init has no read-only root, and whether HAProxy's runtime files work without one was not verifiable here",
    },
    {
        policy: "k8s-distinct-probes",
        type: "kubernetes:apps/v1:Deployment",
        name: "redis-ha/redis-ha-haproxy",
        reason: "the chart probes HAProxy's own /healthz monitor-uri for both, which answers while the process runs: no dependency's outage restarts it",
    },
    // Objects rendered from the vendored monitoring charts (tests/monitoring/charts.test.ts names them
    // <release>/<object name>); each is a choice of the upstream chart that its values cannot change.
    {
        policy: "k8s-container-probes",
        type: "kubernetes:apps/v1:Deployment",
        name: "kube-prometheus-stack/kube-prometheus-stack-grafana",
        reason: "the chart's dashboard and data-source sidecars (k8s-sidecar) expose no health endpoint; they only copy labelled ConfigMaps into Grafana, which has its own probes",
    },
    {
        policy: "k8s-distinct-probes",
        type: "kubernetes:apps/v1:Deployment",
        name: "kube-prometheus-stack/kube-prometheus-stack-grafana",
        reason: "Grafana has one health endpoint (/api/health), which checks only its own local database: no outage elsewhere can fail it",
    },
    {
        policy: "k8s-distinct-probes",
        type: "kubernetes:apps/v1:DaemonSet",
        name: "kube-prometheus-stack/kube-prometheus-stack-prometheus-node-exporter",
        reason: "node-exporter has one endpoint and no dependency; liveness and readiness both just ask whether it answers",
    },
    {
        policy: "k8s-distinct-probes",
        type: "kubernetes:apps/v1:Deployment",
        name: "kube-prometheus-stack/kube-prometheus-stack-operator",
        reason: "the operator has one health endpoint, which depends on nothing but the process",
    },
    {
        policy: "k8s-distinct-probes",
        type: "kubernetes:apps/v1:Deployment",
        name: "prometheus-adapter/prometheus-adapter",
        reason: "the adapter's /healthz and /readyz are the apiserver library's, answered by the process itself; the chart points both probes at them",
    },
    {
        policy: "k8s-run-as-non-root",
        type: "kubernetes:apps/v1:DaemonSet",
        name: "alloy/alloy",
        reason: "Alloy reads the node's pod log files under /var/log/pods, which the container runtime (containerd) writes root-owned (0640); it runs with no capability, no privilege escalation and a read-only root filesystem",
    },
    {
        policy: "k8s-high-user-id",
        type: "kubernetes:apps/v1:DaemonSet",
        name: "alloy/alloy",
        reason: "runs as root to read the node's pod log files (see k8s-run-as-non-root)",
    },
    {
        policy: "k8s-no-service-account-token",
        type: "kubernetes:apps/v1:Deployment",
        name: "kube-prometheus-stack/kube-prometheus-stack-grafana",
        reason: "Grafana's sidecars watch the API for labelled dashboard and data-source ConfigMaps",
    },
    {
        policy: "k8s-no-service-account-token",
        type: "kubernetes:apps/v1:Deployment",
        name: "kube-prometheus-stack/kube-prometheus-stack-kube-state-metrics",
        reason: "kube-state-metrics lists and watches the objects it reports on",
    },
    {
        policy: "k8s-no-service-account-token",
        type: "kubernetes:apps/v1:Deployment",
        name: "kube-prometheus-stack/kube-prometheus-stack-operator",
        reason: "the Prometheus Operator manages StatefulSets, Secrets and ConfigMaps through the API",
    },
    {
        policy: "k8s-no-service-account-token",
        type: "kubernetes:apps/v1:Deployment",
        name: "prometheus-adapter/prometheus-adapter",
        reason: "an aggregated API server: it checks every request's credentials with the API server (TokenReview, SubjectAccessReview)",
    },
    {
        policy: "k8s-no-service-account-token",
        type: "kubernetes:apps/v1:DaemonSet",
        name: "alloy/alloy",
        reason: "Alloy discovers the pods of its node through the API to label their logs",
    },
    {
        policy: "k8s-rollout-keeps-capacity",
        type: "kubernetes:apps/v1:Deployment",
        name: "kube-prometheus-stack/kube-prometheus-stack-kube-state-metrics",
        reason: "the chart exposes only the strategy's type; one replica of a metrics exporter pauses for seconds during a rollout, which no user sees",
    },
];
