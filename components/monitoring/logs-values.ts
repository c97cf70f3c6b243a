// Chart values for Loki (single binary) and Grafana Alloy (the log shipper), as plain data for the render tests.
import * as pulumi from "@pulumi/pulumi";
import * as crypto from "crypto";
import type { PodPlacement } from "../autoscaling";
import { lokiPort, lokiService, lokiServiceAccount } from "./charts";
import { componentResources, MonitoringSizing, volumeRetention } from "./sizing";
import { placementValues, scrapeIntervalSeconds, tolerateEveryTaint } from "./values";

/** Where Loki keeps chunks and index: its volume, or an S3 bucket (its volume then holds only the WAL and caches). */
export type LogStorage = { kind: "filesystem" } | { kind: "s3"; bucketName: pulumi.Input<string>; region: string };

export function lokiValues(args: { sizing: MonitoringSizing; storage: LogStorage; storageClassName?: string; placement?: PodPlacement }) {
    const s3 = args.storage.kind === "s3" ? args.storage : undefined;
    const objectStore = s3 ? "s3" : "filesystem";
    return {
        loki: {
            // One tenant: the cluster's own logs.
            auth_enabled: false,
            commonConfig: { replication_factor: 1 },
            schemaConfig: {
                configs: [{ from: "2026-01-01", store: "tsdb", object_store: objectStore, schema: "v13", index: { prefix: "loki_index_", period: "24h" } }],
            },
            storage: s3
                ? {
                      type: "s3",
                      bucketNames: { chunks: s3.bucketName, ruler: s3.bucketName, admin: s3.bucketName },
                      // No keys: the SDK takes credentials from EKS Pod Identity (the role is scoped to this bucket).
                      s3: { region: s3.region },
                  }
                : { type: "filesystem" },
            compactor: { retention_enabled: true, delete_request_store: objectStore },
            // Merged into the generated config: the chart's limits_config keys stay, retention is added.
            structuredConfig: { limits_config: { retention_period: args.sizing.lokiRetention, allow_structured_metadata: true } },
        },
        deploymentMode: "Monolithic",
        singleBinary: {
            replicas: 1,
            // The rules sidecar loads Loki alerting rules from ConfigMaps; alerts come from Prometheus here.
            sidecar: false,
            ...placementValues(args.placement),
            resources: componentResources[args.sizing.resourceTier].loki,
            persistence: {
                enabled: true,
                enableStatefulSetAutoDeletePVC: true,
                ...volumeRetention(args.sizing.keepVolumes),
                size: args.sizing.lokiStorageSize,
                ...(args.storageClassName ? { storageClass: args.storageClassName } : {}),
            },
        },
        // Simple-scalable targets off: the single binary does everything.
        read: { replicas: 0 },
        write: { replicas: 0 },
        backend: { replicas: 0 },
        // Grafana and Alloy talk to Loki's own Service; the nginx gateway adds nothing inside the cluster.
        gateway: { enabled: false },
        // The default chunks cache asks for ~10 GiB of memory; a single binary caches in-process.
        chunksCache: { enabled: false },
        resultsCache: { enabled: false },
        lokiCanary: { enabled: false },
        test: { enabled: false },
        // No rules sidecar, so no ClusterRole reading every ConfigMap and Secret: namespaced RBAC, and nothing in it.
        sidecar: { rules: { enabled: false } },
        rbac: { namespaced: true },
        // Prometheus scrapes Loki (pushes failing, lines discarded), as often as everything else.
        monitoring: { serviceMonitor: { enabled: true, interval: `${scrapeIntervalSeconds}s` } },
        // Loki never calls the Kubernetes API (EKS Pod Identity mounts its own token).
        defaults: { automountServiceAccountToken: false },
        serviceAccount: { create: true, name: lokiServiceAccount, automountServiceAccountToken: false },
    };
}

export function lokiPushUrl(namespace: string): string {
    return `http://${lokiService}.${namespace}.svc:${lokiPort}/loki/api/v1/push`;
}

export function lokiQueryUrl(namespace: string): string {
    return `http://${lokiService}.${namespace}.svc:${lokiPort}`;
}

/**
 * Alloy's pipeline: every pod's log files on the node (CRI format), labelled with namespace, pod, container and
 * app; the app's JSON lines parsed so `level` is a label (few values) and `status` and `route` are structured
 * metadata (queryable without multiplying streams).
 */
export function alloyConfig(args: { lokiPushUrl: string; appNamespace: string; appContainer: string }): string {
    return `
discovery.kubernetes "pods" {
  role = "pod"
  selectors {
    role  = "pod"
    field = "spec.nodeName=" + coalesce(sys.env("HOSTNAME"), constants.hostname)
  }
}

discovery.relabel "pod_logs" {
  targets = discovery.kubernetes.pods.targets
  rule {
    source_labels = ["__meta_kubernetes_namespace"]
    target_label  = "namespace"
  }
  rule {
    source_labels = ["__meta_kubernetes_pod_name"]
    target_label  = "pod"
  }
  rule {
    source_labels = ["__meta_kubernetes_pod_container_name"]
    target_label  = "container"
  }
  rule {
    source_labels = ["__meta_kubernetes_pod_label_app_kubernetes_io_name"]
    target_label  = "app"
  }
  rule {
    source_labels = ["__meta_kubernetes_pod_uid", "__meta_kubernetes_pod_container_name"]
    separator     = "/"
    target_label  = "__path__"
    replacement   = "/var/log/pods/*$1/*.log"
  }
}

local.file_match "pod_logs" {
  path_targets = discovery.relabel.pod_logs.output
}

loki.source.file "pod_logs" {
  targets    = local.file_match.pod_logs.targets
  forward_to = [loki.process.pod_logs.receiver]
}

loki.process "pod_logs" {
  stage.cri {}

  stage.match {
    selector = "{namespace=\\"${args.appNamespace}\\", container=\\"${args.appContainer}\\"}"
    stage.json {
      expressions = { level = "level", status = "status", route = "route" }
    }
    stage.labels {
      values = { level = "" }
    }
    stage.structured_metadata {
      values = { status = "", route = "" }
    }
  }

  forward_to = [loki.write.default.receiver]
}

loki.write "default" {
  endpoint {
    url = "${args.lokiPushUrl}"
  }
}
`;
}

/** Where Alloy keeps its read positions (and WAL) on the node, so a new pod resumes where the last one stopped. */
export const alloyHostStoragePath = "/var/lib/eks-app-alloy";

export function alloyValues(args: { config: string; sizing: MonitoringSizing }) {
    return {
        global: { podSecurityContext: { seccompProfile: { type: "RuntimeDefault" } } },
        // No reloader sidecar: a changed configuration changes this annotation, and the pods roll.
        configReloader: { enabled: false },
        alloy: {
            configMap: { create: true, content: args.config },
            // Read-only: the node's pod log files. The storage path (positions, WAL) is on the node too: a new pod
            // (every config change rolls them) resumes from the positions instead of re-reading every file, which
            // Loki would reject as too far behind.
            mounts: { varlog: true, extra: [{ name: "storage", mountPath: "/tmp/alloy" }] },
            livenessProbe: { httpGet: { path: "/-/healthy", port: 12345 }, periodSeconds: 30, timeoutSeconds: 5 },
            resources: componentResources[args.sizing.resourceTier].alloy,
            // Usage reports go to Grafana Labs by default.
            enableReporting: false,
            // uid 0 with no capability at all: containerd creates every pod log file root-owned 0640 in 0755
            // directories (containerd internal/cri/server/helpers_linux.go `openLogFile`), and the kubelet creates the
            // positions directory root-owned 0755; the owner's bits read the one and write the other, no
            // DAC_READ_SEARCH needed. A non-root user would need group root for the files and a root init step
            // to get a writable positions directory; capabilities added to one are not effective (no ambient set).
            // /var/log is mounted read-only: the positions directory is the one writable path on the node.
            securityContext: {
                runAsUser: 0,
                runAsGroup: 0,
                privileged: false,
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                capabilities: { drop: ["ALL"] },
            },
        },
        controller: {
            type: "daemonset",
            podAnnotations: { "checksum/config": crypto.createHash("sha256").update(args.config).digest("hex") },
            volumes: { extra: [{ name: "storage", hostPath: { path: alloyHostStoragePath, type: "DirectoryOrCreate" } }] },
            // Every node's logs, spot and tainted NodePools included.
            tolerations: tolerateEveryTaint,
        },
        // Only what the pipeline uses: discovery.kubernetes lists and watches this node's pods. The chart's default
        // ClusterRole also reads every Secret and ConfigMap (for remote.kubernetes.*), nodes and metrics endpoints.
        // The chart writes both lists into one ClusterRole and an empty one breaks its YAML: `get` goes in the second.
        rbac: {
            create: true,
            rules: [{ apiGroups: [""], resources: ["pods"], verbs: ["list", "watch"] }],
            clusterRules: [{ apiGroups: [""], resources: ["pods"], verbs: ["get"] }],
        },
        // Prometheus scrapes Alloy: loki_write_dropped_entries_total is where a lost line shows.
        serviceMonitor: { enabled: true, interval: `${scrapeIntervalSeconds}s` },
    };
}
