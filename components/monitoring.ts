import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { AwsContext } from "./iam-documents";
import { labelsFor } from "./labels";
import { dashboards, ruleFiles } from "./monitoring-as-code";
import {
    alloyChart,
    grafanaDashboardLabel,
    grafanaService,
    kubePrometheusStackChart,
    lokiChart,
    lokiServiceAccount,
    prometheusAdapterChart,
    prometheusSelectorLabels,
    VendoredChart,
    vendoredChartFile,
} from "./monitoring-charts";
import { LogBucket } from "./monitoring-log-bucket";
import { alloyConfig, alloyValues, LogStorage, lokiPushUrl, lokiQueryUrl, lokiValues } from "./monitoring-logs-values";
import { MonitoringSizing } from "./monitoring-sizing";
import { alertHeartbeatUrlKey, alertReceiverSecretName, alertReceiverUrlKey, kubePrometheusStackValues, prometheusAdapterValues } from "./monitoring-values";
import { IamPlacement } from "./pod-identity";

const grafanaAdminSecretName = "grafana-admin";

export interface MonitoringArgs {
    namespace: string;
    podSecurityVersion: string;
    /** Undefined uses the cluster's default StorageClass (local clusters). */
    storageClassName?: string;
    sizing: MonitoringSizing;
    alerting: {
        /** How the receiver URL is called: a generic webhook (JSON) or a Slack incoming webhook. */
        receiverType: "webhook" | "slack";
        /** Secret. Unset: alerts are only visible in Alertmanager's UI. */
        receiverUrl?: pulumi.Input<string>;
        /** Secret. A dead man's switch service that expects the DeadMansSwitch alert every 5 minutes. */
        heartbeatUrl?: pulumi.Input<string>;
    };
    /** Grafana behind an internal (VPC-only) NLB; otherwise reached with kubectl port-forward only. */
    grafanaInternalLoadBalancer: boolean;
    /** Loki on its volume, or in an S3 bucket of its own (AWS only). */
    logStorage:
        | { kind: "filesystem" }
        | { kind: "s3"; aws: AwsContext; iam: IamPlacement; clusterName: string; cluster: pulumi.Input<string> };
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

    constructor(name: string, args: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
        super("eks-app:monitoring:Monitoring", name, {}, opts);
        const parent = this;
        const labels = labelsFor("monitoring");

        // node-exporter (host network, PID and /proc) and Alloy (the node's /var/log) need host access.
        const namespace = new k8s.core.v1.Namespace(
            name,
            {
                metadata: {
                    name: args.namespace,
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
        const ns = namespace.metadata.name;

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

        const release = (chart: VendoredChart, values: pulumi.Input<object>, dependsOn: pulumi.Resource[]) =>
            new k8s.helm.v3.Release(
                `${name}-${chart.name}`,
                {
                    name: chart.release,
                    chart: vendoredChartFile(chart),
                    version: chart.version,
                    namespace: ns,
                    values,
                    // First installs pull images and bind volumes: well past the default 300 s.
                    timeout: 900,
                    atomic: true,
                    cleanupOnFail: true,
                    maxHistory: 10,
                },
                { parent, dependsOn },
            );

        const stack = release(
            kubePrometheusStackChart,
            kubePrometheusStackValues({
                sizing: args.sizing,
                storageClassName: args.storageClassName,
                routing: {
                    receiver: args.alerting.receiverUrl !== undefined ? args.alerting.receiverType : undefined,
                    heartbeat: args.alerting.heartbeatUrl !== undefined,
                },
                grafanaAdminSecret: grafanaAdminSecretName,
                grafanaInternalLoadBalancer: args.grafanaInternalLoadBalancer,
                lokiUrl: lokiQueryUrl(args.namespace),
            }),
            [grafanaAdmin, ...receiverSecret],
        );
        this.crds = stack;

        for (const rules of ruleFiles()) {
            new k8s.apiextensions.CustomResource(
                `${name}-rules-${rules.name}`,
                {
                    apiVersion: "monitoring.coreos.com/v1",
                    kind: "PrometheusRule",
                    metadata: { name: `eks-app-${rules.name}`, namespace: ns, labels: { ...labels, ...prometheusSelectorLabels } },
                    spec: { groups: rules.groups },
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
                        annotations: { grafana_folder: "eks-app" },
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
        const loki = release(lokiChart, lokiValues({ sizing: args.sizing, storage: logStorage, storageClassName: args.storageClassName }), [
            namespace,
            ...lokiDependsOn,
        ]);
        release(
            alloyChart,
            alloyValues({
                config: alloyConfig({ lokiPushUrl: lokiPushUrl(args.namespace), appNamespace: args.app.namespace, appContainer: args.app.container }),
                sizing: args.sizing,
            }),
            [loki],
        );
        release(
            prometheusAdapterChart,
            prometheusAdapterValues({ namespace: args.namespace, replicas: Math.min(args.sizing.prometheusReplicas, 2), tier: args.sizing.resourceTier }),
            // It answers the HPA from Prometheus, which the stack's release brings.
            [stack],
        );

        this.grafanaPortForwardCommand = `kubectl -n ${args.namespace} port-forward svc/${grafanaService} 3000:80`;
        this.registerOutputs({ grafanaPortForwardCommand: this.grafanaPortForwardCommand, logBucketName: this.logBucketName });
    }
}
