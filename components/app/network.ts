import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { LoadBalancerSettings } from ".";

/**
 * The NLB's health check of a node, as the AWS cloud provider sets it up for a Service with externalTrafficPolicy
 * Local (kubernetes/cloud-provider-aws, pkg/providers/v1/aws.go, buildNLBHealthCheckConfiguration): HTTP to
 * kube-proxy's healthCheckNodePort, which answers 200 only on a node with a ready app pod, and a pod is ready while
 * its /readyz is. No path or port annotation, which would replace kube-proxy's check. The timing is ours: a node
 * whose pod drains is out of the NLB after interval × unhealthy threshold, within the app's drain delay.
 */
export const nlbHealthCheck = { intervalSeconds: 5, timeoutSeconds: 4, healthyThreshold: 2, unhealthyThreshold: 2 };

/** NLB annotations understood by the AWS cloud provider built into EKS: no extra controller needed. */
export function loadBalancerAnnotations(settings: LoadBalancerSettings): Record<string, string> {
    if (settings.kind === "local") return {};
    return {
        "service.beta.kubernetes.io/aws-load-balancer-type": "nlb",
        "service.beta.kubernetes.io/aws-load-balancer-internal": "false",
        "service.beta.kubernetes.io/aws-load-balancer-cross-zone-load-balancing-enabled": "true",
        "service.beta.kubernetes.io/aws-load-balancer-healthcheck-interval": String(nlbHealthCheck.intervalSeconds),
        "service.beta.kubernetes.io/aws-load-balancer-healthcheck-timeout": String(nlbHealthCheck.timeoutSeconds),
        "service.beta.kubernetes.io/aws-load-balancer-healthcheck-healthy-threshold": String(nlbHealthCheck.healthyThreshold),
        "service.beta.kubernetes.io/aws-load-balancer-healthcheck-unhealthy-threshold": String(nlbHealthCheck.unhealthyThreshold),
        ...(settings.certificateArn
            ? {
                  "service.beta.kubernetes.io/aws-load-balancer-ssl-cert": settings.certificateArn,
                  "service.beta.kubernetes.io/aws-load-balancer-ssl-ports": "https",
                  "service.beta.kubernetes.io/aws-load-balancer-backend-protocol": "tcp",
              }
            : {}),
    };
}

export interface AppNetworkPolicyArgs {
    namespace: pulumi.Output<string>;
    labels: Record<string, string>;
    /** The app's pod selector. */
    selector: Record<string, string>;
    /** The port the app serves on, the only one admitted in. */
    appPort: number;
    /** Who may reach that port; unset, anyone. */
    ingressFrom?: pulumi.Input<k8s.types.input.networking.v1.NetworkPolicyPeer[]>;
    /** The only namespace the app may reach, and Redis's port there. */
    redisNamespace: string;
    redisPort: number;
}

/** Default-deny for the namespace, then exactly what the app needs: its port in, Redis and DNS out. */
export function createAppNetworkPolicies(parent: pulumi.Resource, name: string, args: AppNetworkPolicyArgs): void {
    const metadata = (policyName: string) => ({ name: policyName, namespace: args.namespace, labels: args.labels });
    new k8s.networking.v1.NetworkPolicy(
        `${name}-default-deny`,
        { metadata: metadata("default-deny"), spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] } },
        { parent },
    );
    new k8s.networking.v1.NetworkPolicy(
        `${name}-allow`,
        {
            metadata: metadata(`${args.labels["app.kubernetes.io/name"]}-allow`),
            spec: {
                podSelector: { matchLabels: args.selector },
                policyTypes: ["Ingress", "Egress"],
                // From anywhere (the load balancer, the metrics scraper), or only the given peers, to the app port only.
                ingress: [{ ...(args.ingressFrom ? { from: args.ingressFrom } : {}), ports: [{ protocol: "TCP", port: args.appPort }] }],
                egress: [
                    {
                        to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": args.redisNamespace } } }],
                        ports: [{ protocol: "TCP", port: args.redisPort }],
                    },
                    {
                        to: [
                            {
                                namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } },
                                podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
                            },
                        ],
                        ports: [
                            { protocol: "UDP", port: 53 },
                            { protocol: "TCP", port: 53 },
                        ],
                    },
                ],
            },
        },
        { parent },
    );
}
