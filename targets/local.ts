// The local target: the workload on the cluster of kubectl's current context, with an image built beforehand.
import * as k8s from "@pulumi/kubernetes";
import { Settings } from "../stacks";
import { deployWorkload, monitoringOutputs } from "./workload";

export function deployToLocalCluster(settings: Settings & { image: string }) {
    // No kubeconfig given: the provider uses the current context, like kubectl.
    const provider = new k8s.Provider("local", { enableServerSideApply: true });
    const { app, monitoring } = deployWorkload(settings, {
        provider,
        image: settings.image,
        dependsOn: [],
        podSecurityVersion: "latest",
        loadBalancer: { kind: "local", sourceRanges: settings.loadBalancerSourceRanges },
    });
    return {
        image: settings.image,
        imageTag: "",
        loadBalancerHostname: app.loadBalancerHostname,
        hostname: app.loadBalancerHostname,
        url: app.loadBalancerHostname.apply((host) => (host ? `http://${host}` : "")),
        ...monitoringOutputs(monitoring),
    };
}
