// Checks that relate objects to each other, which the policy pack (one resource at a time, or the PodDisruptionBudget
// of a replicated Deployment) does not make: Services reach pods and ports, autoscalers and budgets target something
// that exists, replicated pods are spread, and every pod is under a NetworkPolicy.
import { describeObject, KubernetesObject } from "./schema";

export interface Finding {
    object: string;
    check: string;
    message: string;
}

type Labels = Record<string, string>;
type AnyRecord = Record<string, any>;

const workloadKinds = new Set(["Deployment", "StatefulSet", "DaemonSet"]);

/** Whether equality-based labels select these labels; an empty or absent selector selects nothing here. */
function selects(selector: Labels | undefined, labels: Labels | undefined): boolean {
    if (!selector || Object.keys(selector).length === 0) return false;
    return Object.entries(selector).every(([key, value]) => labels?.[key] === value);
}

const spec = (object: KubernetesObject): AnyRecord => (object.spec as AnyRecord | undefined) ?? {};
const podLabels = (workload: KubernetesObject): Labels | undefined => spec(workload).template?.metadata?.labels;
const namespaceOf = (object: KubernetesObject): string => object.metadata?.namespace ?? "default";

/** The objects one check sees, and how it reports one of them. */
interface Context {
    objects: KubernetesObject[];
    workloads: KubernetesObject[];
    ofKind(kind: string): KubernetesObject[];
    inNamespaceOf(object: KubernetesObject, candidates: KubernetesObject[]): KubernetesObject[];
    report(object: KubernetesObject, check: string, message: string): void;
}

function serviceChecks({ ofKind, workloads, inNamespaceOf, report }: Context): void {
    for (const service of ofKind("Service")) {
        const selector = spec(service).selector as Labels | undefined;
        if (!selector) continue;
        const targets = inNamespaceOf(service, workloads).filter((workload) => selects(selector, podLabels(workload)));
        if (targets.length === 0) {
            report(service, "service-targets-pod", `no workload's pods match the selector ${JSON.stringify(selector)}`);
            continue;
        }
        const portNames = new Set(
            targets.flatMap((workload) => (spec(workload).template?.spec?.containers ?? []).flatMap((c: AnyRecord) => (c.ports ?? []).map((p: AnyRecord) => p.name))),
        );
        for (const port of spec(service).ports ?? []) {
            if (typeof port.targetPort === "string" && !portNames.has(port.targetPort)) {
                report(service, "service-target-port", `port ${port.name ?? port.port} targets "${port.targetPort}", which no selected container declares`);
            }
        }
    }
}

function targetChecks({ objects, ofKind, workloads, inNamespaceOf, report }: Context): void {
    for (const autoscaler of ofKind("HorizontalPodAutoscaler")) {
        const target = spec(autoscaler).scaleTargetRef;
        if (!inNamespaceOf(autoscaler, objects).some((o) => o.kind === target?.kind && o.metadata?.name === target?.name)) {
            report(autoscaler, "hpa-has-target", `scales ${target?.kind} ${target?.name}, which is not defined`);
        }
    }
    for (const budget of ofKind("PodDisruptionBudget")) {
        const selector = spec(budget).selector?.matchLabels as Labels | undefined;
        if (!inNamespaceOf(budget, workloads).some((workload) => selects(selector, podLabels(workload)))) {
            report(budget, "pdb-selects-pods", `no workload's pods match its selector ${JSON.stringify(spec(budget).selector ?? {})}, so it protects nothing`);
        }
    }
}

function deploymentChecks({ ofKind, inNamespaceOf, report }: Context): void {
    const autoscalers = ofKind("HorizontalPodAutoscaler");
    for (const deployment of ofKind("Deployment")) {
        const autoscaler = inNamespaceOf(deployment, autoscalers).find((a) => spec(a).scaleTargetRef?.name === deployment.metadata?.name);
        if (autoscaler && spec(deployment).replicas !== undefined) {
            report(deployment, "deployment-replicas-with-hpa", "remove spec.replicas: the HorizontalPodAutoscaler owns the count and every deploy would reset it");
        }
        const replicas = Math.max(spec(deployment).replicas ?? 1, autoscaler ? (spec(autoscaler).minReplicas ?? 1) : 1);
        const pod = spec(deployment).template?.spec ?? {};
        const spreadKeys = (pod.topologySpreadConstraints ?? []).map((constraint: AnyRecord) => constraint.topologyKey);
        const spread = pod.affinity?.podAntiAffinity || (spreadKeys.includes("kubernetes.io/hostname") && spreadKeys.includes("topology.kubernetes.io/zone"));
        if (replicas > 1 && !spread) {
            report(deployment, "deployment-spread", "spread replicas across nodes and zones (topologySpreadConstraints or podAntiAffinity)");
        }
    }
}

function networkPolicyChecks({ ofKind, workloads, inNamespaceOf, report }: Context): void {
    const policies = ofKind("NetworkPolicy");
    for (const workload of workloads) {
        const covered = inNamespaceOf(workload, policies).some((policy) => {
            const selector = spec(policy).podSelector?.matchLabels as Labels | undefined;
            // An empty podSelector selects every pod of the namespace (a namespace-wide default deny).
            return !selector || Object.keys(selector).length === 0 || selects(selector, podLabels(workload));
        });
        if (!covered) report(workload, "pod-network-policy", "add a NetworkPolicy that selects its pods (a namespace default-deny counts)");
    }
}

/** Problems between objects of one stack; policy-pack rules cover each object on its own. */
export function crossObjectFindings(objects: KubernetesObject[]): Finding[] {
    const findings: Finding[] = [];
    const context: Context = {
        objects,
        workloads: objects.filter((object) => workloadKinds.has(object.kind)),
        ofKind: (kind) => objects.filter((object) => object.kind === kind),
        inNamespaceOf: (object, candidates) => candidates.filter((candidate) => namespaceOf(candidate) === namespaceOf(object)),
        report: (object, check, message) => void findings.push({ object: describeObject(object), check, message }),
    };
    for (const check of [serviceChecks, targetChecks, deploymentChecks, networkPolicyChecks]) check(context);
    return findings;
}
