import { k8sDisruptionBudgetForReplicatedDeployments } from "../../../policy/rules/kubernetes-availability";
import { k8sLoadBalancerOptIn } from "../../../policy/rules/kubernetes-services";
import {
    k8sContainerProbes,
    k8sContainerResources,
    k8sImagePinned,
    k8sNoPrivileged,
    k8sNoPrivilegeEscalation,
    k8sReadOnlyRootFilesystem,
    k8sRunAsNonRoot,
} from "../../../policy/rules/kubernetes-workloads";
import { PolicyCases, unknownDuringPreview } from "../support";
import { autoscaler, container, deploymentApp, disruptionBudget, service, withMessage, workload } from "./kubernetes-fixtures";

export const kubernetesCases: PolicyCases[] = [
    {
        policy: k8sContainerResources,
        passing: [{ title: "requests and limits on every container", resources: [workload({ podSpec: { initContainers: [container({ name: "migrate" })] } })] }],
        failing: [
            {
                title: "a missing memory limit, and an init container with no resources",
                resources: [
                    workload({
                        podSpec: {
                            containers: [container({ resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "500m" } } })],
                            initContainers: [container({ name: "migrate", resources: undefined })],
                        },
                    }),
                ],
                messages: [
                    withMessage(deploymentApp, 'container "app" has no limits\\.memory, .*Fix: set resources\\.requests and resources\\.limits for cpu and memory on spec\\.template\\.spec\\.containers\\[0\\]'),
                    withMessage(deploymentApp, 'init container "migrate" has no requests\\.cpu, requests\\.memory, limits\\.cpu, limits\\.memory, .*Fix: .* on spec\\.template\\.spec\\.initContainers\\[0\\]'),
                ],
            },
        ],
        unknownDuringPreview: [{ title: "memory limit", resources: [workload({ podSpec: { containers: [container({ resources: { requests: { cpu: "1", memory: "1Gi" }, limits: { cpu: "1", memory: unknownDuringPreview.string } } })] } })] }],
    },
    {
        policy: k8sContainerProbes,
        passing: [
            {
                title: "both probes on main containers; none needed on init containers",
                resources: [workload({ podSpec: { initContainers: [container({ name: "migrate", livenessProbe: undefined, readinessProbe: undefined })] } })],
            },
        ],
        failing: [
            {
                title: "a StatefulSet container without a readiness probe",
                resources: [workload({ type: "kubernetes:apps/v1:StatefulSet", name: "db", podSpec: { containers: [container({ readinessProbe: undefined })] } })],
                messages: [/^kubernetes:apps\/v1:StatefulSet "db": container "app" has no readinessProbe, .*Fix: add readinessProbe to spec\.template\.spec\.containers\[0\]/],
            },
            {
                title: "a container without probes",
                resources: [workload({ podSpec: { containers: [container({ livenessProbe: undefined, readinessProbe: undefined })] } })],
                messages: [withMessage(deploymentApp, 'container "app" has no livenessProbe or readinessProbe, .*Fix: add livenessProbe and readinessProbe to')],
            },
        ],
        unknownDuringPreview: [{ title: "container list", resources: [workload({ podSpec: { containers: unknownDuringPreview.array } })] }],
    },
    {
        policy: k8sRunAsNonRoot,
        passing: [
            { title: "runAsNonRoot on the pod", resources: [workload()] },
            { title: "runAsNonRoot on the container only", resources: [workload({ podSpec: { securityContext: {}, containers: [container({}, { runAsNonRoot: true })] } })] },
        ],
        failing: [
            {
                title: "a DaemonSet with no runAsNonRoot anywhere",
                resources: [workload({ type: "kubernetes:apps/v1:DaemonSet", name: "agent", podSpec: { securityContext: {} } })],
                messages: [/^kubernetes:apps\/v1:DaemonSet "agent": container "app" may run as root\. Fix: set securityContext\.runAsNonRoot: true on the pod \(spec\.template\.spec\.securityContext\) or on spec\.template\.spec\.containers\[0\]/],
            },
            {
                title: "a container overriding the pod's runAsNonRoot",
                resources: [workload({ podSpec: { containers: [container({}, { runAsNonRoot: false })] } })],
                messages: [withMessage(deploymentApp, 'container "app" may run as root\\. Fix:')],
            },
        ],
        unknownDuringPreview: [{ title: "pod security context", resources: [workload({ podSpec: { securityContext: unknownDuringPreview.object } })] }],
    },
    {
        policy: k8sReadOnlyRootFilesystem,
        passing: [{ title: "a read-only root filesystem", resources: [workload()] }],
        failing: [
            {
                title: "a writable root filesystem (the default)",
                resources: [workload({ podSpec: { containers: [container({}, { readOnlyRootFilesystem: undefined })] } })],
                messages: [withMessage(deploymentApp, 'container "app" can write to its root filesystem\\. Fix: set securityContext\\.readOnlyRootFilesystem: true on spec\\.template\\.spec\\.containers\\[0\\]')],
            },
        ],
        unknownDuringPreview: [{ title: "flag", resources: [workload({ podSpec: { containers: [container({}, { readOnlyRootFilesystem: unknownDuringPreview.boolean })] } })] }],
    },
    {
        policy: k8sNoPrivileged,
        passing: [{ title: "an unprivileged container", resources: [workload()] }],
        failing: [
            {
                title: "a privileged init container",
                resources: [workload({ podSpec: { initContainers: [container({ name: "sysctl" }, { privileged: true })] } })],
                messages: [withMessage(deploymentApp, 'init container "sysctl" is privileged, .*Fix: remove securityContext\\.privileged from spec\\.template\\.spec\\.initContainers\\[0\\]')],
            },
        ],
        unknownDuringPreview: [{ title: "flag", resources: [workload({ podSpec: { containers: [container({}, { privileged: unknownDuringPreview.boolean })] } })] }],
    },
    {
        policy: k8sNoPrivilegeEscalation,
        passing: [{ title: "privilege escalation turned off", resources: [workload()] }],
        failing: [
            {
                title: "privilege escalation left to the default, and allowed",
                resources: [
                    workload({
                        podSpec: {
                            containers: [container({}, { allowPrivilegeEscalation: undefined })],
                            initContainers: [container({ name: "setup" }, { allowPrivilegeEscalation: true })],
                        },
                    }),
                ],
                messages: [
                    withMessage(deploymentApp, 'container "app" may gain more privileges .*Fix: set securityContext\\.allowPrivilegeEscalation: false on spec\\.template\\.spec\\.containers\\[0\\]'),
                    withMessage(deploymentApp, 'init container "setup" may gain more privileges .*Fix: .* on spec\\.template\\.spec\\.initContainers\\[0\\]'),
                ],
            },
        ],
        unknownDuringPreview: [{ title: "flag", resources: [workload({ podSpec: { containers: [container({}, { allowPrivilegeEscalation: unknownDuringPreview.boolean })] } })] }],
    },
    {
        policy: k8sImagePinned,
        passing: [
            {
                title: "a digest, a version tag, and a version tag behind a registry port",
                resources: [workload({ podSpec: { containers: [container(), container({ name: "proxy", image: "nginx:1.27.3" }), container({ name: "sidecar", image: "registry.local:5000/tools/sidecar:2.1.0" })] } })],
            },
        ],
        failing: [
            {
                title: "an untagged image, latest, and an untagged image behind a registry port",
                resources: [
                    workload({
                        podSpec: {
                            containers: [container({ image: "nginx" }), container({ name: "proxy", image: "docker.io/library/nginx:latest" })],
                            initContainers: [container({ name: "setup", image: "registry.local:5000/tools/setup" })],
                        },
                    }),
                ],
                messages: [
                    withMessage(deploymentApp, 'container "app" image "nginx" has no tag, .*Fix: pin spec\\.template\\.spec\\.containers\\[0\\]\\.image to a version tag or, better, a digest'),
                    withMessage(deploymentApp, 'container "proxy" image "docker\\.io/library/nginx:latest" is tagged "latest", .*Fix: pin spec\\.template\\.spec\\.containers\\[1\\]\\.image'),
                    withMessage(deploymentApp, 'init container "setup" image "registry\\.local:5000/tools/setup" has no tag, .*Fix: pin spec\\.template\\.spec\\.initContainers\\[0\\]\\.image'),
                ],
            },
        ],
        unknownDuringPreview: [{ title: "image (a digest resolved in the same update)", resources: [workload({ podSpec: { containers: [container({ image: unknownDuringPreview.string })] } })] }],
    },
    {
        policy: k8sDisruptionBudgetForReplicatedDeployments,
        passing: [
            {
                title: "an autoscaled Deployment (no replicas field) with a PodDisruptionBudget, as the app is",
                resources: [workload(), autoscaler(2), disruptionBudget({ matchLabels: { "app.kubernetes.io/name": "eks-app" } })],
            },
            { title: "a single-replica Deployment without one", resources: [workload({ replicas: 1 }), workload({ name: "default-count" })] },
            {
                title: "a replicated Deployment whose budget selects by expression",
                resources: [
                    workload({ replicas: 3 }),
                    disruptionBudget({ matchExpressions: [{ key: "app.kubernetes.io/name", operator: "In", values: ["eks-app", "other"] }, { key: "canary", operator: "DoesNotExist" }] }),
                ],
            },
            {
                title: "an autoscaler that keeps one replica, whatever the Deployment's replicas field last said",
                resources: [workload({ replicas: 3 }), autoscaler(1)],
            },
        ],
        failing: [
            {
                title: "three replicas and no budget",
                resources: [workload({ replicas: 3 })],
                messages: [withMessage(deploymentApp, 'it runs at least 3 replicas and no PodDisruptionBudget in namespace "eks-app" selects its pods, .*Fix: add a policy/v1 PodDisruptionBudget in namespace "eks-app" whose selector matches the pod template\'s labels')],
            },
            {
                title: "an autoscaler with minReplicas 2, and a budget in another namespace",
                resources: [workload(), autoscaler(2), disruptionBudget({ matchLabels: { "app.kubernetes.io/name": "eks-app" } }, "other")],
                messages: [withMessage(deploymentApp, "it runs at least 2 replicas and no PodDisruptionBudget")],
            },
            {
                title: "a budget whose selector matches other pods, and one without a selector",
                resources: [workload({ replicas: 2 }), disruptionBudget({ matchLabels: { "app.kubernetes.io/name": "redis" } }), disruptionBudget(undefined)],
                messages: [withMessage(deploymentApp, "it runs at least 2 replicas and no PodDisruptionBudget")],
            },
        ],
        unknownDuringPreview: [
            { title: "budget selector", resources: [workload({ replicas: 3 }), disruptionBudget({ matchLabels: unknownDuringPreview.object })] },
            { title: "autoscaler minimum", resources: [workload(), autoscaler(unknownDuringPreview.number)] },
            { title: "pod label value", resources: [workload({ replicas: 3, labels: { "app.kubernetes.io/name": unknownDuringPreview.string } }), disruptionBudget({ matchLabels: { "app.kubernetes.io/name": "eks-app" } })] },
        ],
    },
    {
        policy: k8sLoadBalancerOptIn,
        passing: [
            { title: "a LoadBalancer Service that opts in", resources: [service("LoadBalancer", { "eks-app.io/public": "true" })] },
            { title: "a ClusterIP Service", resources: [service("ClusterIP")] },
        ],
        failing: [
            {
                title: "a LoadBalancer Service without the annotation",
                resources: [service("LoadBalancer", { "service.beta.kubernetes.io/aws-load-balancer-type": "nlb" })],
                messages: [/^kubernetes:core\/v1:Service "app": it asks for a load balancer without saying it is meant to be public\. Fix: if it is, annotate it with eks-app\.io\/public: "true"; otherwise use type ClusterIP/],
            },
            {
                title: "a LoadBalancer Service that opts out",
                resources: [service("LoadBalancer", { "eks-app.io/public": "false" })],
                messages: [/^kubernetes:core\/v1:Service "app": it asks for a load balancer/],
            },
        ],
        unknownDuringPreview: [
            { title: "annotations", resources: [service("LoadBalancer", unknownDuringPreview.object)] },
            { title: "opt-in value", resources: [service("LoadBalancer", { "eks-app.io/public": unknownDuringPreview.string })] },
        ],
    },
];
