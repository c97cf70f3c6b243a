import { containerRule, effectiveSecuritySetting } from "../lib/containers";
import { containsUnknown, unknownValue, valueAt } from "../lib/properties";

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

/** The fields of a probe that say what it checks; timings aside, two probes with the same ones check the same thing. */
const probeHandlers = ["httpGet", "tcpSocket", "exec", "grpc"];

export const k8sDistinctProbes = containerRule({
    name: "k8s-distinct-probes",
    description: "No main container's liveness probe checks the same thing as its readiness probe.",
    check(container, _podSpec, report) {
        if (!container.main) return;
        const [liveness, readiness] = ["livenessProbe", "readinessProbe"].map((probe) =>
            probeHandlers.map((handler) => valueAt(container.spec, probe, handler)),
        );
        if (!isSet(valueAt(container.spec, "livenessProbe")) || containsUnknown([liveness, readiness])) return;
        if (JSON.stringify(liveness) !== JSON.stringify(readiness)) return;
        report(
            `${container.label} has a liveness probe that checks the same as its readiness probe, so an outage of what readiness checks restarts every pod`,
            `let livenessProbe on ${container.path} check only that the process answers (e.g. /healthz), and readinessProbe what it needs to serve (e.g. /readyz)`,
        );
    },
});

export const k8sRunAsNonRoot = containerRule({
    name: "k8s-run-as-non-root",
    description: "Every container runs as non-root (runAsNonRoot: true on the pod or the container).",
    check(container, podSpec, report) {
        const effective = effectiveSecuritySetting(container, podSpec, "runAsNonRoot");
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
    k8sDistinctProbes,
    k8sRunAsNonRoot,
    k8sReadOnlyRootFilesystem,
    k8sNoPrivileged,
    k8sNoPrivilegeEscalation,
    k8sImagePinned,
];
