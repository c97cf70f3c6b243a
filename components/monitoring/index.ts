import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { PodPlacement } from "../autoscaling";
import { AwsContext } from "../iam-documents";
import { labelsFor, podSecurityLabels } from "../labels";
import { AlertTopics, AlertTopicsArgs } from "./alert-topics";
import { dashboards, resolveRunbookUrls, ruleFiles } from "./as-code";
import {
    alertmanagerServiceAccount,
    alloyChart,
    grafanaDashboardLabel,
    grafanaFolderAnnotation,
    grafanaService,
    kubePrometheusStackChart,
    lokiChart,
    lokiServiceAccount,
    prometheusAdapterChart,
    prometheusSelectorLabels,
    VendoredChart,
    vendoredChartFile,
} from "./charts";
import { LogBucket } from "./log-bucket";
import { alloyConfig, alloyValues, LogStorage, lokiPushUrl, lokiQueryUrl, lokiValues } from "./logs-values";
import { monitoringNetworkPolicies, prometheusAdapterServiceMonitor } from "./network";
import { kubePrometheusStackRbacResources } from "./operator-rbac";
import { MonitoringSizing } from "./sizing";
import {
    alertHeartbeatUrlKey,
    alertReceiverSecretName,
    alertReceiverUrlKey,
    AlertRouting,
    alertTicketReceiverUrlKey,
    kubePrometheusStackValues,
    prometheusAdapterValues,
} from "./values";
import { IamPlacement } from "../pod-identity";

const grafanaAdminSecretName = "grafana-admin";

export { logBucketExists, logBucketName } from "./log-bucket";
export { requestsPerSecondMetric } from "./values";

export interface MonitoringArgs {
    /** Prometheus, Alertmanager, Grafana, Loki and the adapter: Pod Security "restricted". */
    namespace: string;
    /** node-exporter and Alloy, which need the node's /proc, /sys and /var/log: Pod Security "privileged". */
    nodeAgentNamespace: string;
    podSecurityVersion: string;
    /** Undefined uses the cluster's default StorageClass (local clusters). */
    storageClassName?: string;
    sizing: MonitoringSizing;
    alerting: {
        /** How the receiver URLs are called: a generic webhook (JSON) or a Slack incoming webhook. */
        receiverType: "webhook" | "slack";
        /** Secret. Where critical alerts (pages) go, besides the page topic. */
        receiverUrl?: pulumi.Input<string>;
        /** Secret. Where warnings (tickets) go, besides the ticket topic. */
        ticketReceiverUrl?: pulumi.Input<string>;
        /** Secret. A dead man's switch service that expects the DeadMansSwitch alert every 5 minutes. */
        heartbeatUrl?: pulumi.Input<string>;
        /** AWS: SNS topics for pages and tickets, which Alertmanager publishes to through EKS Pod Identity. */
        topics?: Omit<AlertTopicsArgs, "namespace" | "serviceAccount">;
        /** What each alert's repository-relative runbook_url (docs/runbook.md#alert-<name>) is resolved against (unset: left relative). */
        runbookBaseUrl?: string;
    };
    /** On AWS: the NodePools the monitoring pods run on; the node agents run on every node. Unset: anywhere. */
    placement?: PodPlacement;
    /** Grafana behind an internal (VPC-only) NLB; otherwise reached with kubectl port-forward only. */
    grafanaInternalLoadBalancer: boolean;
    /** Loki on its volume, or in an S3 bucket of its own (AWS only). */
    logStorage:
        | { kind: "filesystem" }
        | { kind: "s3"; aws: AwsContext; iam: IamPlacement; clusterName: string; cluster: pulumi.Input<string>; adoptExisting: boolean };
    /** The app's pods, whose JSON log lines Alloy parses. */
    app: { namespace: string; container: string };
}

/**
 * Metrics, logs, dashboards and alerts: kube-prometheus-stack (operator, Prometheus, Alertmanager, Grafana,
 * kube-state-metrics, node-exporter), Loki, Alloy and prometheus-adapter from the vendored charts, with the rules
 * and dashboards in monitoring/.
 */
export class Monitoring extends pulumi.ComponentResource {
    /** The kube-prometheus-stack release: ServiceMonitors, PodMonitors and PrometheusRules elsewhere wait for its CRDs. */
    readonly crds: pulumi.Resource;
    readonly grafanaAdminPassword: pulumi.Output<string>;
    readonly grafanaPortForwardCommand: string;
    readonly logBucketName?: pulumi.Output<string>;
    /** The SNS topics alerts are published to (AWS): subscribe the on-call rotation to the page topic. */
    readonly alertPageTopicArn?: pulumi.Output<string>;
    readonly alertTicketTopicArn?: pulumi.Output<string>;

    constructor(name: string, args: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
        super("eks-app:monitoring:Monitoring", name, {}, opts);
        const parent = this;
        const labels = labelsFor("monitoring");

        // Every pod the charts render here meets "restricted" (tests/monitoring/charts.test.ts).
        const namespace = new k8s.core.v1.Namespace(
            name,
            { metadata: { name: args.namespace, labels: { ...labels, ...podSecurityLabels("restricted", args.podSecurityVersion) } } },
            { parent },
        );
        const ns = namespace.metadata.name;
        const alertmanagerDependsOn: pulumi.Resource[] = [];
        // node-exporter (host network, PID and /proc) and Alloy (the node's /var/log, its positions on the node) need
        // host access, which Pod Security admits only at privileged: they, and nothing else, live here.
        const nodeAgentNamespace = new k8s.core.v1.Namespace(
            `${name}-node-agents`,
            {
                metadata: {
                    name: args.nodeAgentNamespace,
                    labels: {
                        ...labels,
                        "pod-security.kubernetes.io/enforce": "privileged",
                        "pod-security.kubernetes.io/enforce-version": args.podSecurityVersion,
                        "pod-security.kubernetes.io/warn": "baseline",
                        "pod-security.kubernetes.io/warn-version": args.podSecurityVersion,
                    },
                },
            },
            { parent },
        );

        let routing: AlertRouting = { page: {}, ticket: {}, heartbeat: args.alerting.heartbeatUrl !== undefined };
        if (args.alerting.topics) {
            const topics = new AlertTopics(
                `${name}-alerts`,
                { ...args.alerting.topics, namespace: args.namespace, serviceAccount: alertmanagerServiceAccount },
                { parent },
            );
            this.alertPageTopicArn = topics.pageTopicArn;
            this.alertTicketTopicArn = topics.ticketTopicArn;
            routing = {
                ...routing,
                page: { sns: { topicArn: topics.pageTopicArn, region: args.alerting.topics.aws.region } },
                ticket: { sns: { topicArn: topics.ticketTopicArn, region: args.alerting.topics.aws.region } },
            };
            alertmanagerDependsOn.push(...topics.ready);
        }
        if (args.alerting.receiverUrl !== undefined) routing.page = { ...routing.page, url: args.alerting.receiverType };
        if (args.alerting.ticketReceiverUrl !== undefined) routing.ticket = { ...routing.ticket, url: args.alerting.receiverType };

        this.grafanaAdminPassword = pulumi.secret(
            new random.RandomPassword(`${name}-grafana-admin`, { length: 32, special: false }, { parent }).result,
        );
        const grafanaAdmin = new k8s.core.v1.Secret(
            `${name}-grafana-admin`,
            {
                metadata: { name: grafanaAdminSecretName, namespace: ns, labels },
                type: "Opaque",
                stringData: { "admin-user": "admin", "admin-password": this.grafanaAdminPassword },
            },
            { parent },
        );

        const receiverUrls: Record<string, pulumi.Input<string>> = {};
        if (args.alerting.receiverUrl !== undefined) receiverUrls[alertReceiverUrlKey] = pulumi.secret(args.alerting.receiverUrl);
        if (args.alerting.ticketReceiverUrl !== undefined) receiverUrls[alertTicketReceiverUrlKey] = pulumi.secret(args.alerting.ticketReceiverUrl);
        if (args.alerting.heartbeatUrl !== undefined) receiverUrls[alertHeartbeatUrlKey] = pulumi.secret(args.alerting.heartbeatUrl);
        const receiverSecret =
            Object.keys(receiverUrls).length > 0
                ? [
                      new k8s.core.v1.Secret(
                          `${name}-alert-receiver`,
                          { metadata: { name: alertReceiverSecretName, namespace: ns, labels }, type: "Opaque", stringData: receiverUrls },
                          { parent },
                      ),
                  ]
                : [];

        const release = (
            chart: VendoredChart,
            values: pulumi.Input<object>,
            dependsOn: pulumi.Resource[],
            releaseNamespace: pulumi.Input<string> = ns,
            options: pulumi.CustomResourceOptions = {},
        ) =>
            new k8s.helm.v3.Release(
                `${name}-${chart.name}`,
                {
                    name: chart.release,
                    chart: vendoredChartFile(chart),
                    version: chart.version,
                    namespace: releaseNamespace,
                    values,
                    // First installs pull images and bind volumes: well past the default 300 s.
                    timeout: 900,
                    atomic: true,
                    cleanupOnFail: true,
                    maxHistory: 10,
                },
                { parent, dependsOn, ...options },
            );

        // Instead of the chart's: the operator reads and writes Secrets in this namespace only (operator-rbac.ts).
        const rbac = kubePrometheusStackRbacResources(`${name}-rbac`, args.namespace, labels, { parent, dependsOn: [namespace] });
        const stack = release(
            kubePrometheusStackChart,
            kubePrometheusStackValues({
                namespace: args.namespace,
                sizing: args.sizing,
                storageClassName: args.storageClassName,
                routing,
                grafanaAdminSecret: grafanaAdminSecretName,
                grafanaInternalLoadBalancer: args.grafanaInternalLoadBalancer,
                lokiUrl: lokiQueryUrl(args.namespace),
                nodeAgentNamespace: args.nodeAgentNamespace,
                placement: args.placement,
            }),
            // node-exporter goes to the node agents' namespace; Alertmanager publishes with its Pod Identity role; RBAC first.
            [grafanaAdmin, ...receiverSecret, nodeAgentNamespace, ...alertmanagerDependsOn, ...rbac],
        );
        this.crds = stack;

        for (const rules of ruleFiles()) {
            new k8s.apiextensions.CustomResource(
                `${name}-rules-${rules.name}`,
                {
                    apiVersion: "monitoring.coreos.com/v1",
                    kind: "PrometheusRule",
                    metadata: { name: `eks-app-${rules.name}`, namespace: ns, labels: { ...labels, ...prometheusSelectorLabels } },
                    spec: { groups: resolveRunbookUrls(rules.groups, args.alerting.runbookBaseUrl) },
                },
                // The PrometheusRule CRD comes with the release.
                { parent, dependsOn: [stack] },
            );
        }
        for (const dashboard of dashboards()) {
            new k8s.core.v1.ConfigMap(
                `${name}-dashboard-${dashboard.name}`,
                {
                    metadata: {
                        name: `eks-app-dashboard-${dashboard.name}`,
                        namespace: ns,
                        labels: { ...labels, ...grafanaDashboardLabel },
                        annotations: { [grafanaFolderAnnotation]: "eks-app" },
                    },
                    data: { [`${dashboard.name}.json`]: dashboard.json },
                },
                { parent },
            );
        }

        let logStorage: LogStorage = { kind: "filesystem" };
        const lokiDependsOn: pulumi.Resource[] = [];
        if (args.logStorage.kind === "s3") {
            const bucket = new LogBucket(
                `${name}-logs`,
                { ...args.logStorage, namespace: args.namespace, serviceAccount: lokiServiceAccount, protect: args.sizing.keepVolumes },
                { parent },
            );
            this.logBucketName = bucket.bucketName;
            lokiDependsOn.push(...bucket.ready);
            logStorage = { kind: "s3", bucketName: bucket.bucketName, region: args.logStorage.aws.region };
        }
        // After kube-prometheus-stack: Loki's chart creates a ServiceMonitor, whose CRD that release installs.
        const loki = release(lokiChart, lokiValues({ sizing: args.sizing, storage: logStorage, storageClassName: args.storageClassName, placement: args.placement }), [
            namespace,
            stack,
            ...lokiDependsOn,
        ]);
        release(
            alloyChart,
            alloyValues({
                config: alloyConfig({ lokiPushUrl: lokiPushUrl(args.namespace), appNamespace: args.app.namespace, appContainer: args.app.container }),
                sizing: args.sizing,
            }),
            [loki, nodeAgentNamespace],
            nodeAgentNamespace.metadata.name,
            // Moved from the monitoring namespace by a replace: its ClusterRole keeps its name, which Helm refuses to
            // give a second release, so the old release goes first (shipping pauses for a minute once).
            { deleteBeforeReplace: true },
        );
        const adapter = release(
            prometheusAdapterChart,
            prometheusAdapterValues({ namespace: args.namespace, replicas: Math.min(args.sizing.prometheusReplicas, 2), tier: args.sizing.resourceTier, placement: args.placement }),
            // It answers the HPA from Prometheus, which the stack's release brings.
            [stack],
        );
        // The adapter's chart has no ServiceMonitor of its own; the CRD comes with the stack's release.
        new k8s.apiextensions.CustomResource(`${name}-prometheus-adapter-metrics`, prometheusAdapterServiceMonitor(args.namespace, labels), {
            parent,
            dependsOn: [stack, adapter],
        });
        for (const policy of monitoringNetworkPolicies({ namespace: args.namespace, nodeAgentNamespace: args.nodeAgentNamespace })) {
            new k8s.networking.v1.NetworkPolicy(`${name}-${policy.metadata.name}`, { ...policy, metadata: { ...policy.metadata, namespace: ns, labels } }, { parent });
        }

        this.grafanaPortForwardCommand = `kubectl -n ${args.namespace} port-forward svc/${grafanaService} 3000:80`;
        this.registerOutputs({
            grafanaPortForwardCommand: this.grafanaPortForwardCommand,
            logBucketName: this.logBucketName,
            alertPageTopicArn: this.alertPageTopicArn,
            alertTicketTopicArn: this.alertTicketTopicArn,
        });
    }
}
