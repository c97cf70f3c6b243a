import { isRecord, listAt, stringMapAt, unknownValue, UnknownValue, valueAt } from "../lib/properties";
import { CheckedResource, resourceRule, stackRule } from "../lib/rule";

const deploymentType = "kubernetes:apps/v1:Deployment";
const autoscalerTypes = ["kubernetes:autoscaling/v2:HorizontalPodAutoscaler", "kubernetes:autoscaling/v1:HorizontalPodAutoscaler"];
const disruptionBudgetType = "kubernetes:policy/v1:PodDisruptionBudget";

function namespaceOf(resource: CheckedResource): unknown {
    return valueAt(resource.props, "metadata", "namespace") ?? "default";
}

/**
 * How many replicas a Deployment keeps at least. An autoscaler that targets it owns the count (the Deployment's own
 * replicas field is then either absent or whatever the autoscaler last set); otherwise its replicas field, 1 when absent.
 */
function minimumReplicas(deployment: CheckedResource, autoscalers: CheckedResource[]): unknown {
    const namespace = namespaceOf(deployment);
    const name = valueAt(deployment.props, "metadata", "name");
    const autoscaler = autoscalers.find(
        (candidate) =>
            namespaceOf(candidate) === namespace &&
            valueAt(candidate.props, "spec", "scaleTargetRef", "kind") === "Deployment" &&
            valueAt(candidate.props, "spec", "scaleTargetRef", "name") === name,
    );
    const replicas = autoscaler ? valueAt(autoscaler.props, "spec", "minReplicas") : valueAt(deployment.props, "spec", "replicas");
    return replicas ?? 1;
}

/**
 * Whether a label selector may select pods with these labels. Anything unknown during preview counts as a match:
 * only a selector known not to match fails the check.
 */
function maySelect(selector: unknown, labels: Record<string, string | UnknownValue>): boolean {
    if (selector === unknownValue) return true;
    // A PodDisruptionBudget without a selector selects no pods; an empty one selects them all.
    if (!isRecord(selector)) return false;
    const matchLabels = stringMapAt(selector, "matchLabels");
    const expressions = listAt(selector, "matchExpressions");
    if (matchLabels === unknownValue || expressions === unknownValue) return true;
    const labelMatches = Object.entries(matchLabels).every(
        ([key, value]) => value === unknownValue || labels[key] === unknownValue || labels[key] === value,
    );
    return labelMatches && expressions.every((expression) => mayMatchExpression(expression, labels));
}

function mayMatchExpression(expression: unknown, labels: Record<string, string | UnknownValue>): boolean {
    const key = valueAt(expression, "key");
    const operator = valueAt(expression, "operator");
    const values = listAt(expression, "values");
    if (typeof key !== "string" || typeof operator !== "string" || values === unknownValue) return true;
    const label = labels[key];
    if (label === unknownValue) return true;
    switch (operator) {
        case "In":
            return label !== undefined && values.includes(label);
        case "NotIn":
            return label === undefined || !values.includes(label);
        case "Exists":
            return label !== undefined;
        case "DoesNotExist":
            return label === undefined;
        default:
            return true;
    }
}

export const k8sDisruptionBudgetForReplicatedDeployments = stackRule({
    name: "k8s-pdb-for-replicated-deployments",
    description:
        "Every Deployment that runs more than one replica (by its replicas field, or the minReplicas of an autoscaler that targets it) has a PodDisruptionBudget selecting its pods.",
    check(resources, report) {
        const autoscalers = resources.filter((resource) => autoscalerTypes.includes(resource.type));
        const budgets = resources.filter((resource) => resource.type === disruptionBudgetType);
        for (const deployment of resources.filter((resource) => resource.type === deploymentType)) {
            const replicas = minimumReplicas(deployment, autoscalers);
            const namespace = namespaceOf(deployment);
            const podLabels = stringMapAt(deployment.props, "spec", "template", "metadata", "labels");
            if (typeof replicas !== "number" || replicas <= 1 || namespace === unknownValue || podLabels === unknownValue) continue;
            const covered = budgets.some((budget) => {
                const budgetNamespace = namespaceOf(budget);
                const sameNamespace = budgetNamespace === unknownValue || budgetNamespace === namespace;
                return sameNamespace && maySelect(valueAt(budget.props, "spec", "selector"), podLabels);
            });
            if (covered) continue;
            report(
                deployment,
                `it runs at least ${replicas} replicas and no PodDisruptionBudget in namespace "${String(namespace)}" selects its pods, so a node drain or upgrade may evict them all at once`,
                `add a policy/v1 PodDisruptionBudget in namespace "${String(namespace)}" whose selector matches the pod template's labels, e.g. with maxUnavailable: 1`,
            );
        }
    },
});

export const k8sRolloutKeepsCapacity = resourceRule({
    name: "k8s-rollout-keeps-capacity",
    description: "Deployments roll out without taking a pod away before its replacement is ready (RollingUpdate with maxUnavailable: 0).",
    resourceTypes: [deploymentType],
    check(resource, report) {
        const strategy = valueAt(resource.props, "spec", "strategy", "type");
        // Kubernetes's default: RollingUpdate with maxUnavailable 25%.
        const maxUnavailable = valueAt(resource.props, "spec", "strategy", "rollingUpdate", "maxUnavailable") ?? "25%";
        if (strategy === unknownValue || maxUnavailable === unknownValue) return;
        if ((strategy === undefined || strategy === "RollingUpdate") && (maxUnavailable === 0 || maxUnavailable === "0%")) return;
        const current = strategy === "Recreate" ? "it is replaced all at once (strategy Recreate)" : `a rollout may take ${String(maxUnavailable)} of its pods away first`;
        report(`${current}, so it serves below capacity during every deploy`, "set spec.strategy: { type: RollingUpdate, rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } }");
    },
});

export const kubernetesAvailabilityPolicies = [k8sDisruptionBudgetForReplicatedDeployments, k8sRolloutKeepsCapacity];
