// The vendored charts the monitoring stack deploys (charts/<name>-<version>.tgz, see charts/README.md), their
// release names, and the names of the objects the charts create that other parts of the program refer to.
import * as path from "path";

export interface VendoredChart {
    name: string;
    /** The pin: equal to the file's version. Pulumi ignores `version` for a local file, so a test checks the two agree. */
    version: string;
    /** The Helm release name; the charts name their objects after it. */
    release: string;
}

export const kubePrometheusStackChart: VendoredChart = { name: "kube-prometheus-stack", version: "88.5.3", release: "kube-prometheus-stack" };
export const lokiChart: VendoredChart = { name: "loki", version: "18.11.0", release: "loki" };
export const alloyChart: VendoredChart = { name: "alloy", version: "1.11.1", release: "alloy" };
export const prometheusAdapterChart: VendoredChart = { name: "prometheus-adapter", version: "5.3.0", release: "prometheus-adapter" };

export const monitoringCharts = [kubePrometheusStackChart, lokiChart, alloyChart, prometheusAdapterChart];

/** The chart file in this repository's charts/ folder (an absolute path, as the Kubernetes provider loads it). */
export function vendoredChartFile(chart: VendoredChart): string {
    return path.join(__dirname, "..", "..", "charts", `${chart.name}-${chart.version}.tgz`);
}

/** Services the charts create (release "kube-prometheus-stack": the chart's fullname is the release name). */
export const prometheusService = `${kubePrometheusStackChart.release}-prometheus`;
export const alertmanagerService = `${kubePrometheusStackChart.release}-alertmanager`;
export const grafanaService = `${kubePrometheusStackChart.release}-grafana`;
export const lokiService = lokiChart.release;
export const prometheusPort = 9090;
export const lokiPort = 3100;
export const alertmanagerPort = 9093;
/** Loki's service account: its Pod Identity association names it. */
export const lokiServiceAccount = "loki";
/** Alertmanager's service account (the chart's default name, set explicitly): its Pod Identity association names it. */
export const alertmanagerServiceAccount = `${kubePrometheusStackChart.release}-alertmanager`;

/** The label Grafana's dashboard sidecar watches for (the chart's default), on ConfigMaps in its own namespace. */
export const grafanaDashboardLabel = { grafana_dashboard: "1" };
/** The ConfigMap annotation naming a dashboard's Grafana folder, which the sidecar reads (its folderAnnotation). */
export const grafanaFolderAnnotation = "grafana_folder";

/** The pod labels the charts give each component, for NetworkPolicy selectors (tests hold them to the renders). */
export const podLabels = {
    prometheus: { "app.kubernetes.io/name": "prometheus" },
    alertmanager: { "app.kubernetes.io/name": "alertmanager" },
    grafana: { "app.kubernetes.io/name": "grafana" },
    loki: { "app.kubernetes.io/name": "loki", "app.kubernetes.io/component": "single-binary" },
    alloy: { "app.kubernetes.io/name": "alloy" },
    prometheusAdapter: { "app.kubernetes.io/name": "prometheus-adapter" },
};
/** The selector kube-prometheus-stack's Prometheus uses for rules, monitors and probes (`release: <release>`). */
export const prometheusSelectorLabels = { release: kubePrometheusStackChart.release };
