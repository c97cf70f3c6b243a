/** The recommended Kubernetes labels, from one place so selectors and policies agree. */
export function labelsFor(component: string, partOf = "eks-app"): Record<string, string> {
    return {
        "app.kubernetes.io/name": component,
        "app.kubernetes.io/part-of": partOf,
        "app.kubernetes.io/managed-by": "pulumi",
    };
}

/** The subset of labels that selects a component's pods; never changes, because selectors are immutable. */
export function selectorFor(component: string): Record<string, string> {
    return { "app.kubernetes.io/name": component };
}

/** Pod Security Admission labels for a namespace. */
export function podSecurityLabels(enforce: "restricted" | "baseline", version: string): Record<string, string> {
    return {
        "pod-security.kubernetes.io/enforce": enforce,
        "pod-security.kubernetes.io/enforce-version": version,
        "pod-security.kubernetes.io/audit": "restricted",
        "pod-security.kubernetes.io/audit-version": version,
        "pod-security.kubernetes.io/warn": "restricted",
        "pod-security.kubernetes.io/warn-version": version,
    };
}

/** A container's security context under Pod Security `restricted`: non-root, no privilege, no capability, read-only. */
export const restrictedContainerSecurityContext = {
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    runAsNonRoot: true,
    privileged: false,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
};
