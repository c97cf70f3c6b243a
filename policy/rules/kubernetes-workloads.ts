import { listAt, unknownValue, valueAt } from "../lib/properties";
import { ReportProblem, resourceRule } from "../lib/rule";

export const workloadTypes = ["kubernetes:apps/v1:Deployment", "kubernetes:apps/v1:StatefulSet", "kubernetes:apps/v1:DaemonSet"];

/** A container of a workload's pod template. */
interface PodContainer {
    /** How messages name it: `container "app"`, `init container "setup"`. */
    label: string;
    /** Where it sits in the workload, for fix messages. */
    path: string;
    /** Main containers run for the pod's life; init containers run to completion before them. */
    main: boolean;
    spec: unknown;
}

function containersOf(podSpec: unknown): PodContainer[] {
    const groups = [
        { field: "containers", kind: "container", main: true },
        { field: "initContainers", kind: "init container", main: false },
    ];
    return groups.flatMap(({ field, kind, main }) => {
        const list = listAt(podSpec, field);
        if (list === unknownValue) return [];
        return list.map((spec, index) => {
            const name = valueAt(spec, "name");
            return {
                label: `${kind} ${typeof name === "string" ? `"${name}"` : index}`,
                path: `spec.template.spec.${field}[${index}]`,
                main,
                spec,
            };
        });
    });
}

interface ContainerRule {
    name: string;
    description: string;
    check(container: PodContainer, podSpec: unknown, report: ReportProblem): void;
}

/** A policy that checks each container (main and init) of every workload's pod template. */
function containerRule(rule: ContainerRule) {
    return resourceRule({
        name: rule.name,
        description: rule.description,
        resourceTypes: workloadTypes,
        check(resource, report) {
            const podSpec = valueAt(resource.props, "spec", "template", "spec");
            if (podSpec === unknownValue) return;
            for (const container of containersOf(podSpec)) {
                if (container.spec !== unknownValue) rule.check(container, podSpec, report);
            }
        },
    });
}

function isSet(value: unknown): boolean {
    return value !== undefined && value !== null && value !== "";
}

const resourceSettings = ["requests.cpu", "requests.memory", "limits.cpu", "limits.memory"];

export const k8sContainerResources = containerRule({
    name: "k8s-container-resources",
    description: "Every container, init containers included, has cpu and memory requests and limits.",
    check(container, _podSpec, report) {
        const missing = resourceSettings.filter((setting) => !isSet(valueAt(container.spec, "resources", ...setting.split("."))));
        if (missing.length === 0) return;
        report(
            `${container.label} has no ${missing.join(", ")}, so the scheduler cannot place it reliably and it can starve its neighbours`,
            `set resources.requests and resources.limits for cpu and memory on ${container.path}`,
        );
    },
});

export const k8sContainerProbes = containerRule({
    name: "k8s-container-probes",
    description: "Every main container has a liveness and a readiness probe.",
    check(container, _podSpec, report) {
        if (!container.main) return;
        const missing = ["livenessProbe", "readinessProbe"].filter((probe) => !isSet(valueAt(container.spec, probe)));
        if (missing.length === 0) return;
        report(
            `${container.label} has no ${missing.join(" or ")}, so Kubernetes cannot tell when to restart it or stop sending it traffic`,
            `add ${missing.join(" and ")} to ${container.path}`,
        );
    },
});

export const k8sRunAsNonRoot = containerRule({
    name: "k8s-run-as-non-root",
    description: "Every container runs as non-root (runAsNonRoot: true on the pod or the container).",
    check(container, podSpec, report) {
        // A container's own setting overrides the pod's.
        const own = valueAt(container.spec, "securityContext", "runAsNonRoot");
        const effective = own ?? valueAt(podSpec, "securityContext", "runAsNonRoot");
        if (effective === unknownValue || effective === true) return;
        report(
            `${container.label} may run as root`,
            `set securityContext.runAsNonRoot: true on the pod (spec.template.spec.securityContext) or on ${container.path}`,
        );
    },
});

export const k8sReadOnlyRootFilesystem = containerRule({
    name: "k8s-read-only-root-filesystem",
    description: "Every container has a read-only root filesystem.",
    check(container, _podSpec, report) {
        const readOnly = valueAt(container.spec, "securityContext", "readOnlyRootFilesystem");
        if (readOnly === unknownValue || readOnly === true) return;
        report(
            `${container.label} can write to its root filesystem`,
            `set securityContext.readOnlyRootFilesystem: true on ${container.path}, and mount an emptyDir where it must write`,
        );
    },
});

export const k8sNoPrivileged = containerRule({
    name: "k8s-no-privileged",
    description: "No container is privileged.",
    check(container, _podSpec, report) {
        if (valueAt(container.spec, "securityContext", "privileged") !== true) return;
        report(`${container.label} is privileged, with full access to the node`, `remove securityContext.privileged from ${container.path}`);
    },
});

export const k8sNoPrivilegeEscalation = containerRule({
    name: "k8s-no-privilege-escalation",
    description: "Every container sets allowPrivilegeEscalation: false.",
    check(container, _podSpec, report) {
        const allowed = valueAt(container.spec, "securityContext", "allowPrivilegeEscalation");
        if (allowed === unknownValue || allowed === false) return;
        report(
            `${container.label} may gain more privileges than its process started with (setuid binaries)`,
            `set securityContext.allowPrivilegeEscalation: false on ${container.path}`,
        );
    },
});

/** Why an image reference does not pin an image, if it does not: a digest pins, a tag other than latest is accepted. */
function unpinnedImage(image: string): string | undefined {
    if (image.includes("@")) return undefined;
    // The tag follows the last colon of the last path segment; an earlier colon belongs to a registry port.
    const lastSegment = image.slice(image.lastIndexOf("/") + 1);
    const colon = lastSegment.indexOf(":");
    if (colon < 0) return "has no tag, so it means whatever latest is when a node pulls it";
    if (lastSegment.slice(colon + 1) === "latest") return 'is tagged "latest", so it changes under the same name';
    return undefined;
}

export const k8sImagePinned = containerRule({
    name: "k8s-image-pinned",
    description: "Every container's image is pinned: a tag other than latest, or a digest (@sha256:...).",
    check(container, _podSpec, report) {
        const image = valueAt(container.spec, "image");
        if (typeof image !== "string") return;
        const problem = unpinnedImage(image);
        if (problem === undefined) return;
        report(
            `${container.label} image "${image}" ${problem}`,
            `pin ${container.path}.image to a version tag or, better, a digest (image@sha256:...)`,
        );
    },
});

export const kubernetesWorkloadPolicies = [
    k8sContainerResources,
    k8sContainerProbes,
    k8sRunAsNonRoot,
    k8sReadOnlyRootFilesystem,
    k8sNoPrivileged,
    k8sNoPrivilegeEscalation,
    k8sImagePinned,
];
