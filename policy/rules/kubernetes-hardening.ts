import { containerRule, effectiveSecuritySetting, workloadTypes } from "../lib/containers";
import { listAt, stringMapAt, unknownValue, valueAt } from "../lib/properties";
import { resourceRule } from "../lib/rule";

export const k8sDropAllCapabilities = containerRule({
    name: "k8s-drop-all-capabilities",
    description: 'Every container drops all Linux capabilities (securityContext.capabilities.drop: ["ALL"]).',
    check(container, _podSpec, report) {
        const dropped = listAt(container.spec, "securityContext", "capabilities", "drop");
        if (dropped === unknownValue || dropped.includes(unknownValue) || dropped.includes("ALL")) return;
        report(
            `${container.label} keeps the runtime's default Linux capabilities (NET_RAW, CHOWN, SETUID ...)`,
            `set securityContext.capabilities.drop: ["ALL"] on ${container.path}, and add back only what it needs`,
        );
    },
});

/** Seccomp profiles that filter system calls: the runtime's default, or one of your own on the node. */
const filteringSeccompProfiles = ["RuntimeDefault", "Localhost"];

export const k8sSeccompProfile = containerRule({
    name: "k8s-seccomp-profile",
    description: "Every container runs under a seccomp profile (RuntimeDefault or Localhost), from the pod's or its own securityContext.",
    check(container, podSpec, report) {
        const type = valueAt(effectiveSecuritySetting(container, podSpec, "seccompProfile"), "type");
        if (type === unknownValue || filteringSeccompProfiles.includes(type as string)) return;
        report(
            `${container.label} runs without a seccomp profile, so it may make any system call`,
            'set securityContext.seccompProfile: { type: "RuntimeDefault" } on the pod (spec.template.spec.securityContext)',
        );
    },
});

/** User ids below this may belong to a user of the node, whose files a container escaping to it could then use. */
const lowestUnprivilegedUserId = 10000;

export const k8sHighUserId = containerRule({
    name: "k8s-high-user-id",
    description: `Every container runs as a user id of ${lowestUnprivilegedUserId} or more (runAsUser on the pod or the container), so it cannot collide with a node's users.`,
    check(container, podSpec, report) {
        const user = effectiveSecuritySetting(container, podSpec, "runAsUser");
        if (user === unknownValue || (typeof user === "number" && user >= lowestUnprivilegedUserId)) return;
        const current = user === undefined ? "the image's user" : `user id ${String(user)}`;
        report(
            `${container.label} runs as ${current}, which may be a user of the node`,
            `set securityContext.runAsUser to ${lowestUnprivilegedUserId} or more on the pod (spec.template.spec.securityContext) or on ${container.path}`,
        );
    },
});

export const k8sNoServiceAccountToken = resourceRule({
    name: "k8s-no-service-account-token",
    description: "Pods do not mount a Kubernetes API token (automountServiceAccountToken: false) unless they call the API.",
    resourceTypes: workloadTypes,
    check(resource, report) {
        const automount = valueAt(resource.props, "spec", "template", "spec", "automountServiceAccountToken");
        if (automount === unknownValue || automount === false) return;
        report(
            "its pods get a Kubernetes API token mounted, which anyone who takes over a container can use",
            "set spec.template.spec.automountServiceAccountToken: false; if it calls the Kubernetes API, give it an exception in policy/exceptions.ts",
        );
    },
});

const enforceLabel = "pod-security.kubernetes.io/enforce";
/** Pod Security Standards that restrict pods; "privileged" restricts nothing. */
const enforcingLevels = ["restricted", "baseline"];

export const k8sNamespacePodSecurity = resourceRule({
    name: "k8s-namespace-pod-security",
    description: `Namespaces enforce a Pod Security Standard: label ${enforceLabel} is "restricted" (or "baseline", with a comment saying why).`,
    resourceTypes: ["kubernetes:core/v1:Namespace"],
    check(resource, report) {
        const labels = stringMapAt(resource.props, "metadata", "labels");
        if (labels === unknownValue) return;
        const level = labels[enforceLabel];
        if (level === unknownValue || enforcingLevels.includes(level as string)) return;
        report(
            `it does not enforce a Pod Security Standard (${enforceLabel} is ${level === undefined ? "unset" : `"${level}"`}), so the API server admits privileged pods`,
            `label it ${enforceLabel}: "restricted" (or "baseline", saying why)`,
        );
    },
});

export const kubernetesHardeningPolicies = [k8sDropAllCapabilities, k8sSeccompProfile, k8sHighUserId, k8sNoServiceAccountToken, k8sNamespacePodSecurity];
