// Kubernetes resources as the policies receive them, each passing every Kubernetes policy; cases spoil one thing.
import { FakeResource } from "../support";

export const namespace = "eks-app";
const podLabels = { "app.kubernetes.io/name": "eks-app", "app.kubernetes.io/part-of": "eks-app" };
const hardenedSecurityContext = { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, privileged: false, capabilities: { drop: ["ALL"] } };

export const podSecurityContext = { runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: "RuntimeDefault" } };

/** A container that passes every workload policy; tests spoil one thing at a time. */
export function container(overrides: Record<string, unknown> = {}, securityContext: Record<string, unknown> = {}): Record<string, unknown> {
    return {
        name: "app",
        image: `123456789012.dkr.ecr.eu-west-1.amazonaws.com/eks-app@sha256:${"a".repeat(64)}`,
        resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
        livenessProbe: { httpGet: { path: "/healthz", port: "http" } },
        readinessProbe: { httpGet: { path: "/readyz", port: "http" } },
        ...overrides,
        securityContext: { ...hardenedSecurityContext, ...securityContext },
    };
}

interface WorkloadShape {
    type?: string;
    name?: string;
    replicas?: unknown;
    labels?: unknown;
    podSpec?: Record<string, unknown>;
}

export function workload({ type = "kubernetes:apps/v1:Deployment", name = "app", replicas, labels = podLabels, podSpec = {} }: WorkloadShape = {}): FakeResource {
    return {
        type,
        name,
        props: {
            metadata: { name: "eks-app", namespace },
            spec: {
                ...(replicas === undefined ? {} : { replicas }),
                strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
                selector: { matchLabels: { "app.kubernetes.io/name": "eks-app" } },
                template: {
                    metadata: { labels },
                    spec: { automountServiceAccountToken: false, securityContext: podSecurityContext, containers: [container()], ...podSpec },
                },
            },
        },
    };
}

export function autoscaler(minReplicas: unknown, target = "eks-app"): FakeResource {
    return {
        type: "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
        name: "app",
        props: {
            metadata: { name: "eks-app", namespace },
            spec: { scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: target }, minReplicas, maxReplicas: 6 },
        },
    };
}

export function disruptionBudget(selector: unknown, budgetNamespace = namespace): FakeResource {
    return {
        type: "kubernetes:policy/v1:PodDisruptionBudget",
        name: "app",
        props: { metadata: { name: "eks-app", namespace: budgetNamespace }, spec: { maxUnavailable: 1, selector } },
    };
}

export function service(type: unknown, annotations?: unknown): FakeResource {
    return {
        type: "kubernetes:core/v1:Service",
        name: "app",
        props: {
            metadata: { name: "eks-app", namespace, ...(annotations === undefined ? {} : { annotations }) },
            spec: { type, selector: { "app.kubernetes.io/name": "eks-app" }, ports: [{ port: 80, targetPort: "http" }] },
        },
    };
}

export const deploymentApp = /^kubernetes:apps\/v1:Deployment "app": /;
export const withMessage = (prefix: RegExp, rest: string) => new RegExp(prefix.source + rest);

export function namespaceObject(labels: unknown): FakeResource {
    return { type: "kubernetes:core/v1:Namespace", name: "app", props: { metadata: { name: namespace, labels } } };
}
