// Chart values for kube-prometheus-stack and prometheus-adapter, as plain data so tests render them with real Helm.
import { grafanaDashboardLabel, prometheusPort, prometheusService } from "./monitoring-charts";
import { componentResources, MonitoringSizing, ResourceTier, volumeRetention } from "./monitoring-sizing";

/** Where the Alertmanager finds the receiver URL: the Secret the component writes, mounted by the operator. */
export const alertReceiverSecretName = "alertmanager-receiver";
const secretsMountDir = `/etc/alertmanager/secrets/${alertReceiverSecretName}`;
export const alertReceiverUrlKey = "url";
export const alertHeartbeatUrlKey = "heartbeat-url";

export interface AlertRouting {
    /** The receiver given in config; none keeps every alert visible in Alertmanager only. */
    receiver?: "webhook" | "slack";
    /** A heartbeat URL (a dead man's switch service) gets DeadMansSwitch every 5 minutes. */
    heartbeat: boolean;
}

/** Alertmanager's configuration. URLs are read from files (`url_file`, `api_url_file`), so they never enter Helm values. */
export function alertmanagerConfig(routing: AlertRouting) {
    const receiver = (name: string, kind: "webhook" | "slack", key: string) =>
        kind === "slack"
            ? { name, slack_configs: [{ api_url_file: `${secretsMountDir}/${key}`, send_resolved: true, title: '{{ .CommonLabels.alertname }} ({{ .Status }})', text: "{{ range .Alerts }}{{ .Annotations.summary }}\n{{ end }}" }] }
            : { name, webhook_configs: [{ url_file: `${secretsMountDir}/${key}`, send_resolved: true }] };
    const receivers: object[] = [{ name: "null" }];
    if (routing.receiver) receivers.push(receiver("default", routing.receiver, alertReceiverUrlKey));
    if (routing.heartbeat) receivers.push(receiver("heartbeat", "webhook", alertHeartbeatUrlKey));
    return {
        global: { resolve_timeout: "5m" },
        // A critical alert silences the warning of the same name and namespace.
        inhibit_rules: [{ source_matchers: ["severity = critical"], target_matchers: ["severity = warning"], equal: ["namespace", "alertname"] }],
        route: {
            receiver: routing.receiver ? "default" : "null",
            group_by: ["namespace", "alertname"],
            group_wait: "30s",
            group_interval: "5m",
            repeat_interval: "4h",
            routes: [
                { receiver: routing.heartbeat ? "heartbeat" : "null", matchers: ['alertname = "DeadMansSwitch"'], group_wait: "0s", repeat_interval: "5m" },
                { receiver: "null", matchers: ['alertname = "InfoInhibitor"'] },
            ],
        },
        receivers,
    };
}

/** One pod at a time is added before an old one goes: single-replica components keep serving through a rollout. */
const surgeFirst = { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } };
const restrictedContainer = {
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
};

const volumeClaim = (size: string, storageClassName?: string) => ({
    spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: size } }, ...(storageClassName ? { storageClassName } : {}) },
});

/** Spreads replicas over zones where they exist; a local cluster has one and schedules anyway. */
const zoneSpread = (labels: Record<string, string>) => [
    { maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: labels } },
];

/** A volume quantity in Gi or Mi, as the size Prometheus may fill before it drops old blocks (85%). */
function retentionSize(size: string): string {
    const gibibytes = size.endsWith("Gi") ? Number(size.slice(0, -2)) : Number(size.slice(0, -2)) / 1024;
    return `${Math.floor(gibibytes * 0.85 * 1024)}MB`;
}

export interface KubePrometheusStackValueArgs {
    sizing: MonitoringSizing;
    storageClassName?: string;
    routing: AlertRouting;
    /** The Secret with admin-user and admin-password the program generates. */
    grafanaAdminSecret: string;
    /** An internal (VPC-only) NLB for Grafana on AWS; otherwise ClusterIP, reached by port-forward. */
    grafanaInternalLoadBalancer: boolean;
    /** Loki's URL, for Grafana's data source. */
    lokiUrl: string;
}

export function kubePrometheusStackValues(args: KubePrometheusStackValueArgs) {
    const size = componentResources[args.sizing.resourceTier];
    // With more than one replica, a voluntary disruption (node drain) may take one at a time.
    const disruptionBudget = (replicas: number) => ({ enabled: replicas > 1, minAvailable: Math.max(replicas - 1, 1) });
    return {
        crds: { enabled: true },
        defaultRules: {
            create: true,
            // EKS runs the control plane: etcd, the scheduler and the controller manager cannot be scraped.
            rules: { etcd: false, kubeControllerManager: false, kubeSchedulerAlerting: false, kubeSchedulerRecording: false, kubeProxy: false },
            // monitoring/rules/platform.yaml owns these, tested with promtool.
            disabled: { KubePodCrashLooping: true, KubePersistentVolumeFillingUp: true, Watchdog: true },
        },
        kubeControllerManager: { enabled: false },
        kubeScheduler: { enabled: false },
        kubeEtcd: { enabled: false },
        // kube-proxy serves its metrics on 127.0.0.1 on EKS.
        kubeProxy: { enabled: false },
        alertmanager: {
            config: alertmanagerConfig(args.routing),
            podDisruptionBudget: disruptionBudget(args.sizing.alertmanagerReplicas),
            alertmanagerSpec: {
                replicas: args.sizing.alertmanagerReplicas,
                retention: "120h",
                storage: { volumeClaimTemplate: volumeClaim("2Gi", args.storageClassName) },
                persistentVolumeClaimRetentionPolicy: volumeRetention(args.sizing.keepVolumes),
                secrets: args.routing.receiver || args.routing.heartbeat ? [alertReceiverSecretName] : [],
                resources: size.alertmanager,
                topologySpreadConstraints: zoneSpread({ "app.kubernetes.io/name": "alertmanager" }),
            },
        },
        prometheus: {
            podDisruptionBudget: disruptionBudget(args.sizing.prometheusReplicas),
            prometheusSpec: {
                replicas: args.sizing.prometheusReplicas,
                retention: args.sizing.prometheusRetention,
                retentionSize: retentionSize(args.sizing.prometheusStorageSize),
                storageSpec: { volumeClaimTemplate: volumeClaim(args.sizing.prometheusStorageSize, args.storageClassName) },
                persistentVolumeClaimRetentionPolicy: volumeRetention(args.sizing.keepVolumes),
                resources: size.prometheus,
                // Replaying a large write-ahead log takes minutes. Set explicitly: the chart's default 0 is rendered
                // as is (its `if` sees a JSON number) and the CRD's minimum is 60.
                maximumStartupDurationSeconds: 900,
                topologySpreadConstraints: zoneSpread({ "app.kubernetes.io/name": "prometheus" }),
                // Pick up every PrometheusRule, ServiceMonitor and PodMonitor, not only those labelled for this release.
                ruleSelectorNilUsesHelmValues: false,
                serviceMonitorSelectorNilUsesHelmValues: false,
                podMonitorSelectorNilUsesHelmValues: false,
                probeSelectorNilUsesHelmValues: false,
                scrapeConfigSelectorNilUsesHelmValues: false,
            },
        },
        prometheusOperator: {
            resources: size.operator,
            strategy: surgeFirst,
            admissionWebhooks: { patch: { resources: size.small } },
        },
        grafana: {
            admin: { existingSecret: args.grafanaAdminSecret, userKey: "admin-user", passwordKey: "admin-password" },
            resources: size.grafana,
            deploymentStrategy: surgeFirst,
            // A high user id that is no user of the node; the image runs as any user.
            securityContext: { runAsNonRoot: true, runAsUser: 10472, runAsGroup: 10472, fsGroup: 10472, seccompProfile: { type: "RuntimeDefault" } },
            containerSecurityContext: restrictedContainer,
            // Dashboards and data sources are code; Grafana keeps no state worth a volume.
            persistence: { enabled: false },
            service: args.grafanaInternalLoadBalancer
                ? {
                      type: "LoadBalancer",
                      annotations: {
                          "service.beta.kubernetes.io/aws-load-balancer-type": "nlb",
                          "service.beta.kubernetes.io/aws-load-balancer-internal": "true",
                      },
                  }
                : { type: "ClusterIP" },
            sidecar: {
                resources: size.sidecar,
                securityContext: restrictedContainer,
                dashboards: { label: Object.keys(grafanaDashboardLabel)[0], labelValue: Object.values(grafanaDashboardLabel)[0], searchNamespace: "ALL" },
            },
            additionalDataSources: [{ name: "Loki", uid: "loki", type: "loki", access: "proxy", url: args.lokiUrl, editable: false }],
            // Sign-up and anonymous access are off by default in Grafana; usage reports are not.
            env: { GF_ANALYTICS_REPORTING_ENABLED: "false", GF_ANALYTICS_CHECK_FOR_UPDATES: "false" },
        },
        "kube-state-metrics": { resources: size.kubeStateMetrics },
        "prometheus-node-exporter": {
            resources: size.nodeExporter,
            // Reads /proc and /sys mounted read-only: no privilege or capability needed.
            containerSecurityContext: restrictedContainer,
            securityContext: { seccompProfile: { type: "RuntimeDefault" } },
        },
    };
}

/** prometheus-adapter's rule: the recorded per-pod request rate served as the custom metric http_requests_per_second. */
export const requestsPerSecondMetric = "http_requests_per_second";
export const requestsPerSecondSeries = "namespace_pod:http_requests:rate1m";

export function prometheusAdapterValues(args: { namespace: string; replicas: number; tier: ResourceTier }) {
    return {
        prometheus: { url: `http://${prometheusService}.${args.namespace}.svc`, port: prometheusPort },
        replicas: args.replicas,
        resources: componentResources[args.tier].adapter,
        strategy: surgeFirst,
        podDisruptionBudget: { enabled: args.replicas > 1, maxUnavailable: 1 },
        rules: {
            // Only what the HPA uses: CPU comes from metrics-server, so no resource rules either.
            default: false,
            custom: [
                {
                    seriesQuery: `${requestsPerSecondSeries}{namespace!="",pod!=""}`,
                    resources: { overrides: { namespace: { resource: "namespace" }, pod: { resource: "pod" } } },
                    name: { matches: `^${requestsPerSecondSeries}$`, as: requestsPerSecondMetric },
                    metricsQuery: "sum(<<.Series>>{<<.LabelMatchers>>}) by (<<.GroupBy>>)",
                },
            ],
        },
    };
}
