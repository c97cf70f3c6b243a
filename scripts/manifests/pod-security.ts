// The Kubernetes Pod Security Standards' "restricted" level (which includes "baseline"), as the API server's
// admission checks it: https://kubernetes.io/docs/concepts/security/pod-security-standards/ (v1.34).
// Used on objects no admission controller sees here: pod templates rendered from third-party charts.

type Container = Record<string, any>;
type PodSpec = Record<string, any>;

const restrictedVolumeTypes = new Set(["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret"]);
const allowedSeccomp = new Set(["RuntimeDefault", "Localhost"]);

function containersOf(spec: PodSpec): Container[] {
    return [...(spec.initContainers ?? []), ...(spec.containers ?? []), ...(spec.ephemeralContainers ?? [])];
}

/** Every way a pod spec falls short of "restricted"; empty when the namespace would admit it. */
export function restrictedViolations(spec: PodSpec): string[] {
    const problems: string[] = [];
    const pod = spec.securityContext ?? {};
    for (const flag of ["hostNetwork", "hostPID", "hostIPC"]) if (spec[flag]) problems.push(`${flag} is true`);
    for (const volume of spec.volumes ?? []) {
        const type = Object.keys(volume).find((key) => key !== "name");
        if (type && !restrictedVolumeTypes.has(type)) problems.push(`volume ${volume.name} is of type ${type}`);
    }
    if (pod.seccompProfile && !allowedSeccomp.has(pod.seccompProfile.type)) problems.push(`pod seccompProfile is ${pod.seccompProfile.type}`);
    if (pod.runAsUser === 0) problems.push("pod runAsUser is 0");
    for (const container of containersOf(spec)) {
        const context = container.securityContext ?? {};
        const where = `container ${container.name}`;
        if (context.privileged) problems.push(`${where} is privileged`);
        if (context.allowPrivilegeEscalation !== false) problems.push(`${where} does not set allowPrivilegeEscalation: false`);
        if (context.runAsNonRoot !== true && !(pod.runAsNonRoot === true && context.runAsNonRoot === undefined)) {
            problems.push(`${where} is not runAsNonRoot (itself or through the pod)`);
        }
        if (context.runAsUser === 0) problems.push(`${where} runAsUser is 0`);
        const seccomp = context.seccompProfile?.type ?? pod.seccompProfile?.type;
        if (!allowedSeccomp.has(seccomp)) problems.push(`${where} has no RuntimeDefault or Localhost seccompProfile (itself or through the pod)`);
        const capabilities = context.capabilities ?? {};
        if (!(capabilities.drop ?? []).includes("ALL")) problems.push(`${where} does not drop ALL capabilities`);
        for (const added of capabilities.add ?? []) if (added !== "NET_BIND_SERVICE") problems.push(`${where} adds capability ${added}`);
        for (const port of container.ports ?? []) if (port.hostPort) problems.push(`${where} uses hostPort ${port.hostPort}`);
    }
    return problems;
}

/** The pod spec of a workload object, or undefined for objects that run no pods. */
export function podSpecOf(object: { kind: string; spec?: any }): PodSpec | undefined {
    switch (object.kind) {
        case "Pod":
            return object.spec;
        case "Deployment":
        case "StatefulSet":
        case "DaemonSet":
        case "ReplicaSet":
        case "Job":
            return object.spec?.template?.spec;
        case "CronJob":
            return object.spec?.jobTemplate?.spec?.template?.spec;
        default:
            return undefined;
    }
}
