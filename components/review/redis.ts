import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { PodPlacement } from "../autoscaling";
import { labelsFor, restrictedContainerSecurityContext, selectorFor } from "../labels";
import { redisMaxmemory, redisPort } from "../redis";
import { reviewRedisResources } from "./redis-resources";

/**
 * The Redis image: the vendored redis-ha chart's own default (charts/redis-ha-4.38.0.tgz, values.yaml `image`), so
 * review environments run the Redis staging and production run. Pinned here; bump it with the chart.
 */
export const reviewRedisImage = "public.ecr.aws/docker/library/redis:8.8.0-alpine";
const redisName = "redis";
/** Not the image's redis user (999), which may be a user of the node; /data is an emptyDir owned through fsGroup. */
const redisUserId = 10001;

export interface ReviewRedisArgs {
    /** The review environment's namespace (its Pod Security, quota and default-deny policy come with it). */
    namespace: pulumi.Input<string>;
    /** Memory limit (config: redisMemoryLimit); maxmemory is half of it, as for the chart's Redis. */
    memoryLimit: string;
    /** The app's pod labels: the only pods admitted to Redis. */
    clientPodLabels: Record<string, string>;
    /** Staging's spot NodePool placement. */
    placement?: Pick<PodPlacement, "affinity" | "tolerations">;
}

/**
 * One Redis server, no Sentinel and no volume: a review environment's data is disposable (it goes with the pod).
 * The redis-ha chart always runs Sentinel beside Redis, so this is a small Deployment of its own.
 */
export class ReviewRedis extends pulumi.ComponentResource {
    readonly host: pulumi.Output<string>;
    readonly port = redisPort;
    readonly password: pulumi.Output<string>;

    constructor(name: string, args: ReviewRedisArgs, opts?: pulumi.ComponentResourceOptions) {
        super("eks-app:review:Redis", name, {}, opts);
        const parent = this;
        const labels = labelsFor(redisName);
        const selector = selectorFor(redisName);
        this.password = new random.RandomPassword(`${name}-password`, { length: 32, special: false }, { parent }).result;

        const secret = new k8s.core.v1.Secret(
            name,
            { metadata: { name: `${redisName}-auth`, namespace: args.namespace, labels }, type: "Opaque", stringData: { password: this.password } },
            { parent },
        );
        new k8s.apps.v1.Deployment(
            name,
            {
                metadata: { name: redisName, namespace: args.namespace, labels },
                spec: {
                    replicas: 1,
                    // The new server is ready before the old one goes; the data does not move (it is disposable).
                    strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
                    selector: { matchLabels: selector },
                    template: {
                        metadata: { labels },
                        spec: {
                            automountServiceAccountToken: false,
                            securityContext: {
                                runAsNonRoot: true,
                                runAsUser: redisUserId,
                                runAsGroup: redisUserId,
                                fsGroup: redisUserId,
                                seccompProfile: { type: "RuntimeDefault" },
                            },
                            ...(args.placement ? { affinity: args.placement.affinity, tolerations: args.placement.tolerations } : {}),
                            containers: [
                                {
                                    name: redisName,
                                    image: reviewRedisImage,
                                    // No snapshots and no AOF: nothing is meant to survive the pod.
                                    args: [
                                        "--requirepass",
                                        "$(REDIS_PASSWORD)",
                                        "--save",
                                        "",
                                        "--appendonly",
                                        "no",
                                        "--maxmemory",
                                        redisMaxmemory(args.memoryLimit),
                                        "--maxmemory-policy",
                                        "noeviction",
                                    ],
                                    env: [{ name: "REDIS_PASSWORD", valueFrom: { secretKeyRef: { name: secret.metadata.name, key: "password" } } }],
                                    ports: [{ name: "redis", containerPort: redisPort, protocol: "TCP" }],
                                    // Ready once it answers commands (loading done); alive while it accepts connections.
                                    readinessProbe: {
                                        exec: { command: ["sh", "-c", 'redis-cli --no-auth-warning -a "$REDIS_PASSWORD" ping | grep -q PONG'] },
                                        periodSeconds: 5,
                                        timeoutSeconds: 2,
                                    },
                                    livenessProbe: { tcpSocket: { port: "redis" }, periodSeconds: 10, failureThreshold: 3 },
                                    resources: {
                                        requests: { cpu: reviewRedisResources.cpuRequest, memory: args.memoryLimit },
                                        limits: { cpu: reviewRedisResources.cpuLimit, memory: args.memoryLimit },
                                    },
                                    securityContext: restrictedContainerSecurityContext,
                                    volumeMounts: [{ name: "data", mountPath: "/data" }],
                                },
                            ],
                            // The working directory only; no persistent volume.
                            volumes: [{ name: "data", emptyDir: { sizeLimit: "64Mi" } }],
                        },
                    },
                },
            },
            { parent },
        );
        const service = new k8s.core.v1.Service(
            name,
            {
                metadata: { name: redisName, namespace: args.namespace, labels },
                spec: { type: "ClusterIP", selector, ports: [{ name: "redis", port: redisPort, targetPort: "redis", protocol: "TCP" }] },
            },
            { parent },
        );
        // The namespace denies everything by default (the app's policies); this admits the app's pods, nothing else.
        new k8s.networking.v1.NetworkPolicy(
            name,
            {
                metadata: { name: `${redisName}-allow`, namespace: args.namespace, labels },
                spec: {
                    podSelector: { matchLabels: selector },
                    policyTypes: ["Ingress", "Egress"],
                    ingress: [{ from: [{ podSelector: { matchLabels: args.clientPodLabels } }], ports: [{ protocol: "TCP", port: redisPort }] }],
                    egress: [],
                },
            },
            { parent },
        );
        this.host = pulumi.interpolate`${service.metadata.name}.${service.metadata.namespace}.svc.cluster.local`;
        this.registerOutputs({ host: this.host });
    }
}
