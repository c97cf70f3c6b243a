import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { LoadBalancerSettings } from "./web-app";

/** NLB annotations understood by the AWS cloud provider built into EKS: no extra controller needed. */
export function loadBalancerAnnotations(settings: LoadBalancerSettings): Record<string, string> {
    if (settings.kind === "local") return {};
    return {
        "service.beta.kubernetes.io/aws-load-balancer-type": "nlb",
        "service.beta.kubernetes.io/aws-load-balancer-internal": "false",
        "service.beta.kubernetes.io/aws-load-balancer-cross-zone-load-balancing-enabled": "true",
        "service.beta.kubernetes.io/aws-load-balancer-healthcheck-path": "/readyz",
        "service.beta.kubernetes.io/aws-load-balancer-healthcheck-protocol": "HTTP",
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
                // From anywhere (the load balancer, the metrics scraper) to the app port only.
                ingress: [{ ports: [{ protocol: "TCP", port: args.appPort }] }],
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
