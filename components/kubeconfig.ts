export interface KubeconfigInputs {
    clusterName: string;
    endpoint: string;
    certificateAuthorityData: string;
    region: string;
}

/**
 * A kubeconfig that authenticates with `aws eks get-token` from whatever AWS credentials the caller has.
 * No profile or role is baked in, so a CI role and a person can both use it, and changing local
 * credentials does not change the provider's inputs (which would replace every workload).
 */
export function buildKubeconfig({ clusterName, endpoint, certificateAuthorityData, region }: KubeconfigInputs): string {
    return JSON.stringify({
        apiVersion: "v1",
        kind: "Config",
        clusters: [{ name: clusterName, cluster: { server: endpoint, "certificate-authority-data": certificateAuthorityData } }],
        contexts: [{ name: clusterName, context: { cluster: clusterName, user: clusterName } }],
        "current-context": clusterName,
        users: [
            {
                name: clusterName,
                user: {
                    exec: {
                        apiVersion: "client.authentication.k8s.io/v1beta1",
                        command: "aws",
                        args: ["eks", "get-token", "--cluster-name", clusterName, "--region", region, "--output", "json"],
                        interactiveMode: "Never",
                    },
                },
            },
        ],
    });
}
