// Checks in the spirit of kube-score, over a whole set of objects (some need to see several at once:
// a Deployment and its PodDisruptionBudget, a Service and the pods it selects).
import { describeObject, KubernetesObject } from "./schema";

export interface Finding {
    object: string;
    check: string;
    message: string;
}

type Labels = Record<string, string>;
type AnyRecord = Record<string, any>;

const workloadKinds = new Set(["Deployment", "StatefulSet", "DaemonSet"]);

function matches(selector: Labels | undefined, labels: Labels | undefined): boolean {
    if (!selector || Object.keys(selector).length === 0) return false;
    return Object.entries(selector).every(([key, value]) => labels?.[key] === value);
}

function podTemplate(object: KubernetesObject): AnyRecord | undefined {
    return (object.spec as AnyRecord | undefined)?.template;
}

function namespaceOf(object: KubernetesObject): string {
    return object.metadata?.namespace ?? "default";
}

function containerFindings(workload: KubernetesObject, report: (check: string, message: string) => void): void {
    const pod = podTemplate(workload)?.spec as AnyRecord | undefined;
    if (!pod) return;
    const podSecurity = pod.securityContext ?? {};
    if (pod.automountServiceAccountToken !== false) {
        report("pod-service-account-token", "set automountServiceAccountToken: false unless the pod calls the Kubernetes API");
    }
    const all = [...(pod.initContainers ?? []), ...(pod.containers ?? [])] as AnyRecord[];
    for (const container of all) {
        const at = `container ${container.name}`;
        const isInit = (pod.initContainers ?? []).includes(container);
        for (const kind of ["requests", "limits"]) {
            for (const resource of ["cpu", "memory"]) {
                if (!container.resources?.[kind]?.[resource]) report("container-resources", `${at}: set resources.${kind}.${resource}`);
            }
        }
        const image = String(container.image ?? "");
        const tagged = image.includes("@sha256:") || /:[^/:]+$/.test(image);
        if (!tagged || image.endsWith(":latest")) report("container-image-tag", `${at}: pin the image to a tag other than latest or to a digest (${image})`);
        if (!isInit) {
            if (!container.readinessProbe) report("container-readiness-probe", `${at}: add a readinessProbe so traffic only reaches ready pods`);
            if (!container.livenessProbe) report("container-liveness-probe", `${at}: add a livenessProbe so a hung process is restarted`);
            if (container.readinessProbe && container.livenessProbe && JSON.stringify(container.readinessProbe.httpGet) === JSON.stringify(container.livenessProbe.httpGet)) {
                report("container-probes-identical", `${at}: use different readiness and liveness checks, or a dependency outage restarts every pod`);
            }
        }
        const security = container.securityContext ?? {};
        if (security.privileged === true) report("container-security-context", `${at}: do not run privileged`);
        if (security.allowPrivilegeEscalation !== false) report("container-security-context", `${at}: set allowPrivilegeEscalation: false`);
        if (security.readOnlyRootFilesystem !== true) report("container-security-context", `${at}: set readOnlyRootFilesystem: true (mount an emptyDir where it must write)`);
        if ((security.runAsNonRoot ?? podSecurity.runAsNonRoot) !== true) report("container-security-context", `${at}: set runAsNonRoot: true`);
        const user = security.runAsUser ?? podSecurity.runAsUser;
        if (typeof user !== "number" || user < 10000) report("container-security-context-user", `${at}: run as a user id of 10000 or more, so it cannot collide with a host user`);
        if (!(security.capabilities?.drop ?? []).includes("ALL")) report("container-security-context", `${at}: drop ALL capabilities`);
        if ((security.seccompProfile ?? podSecurity.seccompProfile)?.type !== "RuntimeDefault") report("container-seccomp", `${at}: use the RuntimeDefault seccomp profile`);
    }
}

export function bestPracticeFindings(objects: KubernetesObject[]): Finding[] {
    const findings: Finding[] = [];
    const byKind = (kind: string) => objects.filter((o) => o.kind === kind);
    const hpas = byKind("HorizontalPodAutoscaler");
    const pdbs = byKind("PodDisruptionBudget");
    const policies = byKind("NetworkPolicy");
    const workloads = objects.filter((o) => workloadKinds.has(o.kind));

    for (const workload of workloads) {
        const report = (check: string, message: string) => findings.push({ object: describeObject(workload), check, message });
        containerFindings(workload, report);
        const labels = podTemplate(workload)?.metadata?.labels as Labels | undefined;
        const namespace = namespaceOf(workload);

        if (workload.kind === "Deployment") {
            const hpa = hpas.find((h) => namespaceOf(h) === namespace && (h.spec as AnyRecord)?.scaleTargetRef?.name === workload.metadata?.name);
            const spec = workload.spec as AnyRecord;
            if (hpa && spec.replicas !== undefined) {
                report("deployment-replicas-with-hpa", "remove spec.replicas: the HorizontalPodAutoscaler owns the count and every deploy would reset it");
            }
            const replicas = Math.max(spec.replicas ?? 1, (hpa?.spec as AnyRecord | undefined)?.minReplicas ?? 1);
            if (replicas > 1) {
                if (!pdbs.some((p) => namespaceOf(p) === namespace && matches((p.spec as AnyRecord)?.selector?.matchLabels, labels))) {
                    report("deployment-pod-disruption-budget", "add a PodDisruptionBudget selecting its pods, so node drains keep it up");
                }
                const pod = podTemplate(workload)?.spec as AnyRecord;
                const spreads = (pod.topologySpreadConstraints ?? []).map((c: AnyRecord) => c.topologyKey);
                const antiAffinity = pod.affinity?.podAntiAffinity;
                if (!antiAffinity && !(spreads.includes("kubernetes.io/hostname") && spreads.includes("topology.kubernetes.io/zone"))) {
                    report("deployment-spread", "spread replicas across nodes and zones (topologySpreadConstraints or podAntiAffinity)");
                }
            }
            if ((spec.strategy?.rollingUpdate?.maxUnavailable ?? "25%") !== 0) {
                report("deployment-rollout", "set strategy.rollingUpdate.maxUnavailable: 0 so a rollout never drops below capacity");
            }
        }

        const selectedByPolicy = policies.some((p) => {
            const selector = (p.spec as AnyRecord)?.podSelector?.matchLabels as Labels | undefined;
            return namespaceOf(p) === namespace && (selector === undefined || Object.keys(selector).length === 0 || matches(selector, labels));
        });
        if (!selectedByPolicy) report("pod-network-policy", "add a NetworkPolicy that selects its pods (a namespace default-deny counts)");
    }

    for (const service of byKind("Service")) {
        const spec = service.spec as AnyRecord;
        const selector = spec?.selector as Labels | undefined;
        if (!selector) continue;
        const targets = workloads.filter((w) => namespaceOf(w) === namespaceOf(service) && matches(selector, podTemplate(w)?.metadata?.labels));
        const report = (check: string, message: string) => findings.push({ object: describeObject(service), check, message });
        if (targets.length === 0) {
            report("service-targets-pod", `no workload's pods match the selector ${JSON.stringify(selector)}`);
            continue;
        }
        const portNames = new Set(
            targets.flatMap((w) => (podTemplate(w)?.spec?.containers ?? []).flatMap((c: AnyRecord) => (c.ports ?? []).map((p: AnyRecord) => p.name))),
        );
        for (const port of spec.ports ?? []) {
            if (typeof port.targetPort === "string" && !portNames.has(port.targetPort)) {
                report("service-target-port", `port ${port.name ?? port.port} targets "${port.targetPort}", which no selected container declares`);
            }
        }
    }

    for (const hpa of hpas) {
        const target = (hpa.spec as AnyRecord)?.scaleTargetRef;
        if (!objects.some((o) => o.kind === target?.kind && o.metadata?.name === target?.name && namespaceOf(o) === namespaceOf(hpa))) {
            findings.push({ object: describeObject(hpa), check: "hpa-has-target", message: `scales ${target?.kind} ${target?.name}, which is not defined` });
        }
    }

    for (const namespace of byKind("Namespace")) {
        if (!namespace.metadata?.labels || !(namespace.metadata.labels as Labels)["pod-security.kubernetes.io/enforce"]) {
            findings.push({ object: describeObject(namespace), check: "namespace-pod-security", message: "label it pod-security.kubernetes.io/enforce (restricted, or baseline with a reason)" });
        }
    }
    return findings;
}
