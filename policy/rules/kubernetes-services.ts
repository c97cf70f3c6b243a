import { stringMapAt, unknownValue, valueAt } from "../lib/properties";
import { resourceRule } from "../lib/rule";
import { publicServiceAnnotation } from "../../stacks/naming";

export const k8sLoadBalancerOptIn = resourceRule({
    name: "k8s-load-balancer-opt-in",
    description: `Services of type LoadBalancer carry the annotation ${publicServiceAnnotation}: "true", so every public endpoint is deliberate.`,
    resourceTypes: ["kubernetes:core/v1:Service"],
    check(resource, report) {
        if (valueAt(resource.props, "spec", "type") !== "LoadBalancer") return;
        const annotations = stringMapAt(resource.props, "metadata", "annotations");
        if (annotations === unknownValue) return;
        const optIn = annotations[publicServiceAnnotation];
        if (optIn === unknownValue || optIn === "true") return;
        report(
            "it asks for a load balancer without saying it is meant to be public",
            `if it is, annotate it with ${publicServiceAnnotation}: "true"; otherwise use type ClusterIP`,
        );
    },
});

export const kubernetesServicePolicies = [k8sLoadBalancerOptIn];
