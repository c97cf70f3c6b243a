import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { PodPlacement } from "../autoscaling";
import { labelsFor, podSecurityLabels, restrictedContainerSecurityContext, selectorFor } from "../labels";
import { requestsPerSecondMetric } from "../monitoring";
import { publicServiceAnnotation } from "../../stacks/naming";
import { createAppNetworkPolicies, loadBalancerAnnotations } from "./network";

export { AppImage } from "./image";

export const appName = "eks-app";
export const appPort = 8080;
/** The app's container: Alloy parses the JSON lines of this container's logs. */
export const appContainerName = "app";
const appUserId = 10001;
/**
 * How long a pod keeps serving after SIGTERM (readiness already failing, `Connection: close` on every response),
 * so endpoints and the load balancer let go of it before it stops listening. The app does this itself.
 */
const drainDelaySeconds = 15;
/** A rollout that makes no progress for this long fails, and `pulumi up` fails with it. */
const progressDeadlineSeconds = 240;

export interface LoadBalancerSettings {
    /** "aws" annotates the Service for an internet-facing NLB; "local" leaves it to the local cluster. */
    kind: "aws" | "local";
    /** Client CIDRs the load balancer admits (config: loadBalancerSourceRanges). */
    sourceRanges: string[];
    /** ACM certificate: the NLB then also listens on 443 and terminates TLS (config: certificateArn). */
    certificateArn?: string;
}

export interface WebAppArgs {
    /** The app's namespace (config: namespace), enforcing Pod Security "restricted". */
    namespace: string;
    /** The Pod Security Standards version enforced, e.g. v1.34 (the cluster's) or latest; needed unless existingNamespace. */
    podSecurityVersion?: string;
    /** The image to run, by digest on AWS (resolved from the CI tag or built from app/). */
    image: pulumi.Input<string>;
    /** Pod count bounds for the HorizontalPodAutoscaler (config: appMinReplicas, appMaxReplicas). */
    minReplicas: number;
    maxReplicas: number;
    /** Average CPU utilisation, in percent of the request, the autoscaler aims for (config: appCpuTargetUtilization). */
    cpuTargetUtilization: number;
    /** Per pod, as Kubernetes quantities (config: appCpuRequest, appCpuLimit, appMemoryRequest, appMemoryLimit). */
    resources: { cpuRequest: string; cpuLimit: string; memoryRequest: string; memoryLimit: string };
    /** Where Redis answers (its Service host and port), the password, and its namespace for the egress policy. */
    redis: { host: pulumi.Input<string>; port: number; password: pulumi.Input<string>; namespace: string };
    /**
     * A namespace created elsewhere, named `namespace` (a review environment's, with its quota): the app then creates
     * none. Unset: the app creates its namespace.
     */
    existingNamespace?: pulumi.Output<string>;
    /** Who may reach the app's port; unset, anyone (the load balancer, the metrics scraper, other namespaces). */
    ingressFrom?: pulumi.Input<k8s.types.input.networking.v1.NetworkPolicyPeer[]>;
    loadBalancer: LoadBalancerSettings;
    /** With the monitoring stack: scrape /metrics, and scale on requests per second per pod as well as CPU. */
    metrics?: {
        /** The namespace Prometheus runs in. */
        scraperNamespace: string;
        /** The monitoring release whose CRDs the PodMonitor needs. */
        monitoringCrds: pulumi.Resource;
        /** Requests per second per pod the autoscaler aims for (prometheus-adapter's http_requests_per_second). */
        targetRequestsPerSecond: number;
    };
    /** Which nodes the pods may run on (Karpenter's NodePools on AWS, with spot in production); unset, anywhere. */
    placement?: PodPlacement;
}

/** The app: a hardened Deployment behind a public LoadBalancer, with autoscaling, a PDB and default-deny networking. */
export class WebApp extends pulumi.ComponentResource {
    readonly loadBalancerHostname: pulumi.Output<string>;
    readonly service: k8s.core.v1.Service;

    constructor(name: string, args: WebAppArgs, opts?: pulumi.ComponentResourceOptions) {
        super("eks-app:workload:WebApp", name, {}, opts);
        const parent = this;
        const labels = labelsFor(appName);
        const selector = selectorFor(appName);

        if (args.existingNamespace === undefined && args.podSecurityVersion === undefined) {
            throw new Error(`${name}: podSecurityVersion is needed for the namespace the app creates`);
        }
        const ns =
            args.existingNamespace ??
            new k8s.core.v1.Namespace(
                name,
                { metadata: { name: args.namespace, labels: { ...labels, ...podSecurityLabels("restricted", args.podSecurityVersion as string) } } },
                { parent },
            ).metadata.name;

        const serviceAccount = new k8s.core.v1.ServiceAccount(
            name,
            { metadata: { name: appName, namespace: ns, labels }, automountServiceAccountToken: false },
            { parent },
        );

        const redisSecret = new k8s.core.v1.Secret(
            `${name}-redis`,
            { metadata: { name: `${appName}-redis`, namespace: ns, labels }, type: "Opaque", stringData: { password: args.redis.password } },
            { parent },
        );

        const httpGet = (path: string) => ({ httpGet: { path, port: "http" } });
        const deployment = new k8s.apps.v1.Deployment(
            name,
            {
                metadata: { name: appName, namespace: ns, labels },
                spec: {
                    // No replicas field: the HorizontalPodAutoscaler owns the count, and re-applying must not reset it.
                    selector: { matchLabels: selector },
                    revisionHistoryLimit: 10,
                    progressDeadlineSeconds,
                    minReadySeconds: 5,
                    strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
                    template: {
                        metadata: { labels },
                        spec: {
                            serviceAccountName: serviceAccount.metadata.name,
                            automountServiceAccountToken: false,
                            // The app's drain delay, its 10 s SHUTDOWN_TIMEOUT_SECONDS for in-flight requests, and margin.
                            terminationGracePeriodSeconds: drainDelaySeconds + 30,
                            securityContext: {
                                runAsNonRoot: true,
                                runAsUser: appUserId,
                                runAsGroup: appUserId,
                                seccompProfile: { type: "RuntimeDefault" },
                            },
                            topologySpreadConstraints: [
                                {
                                    maxSkew: 1,
                                    topologyKey: "topology.kubernetes.io/zone",
                                    whenUnsatisfiable: "ScheduleAnyway",
                                    labelSelector: { matchLabels: selector },
                                    matchLabelKeys: ["pod-template-hash"],
                                },
                                {
                                    maxSkew: 1,
                                    topologyKey: "kubernetes.io/hostname",
                                    whenUnsatisfiable: "ScheduleAnyway",
                                    labelSelector: { matchLabels: selector },
                                    matchLabelKeys: ["pod-template-hash"],
                                },
                                ...(args.placement?.topologySpreadConstraints ?? []).map((constraint) => ({
                                    ...constraint,
                                    labelSelector: { matchLabels: selector },
                                    matchLabelKeys: ["pod-template-hash"],
                                })),
                            ],
                            ...(args.placement ? { affinity: args.placement.affinity, tolerations: args.placement.tolerations } : {}),
                            containers: [
                                {
                                    name: appContainerName,
                                    image: args.image,
                                    imagePullPolicy: "IfNotPresent",
                                    ports: [{ name: "http", containerPort: appPort, protocol: "TCP" }],
                                    env: [
                                        { name: "PORT", value: String(appPort) },
                                        { name: "REDIS_HOST", value: args.redis.host },
                                        { name: "REDIS_PORT", value: String(args.redis.port) },
                                        // The chart's requirepass applies to Redis's default user.
                                        { name: "REDIS_USERNAME", value: "default" },
                                        {
                                            name: "REDIS_PASSWORD",
                                            valueFrom: { secretKeyRef: { name: redisSecret.metadata.name, key: "password" } },
                                        },
                                        // After SIGTERM the app keeps serving this long with /readyz at 503 and
                                        // Connection: close, while endpoints and the load balancer let go of the pod.
                                        { name: "DRAIN_DELAY_SECONDS", value: String(drainDelaySeconds) },
                                        // The NLB forwards TCP and sets no X-Forwarded-For: any value would be the client's own.
                                        { name: "TRUST_X_FORWARDED_FOR", value: "false" },
                                    ],
                                    startupProbe: { ...httpGet("/healthz"), periodSeconds: 2, failureThreshold: 30, timeoutSeconds: 2 },
                                    readinessProbe: { ...httpGet("/readyz"), periodSeconds: 5, failureThreshold: 2, timeoutSeconds: 2 },
                                    livenessProbe: { ...httpGet("/healthz"), periodSeconds: 10, failureThreshold: 3, timeoutSeconds: 2 },
                                    resources: {
                                        requests: { cpu: args.resources.cpuRequest, memory: args.resources.memoryRequest },
                                        limits: { cpu: args.resources.cpuLimit, memory: args.resources.memoryLimit },
                                    },
                                    securityContext: restrictedContainerSecurityContext,
                                    volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
                                },
                            ],
                            volumes: [{ name: "tmp", emptyDir: { sizeLimit: "64Mi" } }],
                        },
                    },
                },
            },
            // Past the progress deadline the rollout is failed; the await gives up shortly after, failing `pulumi up`.
            { parent, customTimeouts: { create: "6m", update: "6m" } },
        );

        new k8s.policy.v1.PodDisruptionBudget(
            name,
            { metadata: { name: appName, namespace: ns, labels }, spec: { maxUnavailable: 1, selector: { matchLabels: selector } } },
            { parent },
        );

        new k8s.autoscaling.v2.HorizontalPodAutoscaler(
            name,
            {
                metadata: { name: appName, namespace: ns, labels },
                spec: {
                    scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: deployment.metadata.name },
                    minReplicas: args.minReplicas,
                    maxReplicas: args.maxReplicas,
                    metrics: [
                        { type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: args.cpuTargetUtilization } } },
                        // The higher of the two replica counts wins, so a traffic spike scales out before CPU saturates.
                        ...(args.metrics
                            ? [
                                  {
                                      type: "Pods",
                                      pods: {
                                          metric: { name: requestsPerSecondMetric },
                                          target: { type: "AverageValue", averageValue: String(args.metrics.targetRequestsPerSecond) },
                                      },
                                  },
                              ]
                            : []),
                    ],
                    behavior: { scaleDown: { stabilizationWindowSeconds: 300 } },
                },
            },
            { parent },
        );

        createAppNetworkPolicies(this, name, {
            namespace: ns,
            labels,
            selector,
            appPort,
            ingressFrom: args.ingressFrom,
            redisNamespace: args.redis.namespace,
            redisPort: args.redis.port,
        });
        if (args.metrics) {
            new k8s.apiextensions.CustomResource(
                `${name}-metrics`,
                {
                    apiVersion: "monitoring.coreos.com/v1",
                    kind: "PodMonitor",
                    metadata: { name: appName, namespace: ns, labels },
                    spec: {
                        selector: { matchLabels: selector },
                        podMetricsEndpoints: [{ port: "http", path: "/metrics", interval: "30s" }],
                    },
                },
                // The PodMonitor CRD comes with the monitoring release.
                { parent, dependsOn: [args.metrics.monitoringCrds] },
            );
        }

        const tls = args.loadBalancer.certificateArn !== undefined;
        this.service = new k8s.core.v1.Service(
            name,
            {
                metadata: {
                    name: appName,
                    namespace: ns,
                    labels,
                    annotations: {
                        // The policy pack refuses LoadBalancer Services that do not say they mean to be public.
                        [publicServiceAnnotation]: "true",
                        ...loadBalancerAnnotations(args.loadBalancer),
                        // A local cluster may have no load balancer implementation; do not wait for an address there.
                        ...(args.loadBalancer.kind === "local" ? { "pulumi.com/skipAwait": "true" } : {}),
                    },
                },
                spec: {
                    type: "LoadBalancer",
                    // Nodes hand traffic only to their own app pods, without SNAT: the app sees the client's address
                    // (the NLB keeps it for instance targets), so per-client create limits apply per client, not per node.
                    externalTrafficPolicy: "Local",
                    selector,
                    loadBalancerSourceRanges: args.loadBalancer.sourceRanges,
                    ports: [
                        { name: "http", port: 80, targetPort: "http", protocol: "TCP" },
                        ...(tls ? [{ name: "https", port: 443, targetPort: "http", protocol: "TCP" }] : []),
                    ],
                },
            },
            // Not after the rollout: the NLB takes minutes to provision, and its health checks admit pods only once
            // /readyz answers, so both proceed at once on a first `up`.
            { parent },
        );

        this.loadBalancerHostname = this.service.status.apply((status) => {
            const ingress = status?.loadBalancer?.ingress?.[0];
            return ingress?.hostname ?? ingress?.ip ?? "";
        });
        this.registerOutputs({ loadBalancerHostname: this.loadBalancerHostname });
    }
}
