import { k8sRolloutKeepsCapacity } from "../../../policy/rules/kubernetes-availability";
import {
    k8sDropAllCapabilities,
    k8sHighUserId,
    k8sNamespacePodSecurity,
    k8sNoServiceAccountToken,
    k8sSeccompProfile,
} from "../../../policy/rules/kubernetes-hardening";
import { k8sDistinctProbes } from "../../../policy/rules/kubernetes-workloads";
import { PolicyCases, unknownDuringPreview } from "../support";
import { container, deploymentApp, namespaceObject, podSecurityContext, withMessage, workload } from "./kubernetes-fixtures";

const withPod = (podSpec: Record<string, unknown>) => workload({ podSpec });
const withStrategy = (strategy: unknown) => {
    const deployment = workload();
    (deployment.props.spec as Record<string, unknown>).strategy = strategy;
    return deployment;
};

export const kubernetesHardeningCases: PolicyCases[] = [
    {
        policy: k8sDropAllCapabilities,
        passing: [{ title: "every capability dropped", resources: [workload()] }],
        failing: [
            {
                title: "a container that drops only NET_RAW, and an init container that drops nothing",
                resources: [
                    withPod({
                        containers: [container({}, { capabilities: { drop: ["NET_RAW"] } })],
                        initContainers: [container({ name: "setup" }, { capabilities: { add: ["NET_ADMIN"] } })],
                    }),
                ],
                messages: [
                    withMessage(deploymentApp, 'container "app" keeps the runtime\'s default Linux capabilities .*on spec\\.template\\.spec\\.containers\\[0\\]'),
                    withMessage(deploymentApp, 'init container "setup" keeps the runtime\'s default Linux capabilities .*Fix: set securityContext\\.capabilities\\.drop: \\["ALL"\\] on spec\\.template\\.spec\\.initContainers\\[0\\]'),
                ],
            },
        ],
        unknownDuringPreview: [{ title: "drop list", resources: [withPod({ containers: [container({}, { capabilities: { drop: unknownDuringPreview.array } })] })] }],
    },
    {
        policy: k8sSeccompProfile,
        passing: [
            { title: "RuntimeDefault on the pod", resources: [workload()] },
            { title: "a Localhost profile on the container", resources: [withPod({ containers: [container({}, { seccompProfile: { type: "Localhost", localhostProfile: "app.json" } })] })] },
        ],
        failing: [
            {
                title: "no profile anywhere, and a container that turns it off",
                resources: [
                    withPod({ securityContext: { runAsNonRoot: true, runAsUser: 10001 } }),
                    withPod({ containers: [container({}, { seccompProfile: { type: "Unconfined" } })] }),
                ],
                messages: [
                    withMessage(deploymentApp, 'container "app" runs without a seccomp profile, .*Fix: set securityContext\\.seccompProfile: \\{ type: "RuntimeDefault" \\} on the pod'),
                    withMessage(deploymentApp, 'container "app" runs without a seccomp profile'),
                ],
            },
        ],
        unknownDuringPreview: [{ title: "profile type", resources: [withPod({ securityContext: { ...podSecurityContext, seccompProfile: { type: unknownDuringPreview.string } } })] }],
    },
    {
        policy: k8sHighUserId,
        passing: [
            { title: "user 10001 on the pod", resources: [workload()] },
            { title: "a container's own high user id", resources: [withPod({ securityContext: {}, containers: [container({}, { runAsUser: 65532 })] })] },
        ],
        failing: [
            {
                title: "a low user id, and none at all",
                resources: [withPod({ securityContext: { ...podSecurityContext, runAsUser: 1000 } }), withPod({ securityContext: {} })],
                messages: [
                    withMessage(deploymentApp, 'container "app" runs as user id 1000, which may be a user of the node\\. Fix: set securityContext\\.runAsUser to 10000 or more'),
                    withMessage(deploymentApp, 'container "app" runs as the image\'s user, '),
                ],
            },
        ],
        unknownDuringPreview: [{ title: "user id", resources: [withPod({ securityContext: { ...podSecurityContext, runAsUser: unknownDuringPreview.number } })] }],
    },
    {
        policy: k8sNoServiceAccountToken,
        passing: [{ title: "a pod without an API token", resources: [workload()] }],
        failing: [
            {
                title: "a pod that mounts the token by default",
                resources: [withPod({ automountServiceAccountToken: undefined })],
                messages: [withMessage(deploymentApp, "its pods get a Kubernetes API token mounted, .*Fix: set spec\\.template\\.spec\\.automountServiceAccountToken: false")],
            },
        ],
        unknownDuringPreview: [{ title: "flag", resources: [withPod({ automountServiceAccountToken: unknownDuringPreview.boolean })] }],
    },
    {
        policy: k8sNamespacePodSecurity,
        passing: [
            { title: "restricted", resources: [namespaceObject({ "pod-security.kubernetes.io/enforce": "restricted" })] },
            { title: "baseline", resources: [namespaceObject({ "pod-security.kubernetes.io/enforce": "baseline" })] },
        ],
        failing: [
            {
                title: "no labels, and privileged",
                resources: [namespaceObject(undefined), namespaceObject({ "pod-security.kubernetes.io/enforce": "privileged" })],
                messages: [
                    /^kubernetes:core\/v1:Namespace "app": it does not enforce a Pod Security Standard \(pod-security\.kubernetes\.io\/enforce is unset\), .*Fix: label it pod-security\.kubernetes\.io\/enforce: "restricted"/,
                    /^kubernetes:core\/v1:Namespace "app": it does not enforce a Pod Security Standard \(pod-security\.kubernetes\.io\/enforce is "privileged"\)/,
                ],
            },
        ],
        unknownDuringPreview: [
            { title: "labels", resources: [namespaceObject(unknownDuringPreview.object)] },
            { title: "level", resources: [namespaceObject({ "pod-security.kubernetes.io/enforce": unknownDuringPreview.string })] },
        ],
    },
    {
        policy: k8sDistinctProbes,
        passing: [{ title: "liveness on /healthz, readiness on /readyz", resources: [workload()] }],
        failing: [
            {
                title: "both probes on /readyz, with different timings",
                resources: [withPod({ containers: [container({ livenessProbe: { httpGet: { path: "/readyz", port: "http" }, periodSeconds: 20 } })] })],
                messages: [withMessage(deploymentApp, 'container "app" has a liveness probe that checks the same as its readiness probe, .*Fix: let livenessProbe on spec\\.template\\.spec\\.containers\\[0\\] check only')],
            },
        ],
        unknownDuringPreview: [
            { title: "probe path", resources: [withPod({ containers: [container({ livenessProbe: { httpGet: { path: unknownDuringPreview.string, port: "http" } } })] })] },
        ],
    },
    {
        policy: k8sRolloutKeepsCapacity,
        passing: [{ title: "a rolling update with maxUnavailable 0", resources: [workload()] }],
        failing: [
            {
                title: "the default strategy, and Recreate",
                resources: [withStrategy(undefined), withStrategy({ type: "Recreate" })],
                messages: [
                    withMessage(deploymentApp, "a rollout may take 25% of its pods away first, so it serves below capacity during every deploy\\. Fix: set spec\\.strategy"),
                    withMessage(deploymentApp, "it is replaced all at once \\(strategy Recreate\\), "),
                ],
            },
        ],
        unknownDuringPreview: [{ title: "maxUnavailable", resources: [withStrategy({ type: "RollingUpdate", rollingUpdate: { maxUnavailable: unknownDuringPreview.number } })] }],
    },
];
