// Chart values for kube-prometheus-stack and prometheus-adapter, as plain data so tests render them with real Helm.
import * as pulumi from "@pulumi/pulumi";
import type { PodPlacement } from "../autoscaling";
import { alertmanagerServiceAccount, grafanaDashboardLabel, grafanaFolderAnnotation, prometheusPort, prometheusService } from "./charts";
import { operatorNamespaceValues } from "./operator-rbac";
import { componentResources, MonitoringSizing, ResourceTier, volumeRetention } from "./sizing";

/** Where the Alertmanager finds the receiver URLs: the Secret the component writes, mounted by the operator. */
export const alertReceiverSecretName = "alertmanager-receiver";
const secretsMountDir = `/etc/alertmanager/secrets/${alertReceiverSecretName}`;
export const alertReceiverUrlKey = "url";
export const alertTicketReceiverUrlKey = "ticket-url";
export const alertHeartbeatUrlKey = "heartbeat-url";

/** How often Prometheus scrapes every target and evaluates the rules; rule windows span at least 4 of these. */
export const scrapeIntervalSeconds = 30;

/** An SNS topic Alertmanager publishes to through the AWS SDK's default credentials (EKS Pod Identity here). */
export interface SnsTopic {
    topicArn: pulumi.Input<string>;
    region: string;
}

/**
 * Where alerts go. Critical alerts page, warnings open tickets: each severity has its own receiver, made of the
 * SNS topic the program creates for it (AWS) and a URL given in config. A severity with neither stays visible in
 * Alertmanager only; `info` and `none` never leave it (the heartbeat aside).
 */
export interface AlertRouting {
    page: { sns?: SnsTopic; url?: "webhook" | "slack" };
    ticket: { sns?: SnsTopic; url?: "webhook" | "slack" };
    /** A heartbeat URL (a dead man's switch service) gets DeadMansSwitch every 5 minutes. */
    heartbeat: boolean;
}

/** Whether any receiver reads a URL from the mounted Secret. */
export function routingReadsSecret(routing: AlertRouting): boolean {
    return routing.page.url !== undefined || routing.ticket.url !== undefined || routing.heartbeat;
}

/**
 * kube-prometheus-stack's own inhibition (values.yaml `alertmanager.config.inhibit_rules`): a critical alert
 * silences the warning and info alerts of the same name and namespace, a warning the info ones, and the chart's
 * InfoInhibitor (always firing) silences every info alert of its namespace, so the chart's info alerts reach no one.
 */
const chartInhibitRules = [
    { source_matchers: ["severity = critical"], target_matchers: ["severity =~ warning|info"], equal: ["namespace", "alertname"] },
    { source_matchers: ["severity = warning"], target_matchers: ["severity = info"], equal: ["namespace", "alertname"] },
    { source_matchers: ["alertname = InfoInhibitor"], target_matchers: ["severity = info"], equal: ["namespace"] },
    { target_matchers: ["alertname = InfoInhibitor"] },
];

/** Alertmanager's configuration. URLs are read from files (`url_file`, `api_url_file`), so they never enter Helm values. */
export function alertmanagerConfig(routing: AlertRouting) {
    const urlConfig = (kind: "webhook" | "slack", key: string) =>
        kind === "slack"
            ? { slack_configs: [{ api_url_file: `${secretsMountDir}/${key}`, send_resolved: true, title: '{{ .CommonLabels.alertname }} ({{ .Status }})', text: "{{ range .Alerts }}{{ .Annotations.summary }}\n{{ end }}" }] }
            : { webhook_configs: [{ url_file: `${secretsMountDir}/${key}`, send_resolved: true }] };
    // No keys: the SDK's default chain finds the Pod Identity credentials EKS injects into the pod.
    const snsConfig = (topic: SnsTopic) => ({ sns_configs: [{ topic_arn: topic.topicArn, sigv4: { region: topic.region }, send_resolved: true }] });
    const receiver = (name: string, target: AlertRouting["page"], urlKey: string) =>
        target.sns === undefined && target.url === undefined
            ? undefined
            : { name, ...(target.sns ? snsConfig(target.sns) : {}), ...(target.url ? urlConfig(target.url, urlKey) : {}) };
    const page = receiver("page", routing.page, alertReceiverUrlKey);
    const ticket = receiver("ticket", routing.ticket, alertTicketReceiverUrlKey);
    const heartbeat = routing.heartbeat ? { name: "heartbeat", ...urlConfig("webhook", alertHeartbeatUrlKey) } : undefined;
    return {
        global: { resolve_timeout: "5m" },
        inhibit_rules: chartInhibitRules,
        route: {
            // What no route below takes (severity info or none): kept in Alertmanager.
            receiver: "null",
            group_by: ["namespace", "alertname"],
            group_wait: "30s",
            group_interval: "5m",
            repeat_interval: "4h",
            routes: [
                { receiver: heartbeat ? "heartbeat" : "null", matchers: ['alertname = "DeadMansSwitch"'], group_wait: "0s", repeat_interval: "5m" },
                { receiver: "null", matchers: ['alertname = "InfoInhibitor"'] },
                { receiver: page ? "page" : "null", matchers: ['severity = "critical"'] },
                // A ticket is read in working hours: reminded daily, not every 4 hours.
                { receiver: ticket ? "ticket" : "null", matchers: ['severity = "warning"'], repeat_interval: "24h" },
            ],
        },
        receivers: [{ name: "null" }, ...[page, ticket, heartbeat].filter((r) => r !== undefined)],
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
    /** The release's namespace: the only one the operator runs Prometheus and Alertmanager in, and reads Secrets in. */
    namespace: string;
    sizing: MonitoringSizing;
    storageClassName?: string;
    routing: AlertRouting;
    /** The Secret with admin-user and admin-password the program generates. */
    grafanaAdminSecret: string;
    /** An internal (VPC-only) NLB for Grafana on AWS; otherwise ClusterIP, reached by port-forward. */
    grafanaInternalLoadBalancer: boolean;
    /** Loki's URL, for Grafana's data source. */
    lokiUrl: string;
    /** The namespace of the node agents (node-exporter here, Alloy): Pod Security admits them only at privileged. */
    nodeAgentNamespace: string;
    /** On AWS: the NodePools the monitoring pods run on (production: on-demand). Not the node agents, which go everywhere. */
    placement?: PodPlacement;
}

/** The affinity and tolerations of a placement, as the charts take them; nothing without one. */
export function placementValues(placement?: PodPlacement): { affinity?: PodPlacement["affinity"]; tolerations?: PodPlacement["tolerations"] } {
    return placement ? { affinity: placement.affinity, tolerations: placement.tolerations } : {};
}

/** Node agents run on every node, whatever taint a NodePool (or EKS) puts on it. */
export const tolerateEveryTaint = [{ operator: "Exists" }];

export function kubePrometheusStackValues(args: KubePrometheusStackValueArgs) {
    const size = componentResources[args.sizing.resourceTier];
    // With more than one replica, a voluntary disruption (node drain) may take one at a time.
    const disruptionBudget = (replicas: number) => ({ enabled: replicas > 1, minAvailable: Math.max(replicas - 1, 1) });
    const placed = placementValues(args.placement);
    return {
        // The operator's, Prometheus's and the admission job's RBAC come from the program (operator-rbac.ts): the
        // chart's operator ClusterRole reads every Secret in the cluster, and this is the only switch for it.
        global: { rbac: { create: false } },
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
            // Named explicitly: its EKS Pod Identity association (publishing to the SNS topics) names it.
            serviceAccount: { create: true, name: alertmanagerServiceAccount },
            podDisruptionBudget: disruptionBudget(args.sizing.alertmanagerReplicas),
            alertmanagerSpec: {
                replicas: args.sizing.alertmanagerReplicas,
                retention: "120h",
                storage: { volumeClaimTemplate: volumeClaim("2Gi", args.storageClassName) },
                persistentVolumeClaimRetentionPolicy: volumeRetention(args.sizing.keepVolumes),
                secrets: routingReadsSecret(args.routing) ? [alertReceiverSecretName] : [],
                resources: size.alertmanager,
                topologySpreadConstraints: zoneSpread({ "app.kubernetes.io/name": "alertmanager" }),
                ...placed,
            },
        },
        prometheus: {
            podDisruptionBudget: disruptionBudget(args.sizing.prometheusReplicas),
            prometheusSpec: {
                replicas: args.sizing.prometheusReplicas,
                scrapeInterval: `${scrapeIntervalSeconds}s`,
                evaluationInterval: `${scrapeIntervalSeconds}s`,
                retention: args.sizing.prometheusRetention,
                retentionSize: retentionSize(args.sizing.prometheusStorageSize),
                storageSpec: { volumeClaimTemplate: volumeClaim(args.sizing.prometheusStorageSize, args.storageClassName) },
                persistentVolumeClaimRetentionPolicy: volumeRetention(args.sizing.keepVolumes),
                resources: size.prometheus,
                // Replaying a large write-ahead log takes minutes. Set explicitly: the chart's default 0 is rendered
                // as is (its `if` sees a JSON number) and the CRD's minimum is 60.
                maximumStartupDurationSeconds: 900,
                topologySpreadConstraints: zoneSpread({ "app.kubernetes.io/name": "prometheus" }),
                ...placed,
                // Pick up every PrometheusRule, ServiceMonitor and PodMonitor, not only those labelled for this release.
                ruleSelectorNilUsesHelmValues: false,
                serviceMonitorSelectorNilUsesHelmValues: false,
                podMonitorSelectorNilUsesHelmValues: false,
                probeSelectorNilUsesHelmValues: false,
                scrapeConfigSelectorNilUsesHelmValues: false,
            },
        },
        prometheusOperator: {
            ...operatorNamespaceValues(args.namespace),
            resources: size.operator,
            strategy: surgeFirst,
            ...placed,
            admissionWebhooks: { patch: { resources: size.small, ...placed } },
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
            // Grafana 12.4+ installs plugins into the system temp directory; the root filesystem is read-only.
            extraEmptyDirMounts: [{ name: "tmp", mountPath: "/tmp" }],
            // A Role in its own namespace, not a ClusterRole: the sidecars read ConfigMaps and Secrets there only.
            rbac: { namespaced: true },
            ...placed,
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
                // Its own namespace only (null): the program writes every dashboard ConfigMap there. Folders from the
                // grafana_folder annotation, which the provider turns into Grafana folders.
                dashboards: {
                    label: Object.keys(grafanaDashboardLabel)[0],
                    labelValue: Object.values(grafanaDashboardLabel)[0],
                    searchNamespace: null,
                    folderAnnotation: grafanaFolderAnnotation,
                    provider: { foldersFromFilesStructure: true },
                },
            },
            additionalDataSources: [{ name: "Loki", uid: "loki", type: "loki", access: "proxy", url: args.lokiUrl, editable: false }],
            // Sign-up and anonymous access are off by default in Grafana; usage reports are not.
            env: { GF_ANALYTICS_REPORTING_ENABLED: "false", GF_ANALYTICS_CHECK_FOR_UPDATES: "false" },
        },
        // Without the Secrets collector, kube-state-metrics needs no right to list every Secret in the cluster.
        "kube-state-metrics": { resources: size.kubeStateMetrics, collectorsExclude: ["secrets"], ...placed },
        "prometheus-node-exporter": {
            namespaceOverride: args.nodeAgentNamespace,
            // The chart tolerates NoSchedule taints only; a NoExecute taint would evict it.
            tolerations: tolerateEveryTaint,
            resources: size.nodeExporter,
            // Reads /proc and /sys mounted read-only: no privilege or capability needed.
            containerSecurityContext: restrictedContainer,
            securityContext: { seccompProfile: { type: "RuntimeDefault" } },
        },
    };
}

/** prometheus-adapter's rule: the recorded per-pod request rate served as the custom metric http_requests_per_second. */
export const requestsPerSecondMetric = "http_requests_per_second";
export const requestsPerSecondSeries = "namespace_pod:http_requests:rate2m";

export function prometheusAdapterValues(args: { namespace: string; replicas: number; tier: ResourceTier; placement?: PodPlacement }) {
    return {
        ...placementValues(args.placement),
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
