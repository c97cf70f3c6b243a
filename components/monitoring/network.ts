// Who may talk to Loki, Prometheus and Alertmanager: each admits its clients only. Loki takes pushes from anyone
// who reaches it (auth_enabled: false), Alertmanager's API creates silences, and Prometheus answers any query.
import { podLabels, prometheusAdapterChart, prometheusPort } from "./charts";
import { scrapeIntervalSeconds } from "./values";

type Peer = { podSelector: { matchLabels: Record<string, string> }; namespaceSelector?: { matchLabels: Record<string, string> } };
type Port = { port: number | string; protocol: "TCP" | "UDP" };

const inNamespace = (namespace: string, labels: Record<string, string>): Peer => ({
    podSelector: { matchLabels: labels },
    namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": namespace } },
});
const here = (labels: Record<string, string>): Peer => ({ podSelector: { matchLabels: labels } });
const tcp = (...ports: (number | string)[]): Port[] => ports.map((port) => ({ port, protocol: "TCP" }));

/** Loki's HTTP API (push, query, metrics), gRPC and memberlist; Alertmanager's API and its cluster gossip. */
export const lokiPorts = { http: 3100, grpc: 9095, memberlist: 7946 };
export const alertmanagerPorts = { web: 9093, cluster: 9094 };
/** The operator's config-reloader sidecar serves its metrics here, in the Prometheus and Alertmanager pods. */
const reloaderPort = 8080;

/**
 * The NetworkPolicies, as plain objects (metadata.name and spec): the component adds namespace and labels. Kubelet
 * probes come from the node, which the cluster's network policy engine admits, as for the app's and Redis's policies.
 */
export function monitoringNetworkPolicies(args: { namespace: string; nodeAgentNamespace: string }) {
    const policy = (name: string, selector: Record<string, string>, ingress: { from: Peer[]; ports: Port[] }[]) => ({
        metadata: { name },
        spec: { podSelector: { matchLabels: selector }, policyTypes: ["Ingress"], ingress },
    });
    return [
        policy("loki-ingress", podLabels.loki, [
            // Alloy pushes, Grafana queries, Prometheus scrapes.
            { from: [inNamespace(args.nodeAgentNamespace, podLabels.alloy), here(podLabels.grafana), here(podLabels.prometheus)], ports: tcp(lokiPorts.http) },
            // The single binary talks to itself through its Services (ring, queriers to ingesters).
            { from: [here(podLabels.loki)], ports: [...tcp(lokiPorts.http, lokiPorts.grpc, lokiPorts.memberlist)] },
        ]),
        policy("prometheus-ingress", podLabels.prometheus, [
            // Grafana and the adapter query; Prometheus scrapes itself and its replica.
            { from: [here(podLabels.grafana), here(podLabels.prometheusAdapter), here(podLabels.prometheus)], ports: tcp(prometheusPort) },
            { from: [here(podLabels.prometheus)], ports: tcp(reloaderPort) },
        ]),
        policy("alertmanager-ingress", podLabels.alertmanager, [
            // Prometheus sends alerts (and scrapes), Grafana shows them and their silences.
            { from: [here(podLabels.prometheus), here(podLabels.grafana)], ports: tcp(alertmanagerPorts.web) },
            { from: [here(podLabels.prometheus)], ports: tcp(reloaderPort) },
            // Replicas gossip silences and notification state over TCP and UDP.
            { from: [here(podLabels.alertmanager)], ports: [...tcp(alertmanagerPorts.cluster), { port: alertmanagerPorts.cluster, protocol: "UDP" }] },
        ]),
    ];
}

/**
 * The ServiceMonitor for prometheus-adapter, whose chart has none. It serves /metrics on its HTTPS port behind
 * delegated authorization (Prometheus's ClusterRole grants GET /metrics) with a self-signed certificate.
 */
export function prometheusAdapterServiceMonitor(namespace: string, labels: Record<string, string>) {
    return {
        apiVersion: "monitoring.coreos.com/v1",
        kind: "ServiceMonitor",
        metadata: { name: prometheusAdapterChart.release, namespace, labels },
        spec: {
            selector: { matchLabels: { ...podLabels.prometheusAdapter, "app.kubernetes.io/instance": prometheusAdapterChart.release } },
            endpoints: [
                {
                    port: "https",
                    scheme: "https",
                    path: "/metrics",
                    interval: `${scrapeIntervalSeconds}s`,
                    bearerTokenFile: "/var/run/secrets/kubernetes.io/serviceaccount/token",
                    tlsConfig: { insecureSkipVerify: true },
                },
            ],
        },
    };
}
