// RBAC of kube-prometheus-stack's components, written by the program instead of by the chart, so that the
// Prometheus Operator reads and writes Secrets in the monitoring namespace only.
//
// The chart (88.5.3, templates/prometheus-operator/clusterrole.yaml) gives the operator a ClusterRole with every verb
// on Secrets in every namespace, and has no value that scopes it: the only switch, `global.rbac.create`, also drops
// Prometheus's ClusterRole and the admission webhook job's RBAC. So the program turns it off and writes all three.
//
// The operator needs Secrets only where it runs Prometheus and Alertmanager once it is told where that is
// (prometheus-operator v0.93, the chart's appVersion v0.93.1):
// - pkg/operator/config.go `Namespaces.Finalize` (l. 290-316): each of --prometheus-instance-namespaces,
//   --alertmanager-instance-namespaces, --alertmanager-config-namespaces and --thanos-ruler-instance-namespaces
//   defaults to --namespaces, whose default is every namespace.
// - pkg/prometheus/server/operator.go (l. 352-389) and pkg/prometheus/agent/operator.go (l. 292-330) list and
//   watch Secrets in the Prometheus instance namespaces; pkg/alertmanager/operator.go (l. 244-266) in the
//   AlertmanagerConfig namespaces; pkg/thanos/operator.go watches none. pkg/informers/informers.go
//   `newInformerOptions` (l. 218-236) makes one namespaced informer per listed namespace, so a Role there suffices.
// - Configuration Secrets are written in the instance's own namespace (pkg/prometheus/server/operator.go l. 1565-1693,
//   pkg/alertmanager/operator.go l. 1012-1931).
// - Secrets a ServiceMonitor or PodMonitor references (basicAuth, tlsConfig, authorization) are read with a Get in
//   the monitor's own namespace (pkg/assets/store.go l. 333): none of ours outside `monitoring` references one
//   (tests/monitoring/rbac.test.ts holds that), so the operator is never refused one.
// ServiceMonitors, PodMonitors and PrometheusRules are still watched in every namespace (--namespaces stays unset).
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { kubePrometheusStackChart } from "./charts";

export interface PolicyRule {
    apiGroups?: string[];
    resources?: string[];
    resourceNames?: string[];
    nonResourceURLs?: string[];
    verbs: string[];
}

type Subject = { kind: "ServiceAccount"; name: string; namespace: string };
export type RbacObject =
    | { kind: "ClusterRole" | "Role"; metadata: { name: string; namespace?: string }; rules: PolicyRule[] }
    | { kind: "ClusterRoleBinding" | "RoleBinding"; metadata: { name: string; namespace?: string }; roleRef: { apiGroup: string; kind: string; name: string }; subjects: Subject[] };

const release = kubePrometheusStackChart.release;
/** The service accounts the chart creates and names (its fullname is the release name). */
export const chartServiceAccounts = { operator: `${release}-operator`, prometheus: `${release}-prometheus`, admission: `${release}-admission` };

/**
 * The operator's flags (chart values): Prometheus, Alertmanager, AlertmanagerConfig and ThanosRuler objects, and so
 * the Secrets and StatefulSets that go with them, in the monitoring namespace only.
 */
export function operatorNamespaceValues(namespace: string) {
    return {
        prometheusInstanceNamespaces: [namespace],
        alertmanagerInstanceNamespaces: [namespace],
        alertmanagerConfigNamespaces: [namespace],
        thanosRulerInstanceNamespaces: [namespace],
    };
}

const secretsRule: PolicyRule = { apiGroups: [""], resources: ["secrets"], verbs: ["*"] };

/** The chart's operator ClusterRole, rule by rule, with `secrets` taken out of its ConfigMaps and Secrets rule. */
const operatorClusterRules: PolicyRule[] = [
    {
        apiGroups: ["monitoring.coreos.com"],
        resources: [
            "alertmanagers",
            "alertmanagers/finalizers",
            "alertmanagers/status",
            "alertmanagerconfigs",
            "prometheuses",
            "prometheuses/finalizers",
            "prometheuses/status",
            "prometheusagents",
            "prometheusagents/finalizers",
            "prometheusagents/status",
            "thanosrulers",
            "thanosrulers/finalizers",
            "thanosrulers/status",
            "scrapeconfigs",
            "scrapeconfigs/status",
            "servicemonitors",
            "servicemonitors/status",
            "podmonitors",
            "podmonitors/status",
            "probes",
            "probes/status",
            "prometheusrules",
            "prometheusrules/status",
        ],
        verbs: ["*"],
    },
    { apiGroups: ["apps"], resources: ["statefulsets"], verbs: ["*"] },
    { apiGroups: [""], resources: ["configmaps"], verbs: ["*"] },
    { apiGroups: [""], resources: ["pods"], verbs: ["list", "delete"] },
    { apiGroups: [""], resources: ["services", "services/finalizers", "endpoints"], verbs: ["get", "create", "update", "delete"] },
    { apiGroups: [""], resources: ["nodes"], verbs: ["list", "watch"] },
    { apiGroups: [""], resources: ["namespaces"], verbs: ["get", "list", "watch"] },
    { apiGroups: ["", "events.k8s.io"], resources: ["events"], verbs: ["patch", "create"] },
    { apiGroups: ["networking.k8s.io"], resources: ["ingresses"], verbs: ["get", "list", "watch"] },
    { apiGroups: ["storage.k8s.io"], resources: ["storageclasses"], verbs: ["get"] },
    { apiGroups: ["discovery.k8s.io"], resources: ["endpointslices"], verbs: ["get", "create", "list", "watch", "update", "delete"] },
];

/** The chart's Prometheus ClusterRole (templates/prometheus/clusterrole.yaml) for the values the program sets. */
const prometheusClusterRules: PolicyRule[] = [
    { apiGroups: [""], resources: ["nodes", "nodes/metrics", "services", "endpoints", "pods"], verbs: ["get", "list", "watch"] },
    { apiGroups: ["discovery.k8s.io"], resources: ["endpointslices"], verbs: ["get", "list", "watch"] },
    { apiGroups: ["networking.k8s.io"], resources: ["ingresses"], verbs: ["get", "list", "watch"] },
    { nonResourceURLs: ["/metrics", "/metrics/cadvisor"], verbs: ["get"] },
];

/**
 * The admission webhook's certificate job (a Helm hook, templates/prometheus-operator/admission-webhooks/job-patch):
 * it creates the certificate Secret and writes the CA into the webhook configurations. The chart's hook RBAC lives
 * only while the hooks run; this stays, so it names the one webhook configuration the job patches (kube-webhook-certgen
 * gets, applies and updates it by name: jkroepke/kube-webhook-certgen pkg/k8s/k8s.go, which resourceNames allows).
 */
const admissionClusterRules: PolicyRule[] = [
    {
        apiGroups: ["admissionregistration.k8s.io"],
        resources: ["validatingwebhookconfigurations", "mutatingwebhookconfigurations"],
        resourceNames: [`${release}-admission`],
        verbs: ["get", "update", "patch"],
    },
];
const admissionRules: PolicyRule[] = [{ apiGroups: [""], resources: ["secrets"], verbs: ["get", "create"] }];

/** Names apart from the chart's, which Helm deletes by name when a release stops rendering them. */
const names = { operator: "eks-app-prometheus-operator", prometheus: "eks-app-prometheus", admission: "eks-app-prometheus-operator-admission" };

/** Every RBAC object kube-prometheus-stack's components need, as plain objects (the render tests read them). */
export function kubePrometheusStackRbac(namespace: string): RbacObject[] {
    const subject = (name: string): Subject => ({ kind: "ServiceAccount", name, namespace });
    const clusterRole = (name: string, rules: PolicyRule[], account: string): RbacObject[] => [
        { kind: "ClusterRole", metadata: { name }, rules },
        { kind: "ClusterRoleBinding", metadata: { name }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name }, subjects: [subject(account)] },
    ];
    const role = (name: string, rules: PolicyRule[], account: string): RbacObject[] => [
        { kind: "Role", metadata: { name, namespace }, rules },
        { kind: "RoleBinding", metadata: { name, namespace }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name }, subjects: [subject(account)] },
    ];
    return [
        ...clusterRole(names.operator, operatorClusterRules, chartServiceAccounts.operator),
        // The Secrets rule the chart grants everywhere, here in the monitoring namespace only.
        ...role(`${names.operator}-secrets`, [secretsRule], chartServiceAccounts.operator),
        ...clusterRole(names.prometheus, prometheusClusterRules, chartServiceAccounts.prometheus),
        ...clusterRole(names.admission, admissionClusterRules, chartServiceAccounts.admission),
        ...role(names.admission, admissionRules, chartServiceAccounts.admission),
    ];
}

/** kubePrometheusStackRbac's objects as Kubernetes resources (`opts`: their parent, and the namespace to wait for). */
export function kubePrometheusStackRbacResources(prefix: string, namespace: string, labels: Record<string, string>, opts: pulumi.CustomResourceOptions): pulumi.Resource[] {
    return kubePrometheusStackRbac(namespace).map((object) => {
        const name = `${prefix}-${object.kind.toLowerCase()}-${object.metadata.name}`;
        const metadata = { ...object.metadata, labels };
        switch (object.kind) {
            case "ClusterRole":
                return new k8s.rbac.v1.ClusterRole(name, { metadata, rules: object.rules }, opts);
            case "Role":
                return new k8s.rbac.v1.Role(name, { metadata, rules: object.rules }, opts);
            case "ClusterRoleBinding":
                return new k8s.rbac.v1.ClusterRoleBinding(name, { metadata, roleRef: object.roleRef, subjects: object.subjects }, opts);
            case "RoleBinding":
                return new k8s.rbac.v1.RoleBinding(name, { metadata, roleRef: object.roleRef, subjects: object.subjects }, opts);
        }
    });
}
