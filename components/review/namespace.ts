import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { labelsFor, podSecurityLabels } from "../labels";
import { pullRequestLabel, reviewExpiryAnnotation } from "../../stacks/naming";

export interface ReviewNamespaceArgs {
    /** eks-app-pr-<n>. */
    name: string;
    pullRequest: number;
    /** The Pod Security Standards version enforced (staging's cluster's, e.g. v1.34). */
    podSecurityVersion: pulumi.Input<string>;
    /** When the sweeper may destroy the environment (RFC 3339, UTC). */
    expiresAt: string;
    /** What all pods together may request and use (config: reviewCpuQuota, reviewMemoryQuota). */
    quota: { cpu: string; memory: string };
    /** The largest container the namespace admits, and what a container that names no resources gets. */
    containerMaximum: { cpu: string; memory: string };
}

/** A pull request's namespace: restricted Pod Security, labelled and annotated for the sweeper, bounded by a quota. */
export class ReviewNamespace extends pulumi.ComponentResource {
    readonly name: pulumi.Output<string>;
    /** The quota and the limits: pods are created after them, so admission always applies both. */
    readonly bounds: pulumi.Resource[];

    constructor(name: string, args: ReviewNamespaceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("eks-app:review:Namespace", name, {}, opts);
        const parent = this;
        const labels = { ...labelsFor("eks-app"), [pullRequestLabel]: String(args.pullRequest) };
        const namespace = new k8s.core.v1.Namespace(
            name,
            {
                metadata: {
                    name: args.name,
                    labels: pulumi.output(args.podSecurityVersion).apply((version) => ({ ...labels, ...podSecurityLabels("restricted", version) })),
                    annotations: { [reviewExpiryAnnotation]: args.expiresAt },
                },
            },
            { parent },
        );
        this.name = namespace.metadata.name;
        const quota = new k8s.core.v1.ResourceQuota(
            name,
            {
                metadata: { name: "review-environment", namespace: this.name, labels },
                spec: {
                    hard: {
                        "requests.cpu": args.quota.cpu,
                        "limits.cpu": args.quota.cpu,
                        "requests.memory": args.quota.memory,
                        "limits.memory": args.quota.memory,
                        // The app and Redis, each two pods during a rollout.
                        pods: "4",
                        // Its own NLB, and no volume: a review environment's data is disposable.
                        "services.loadbalancers": "1",
                        persistentvolumeclaims: "0",
                        "requests.storage": "0",
                    },
                },
            },
            { parent },
        );
        const limits = new k8s.core.v1.LimitRange(
            name,
            {
                metadata: { name: "review-environment", namespace: this.name, labels },
                spec: {
                    limits: [
                        {
                            type: "Container",
                            max: args.containerMaximum,
                            default: args.containerMaximum,
                            defaultRequest: { cpu: "25m", memory: "32Mi" },
                        },
                    ],
                },
            },
            { parent },
        );
        this.bounds = [quota, limits];
        this.registerOutputs({ name: this.name });
    }
}
