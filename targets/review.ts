// The review target (stack pr-<n>): a pull request's own copy of the app on staging's cluster.
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { AppImage, appName, WebApp } from "../components/app";
import { placementFor } from "../components/autoscaling";
import { loadBalancerClientsOnly, ReviewNamespace, ReviewRedis } from "../components/review";
import { Settings } from "../stacks";
import { reviewNamespace, reviewRepositoryName } from "../stacks/naming";
import { appSizing } from "./workload";

/**
 * When the sweeper may destroy the environment: its lifetime after `updatedAt`, the time of the deploy that set it
 * (eks-app:reviewUpdatedAt, from the review workflow). From config, never the clock: a preview of an unchanged
 * environment shows no change, and each deploy (a new commit, the label added again) pushes the expiry out.
 */
export function reviewExpiry(updatedAt: string, lifetimeDays: number): string {
    return new Date(Date.parse(updatedAt) + lifetimeDays * 24 * 60 * 60 * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/**
 * A pull request's review environment (stack pr-<n>): no platform resource. Staging's cluster, registry and network are
 * read through a StackReference; only the workload is deployed, into namespace eks-app-pr-<n>.
 */
export function deployReview(settings: Settings & { region: string; pullRequest: number }) {
    const staging = new pulumi.StackReference("staging", { name: settings.reviewBaseStack });
    const stagingOutput = (name: string) => staging.requireOutput(name) as pulumi.Output<string>;
    // The review role's own credentials; the kubeconfig bakes in no role (components/kubeconfig.ts).
    const provider = new k8s.Provider("staging", { kubeconfig: stagingOutput("kubeconfig"), enableServerSideApply: true });
    const kubernetes = { providers: { kubernetes: provider } };
    const expiresAt = reviewExpiry(settings.reviewUpdatedAt as string, settings.reviewLifetimeDays);
    const namespace = new ReviewNamespace(
        "review",
        {
            name: reviewNamespace(settings.pullRequest),
            pullRequest: settings.pullRequest,
            podSecurityVersion: pulumi.interpolate`v${stagingOutput("kubernetesVersion")}`,
            expiresAt,
            quota: { cpu: settings.reviewCpuQuota, memory: settings.reviewMemoryQuota },
            containerMaximum: { cpu: settings.appCpuLimit, memory: settings.appMemoryLimit },
        },
        kubernetes,
    );
    // Pods are created once the quota and limits exist, so admission holds every one of them to both.
    const bounded = { ...kubernetes, dependsOn: namespace.bounds };
    const redis = new ReviewRedis(
        "redis",
        {
            namespace: namespace.name,
            memoryLimit: settings.redisMemoryLimit,
            clientPodLabels: { "app.kubernetes.io/name": appName },
            placement: placementFor("staging", "redis"),
        },
        bounded,
    );
    const image =
        settings.image ??
        new AppImage(
            "app",
            {
                // The review repository beside staging's, in the same registry (bootstrap/registry.ts).
                repositoryUrl: stagingOutput("ecrRepositoryUrl").apply((url) => url.replace(/[^/]+$/, (name) => reviewRepositoryName(name))),
                repositoryName: stagingOutput("ecrRepositoryName").apply(reviewRepositoryName),
                imageTag: settings.imageTag,
                buildContext: path.join(__dirname, "..", "app"),
            },
            { providers: { aws: new aws.Provider("aws", { region: settings.region as aws.Region }) } },
        ).ref;
    const namespaceName = reviewNamespace(settings.pullRequest);
    const app = new WebApp(
        "app",
        {
            namespace: namespaceName,
            existingNamespace: namespace.name,
            image,
            ...appSizing(settings),
            redis: { host: redis.host, port: redis.port, password: redis.password, namespace: namespaceName },
            // An NLB of its own per pull request (README: Review environments).
            loadBalancer: { kind: "aws", sourceRanges: settings.loadBalancerSourceRanges },
            ingressFrom: stagingOutput("vpcCidr").apply((vpcCidr) => loadBalancerClientsOnly(settings.loadBalancerSourceRanges, vpcCidr)),
            placement: placementFor("staging", "app"),
        },
        bounded,
    );
    return {
        pullRequest: settings.pullRequest,
        namespace: namespace.name,
        // The sweeper (.github/workflows/review-sweeper.yml) destroys the environment after this.
        expiresAt,
        // What review-stack.sh gives a preview of the environment as deployed (no change shown).
        updatedAt: settings.reviewUpdatedAt as string,
        clusterName: stagingOutput("clusterName"),
        image,
        imageTag: settings.imageTag ?? "",
        loadBalancerHostname: app.loadBalancerHostname,
        hostname: app.loadBalancerHostname,
        url: pulumi.interpolate`http://${app.loadBalancerHostname}`,
    };
}
