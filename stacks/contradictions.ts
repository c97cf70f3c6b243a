// Combinations of individually valid settings that cannot work together, each named with its keys and values.
import { qualified } from "./fields";
import { mebibytes, millicores } from "./quantities";
import type { Settings } from "./settings";
import { reviewRedisResources } from "../components/review/redis-resources";

/** Keys only a review stack reads. */
const reviewKeys = ["reviewBaseStack", "reviewLifetimeDays", "reviewCpuQuota", "reviewMemoryQuota", "reviewUpdatedAt"] as const;

/** The longest window an alert rule reads (monitoring/rules/app.yaml, namespace:http_request_errors:ratio_rate3d). */
export const slowestBurnWindowDays = 3;

/** A Prometheus retention ("15d", "2w") in days. */
function days(retention: string): number {
    return Number(retention.slice(0, -1)) * (retention.endsWith("w") ? 7 : 1);
}

/** Combinations of individually valid values that cannot work together. */
export function contradictions(s: Settings, given: Record<string, unknown>): string[] {
    const problems: string[] = [];
    const production = s.environment === "production";
    const k = qualified;

    if (s.nodeMinSize > s.nodeMaxSize) {
        problems.push(`${k("nodeMinSize")} = ${s.nodeMinSize} is greater than ${k("nodeMaxSize")} = ${s.nodeMaxSize}: the minimum must not exceed the maximum`);
    } else if (s.nodeDesiredSize < s.nodeMinSize || s.nodeDesiredSize > s.nodeMaxSize) {
        problems.push(`${k("nodeDesiredSize")} = ${s.nodeDesiredSize} is outside ${k("nodeMinSize")}..${k("nodeMaxSize")} (${s.nodeMinSize}..${s.nodeMaxSize})`);
    }
    if (s.clusterDeployerPrincipalArn !== undefined && s.clusterDeployerRole !== undefined) {
        problems.push(`${k("clusterDeployerPrincipalArn")} and ${k("clusterDeployerRole")} are both set: name the deployer once`);
    }
    if (s.appMinReplicas > s.appMaxReplicas) {
        problems.push(`${k("appMinReplicas")} = ${s.appMinReplicas} is greater than ${k("appMaxReplicas")} = ${s.appMaxReplicas}: the minimum must not exceed the maximum`);
    }
    if (millicores(s.appCpuRequest) > millicores(s.appCpuLimit)) {
        problems.push(`${k("appCpuRequest")} = ${JSON.stringify(s.appCpuRequest)} is greater than ${k("appCpuLimit")} = ${JSON.stringify(s.appCpuLimit)}: a request must not exceed its limit`);
    }
    if (mebibytes(s.appMemoryRequest) > mebibytes(s.appMemoryLimit)) {
        problems.push(`${k("appMemoryRequest")} = ${JSON.stringify(s.appMemoryRequest)} is greater than ${k("appMemoryLimit")} = ${JSON.stringify(s.appMemoryLimit)}: a request must not exceed its limit`);
    }

    if (production) {
        if (s.availabilityZoneCount < 3) {
            problems.push(`${k("availabilityZoneCount")} = ${s.availabilityZoneCount} is not allowed in production: expected at least 3 so the cluster and Redis survive the loss of one AZ`);
        }
        if (s.natGateways === "single") {
            problems.push(`${k("natGateways")} = "single" is not allowed in production: one NAT gateway makes every AZ depend on one; expected onePerAz`);
        }
        if (s.nodeCapacityType === "SPOT" && !s.allowSpotInProduction) {
            problems.push(`${k("nodeCapacityType")} = "SPOT" is not allowed in production unless ${k("allowSpotInProduction")} is true: expected ON_DEMAND`);
        }
        if (s.appMinReplicas < 2) {
            problems.push(`${k("appMinReplicas")} = ${s.appMinReplicas} is not allowed in production: expected at least 2 so a rollout or a node loss keeps the app up`);
        }
        if (s.redisReplicas < 3) {
            problems.push(`${k("redisReplicas")} = ${s.redisReplicas} is not allowed in production: expected at least 3 for Sentinel failover`);
        }
        if (s.clusterEndpointPublicAccess && s.clusterEndpointPublicAccessCidrs.includes("0.0.0.0/0") && !s.clusterEndpointOpenToInternet) {
            problems.push(
                `${k("clusterEndpointPublicAccessCidrs")} contains "0.0.0.0/0", which is not allowed in production unless ${k("clusterEndpointOpenToInternet")} is true ` +
                    `(the API is then protected by IAM authentication alone): list the CIDRs that run pulumi (self-hosted runners, VPN), or set ${k("clusterEndpointPublicAccess")} to false and deploy from inside the VPC`,
            );
        }
    }
    // Only staging and production create a cluster; local and review stacks use one that exists.
    if ((s.environment === "staging" || production) && s.clusterEndpointPublicAccess && s.clusterEndpointPublicAccessCidrs.length === 0) {
        problems.push(`${k("clusterEndpointPublicAccessCidrs")} is empty while ${k("clusterEndpointPublicAccess")} is true: list the CIDRs allowed to reach the API server, or set ${k("clusterEndpointPublicAccess")} to false`);
    }
    if (!s.clusterEndpointPublicAccess && "clusterEndpointPublicAccessCidrs" in given && s.clusterEndpointPublicAccessCidrs.length > 0) {
        problems.push(`${k("clusterEndpointPublicAccessCidrs")} is set while ${k("clusterEndpointPublicAccess")} is false: remove the CIDRs or turn public access on`);
    }
    if (s.imageTag !== undefined && s.image !== undefined) {
        problems.push(`${k("imageTag")} = ${JSON.stringify(s.imageTag)} and ${k("image")} = ${JSON.stringify(s.image)} are both set: use imageTag for the stack's ECR repository or image for any other registry, not both`);
    }
    if (s.environment === "local" && s.image === undefined) {
        problems.push(`${k("image")} is not set: the local environment has no ECR repository, so name an image the cluster can pull or has loaded, e.g. eks-app:local`);
    }
    if (s.environment === "local" && s.imageTag !== undefined) {
        problems.push(`${k("imageTag")} = ${JSON.stringify(s.imageTag)} is not allowed in the local environment, which has no ECR repository: set ${k("image")} instead`);
    }
    if (s.certificateArn !== undefined && s.domainName === undefined) {
        problems.push(`${k("certificateArn")} is set but ${k("domainName")} is not: the certificate must match the name clients use`);
    }
    if (s.hostedZoneId !== undefined && s.domainName === undefined) {
        problems.push(`${k("hostedZoneId")} = ${JSON.stringify(s.hostedZoneId)} is set but ${k("domainName")} is not: name the record to create`);
    }
    if (production && s.monitoring && !s.alertSnsTopics && !s.alertReceiverConfigured) {
        problems.push(
            `${k("alertSnsTopics")} is false and ${k("alertReceiverUrl")} is not set: production must page someone. Keep ${k("alertSnsTopics")} true (the default) ` +
                `and subscribe the on-call to the alertPageTopicArn output, or set ${k("alertReceiverUrl")} with --secret`,
        );
    }
    if (s.monitoring && days(s.prometheusRetention) < slowestBurnWindowDays) {
        problems.push(
            `${k("prometheusRetention")} = ${JSON.stringify(s.prometheusRetention)} is shorter than the ${slowestBurnWindowDays} days the slowest burn-rate alert reads: expected ${slowestBurnWindowDays}d or more`,
        );
    }
    if (s.environment === "local" && s.alertSnsTopics) {
        problems.push(`${k("alertSnsTopics")} = true is not allowed in the local environment, which creates no AWS resource`);
    }
    if (s.environment === "local" && (s.lokiStorage === "s3" || s.grafanaInternalLoadBalancer)) {
        problems.push(`${k("lokiStorage")} = "s3" and ${k("grafanaInternalLoadBalancer")} = true are not allowed in the local environment, which creates no AWS resource`);
    }
    if (s.environment === "local" && (s.domainName !== undefined || s.certificateArn !== undefined)) {
        problems.push(`${k("domainName")} and ${k("certificateArn")} are not allowed in the local environment, which has no AWS load balancer`);
    }
    problems.push(...reviewContradictions(s, given));
    return problems;
}

/** A review stack deploys one pull request's workload onto staging: its own image, within its quota, nothing else. */
function reviewContradictions(s: Settings, given: Record<string, unknown>): string[] {
    const problems: string[] = [];
    const k = qualified;
    if (s.environment !== "review") {
        for (const key of reviewKeys) {
            if (key in given) problems.push(`${k(key)} is set in a ${s.environment} stack: only review stacks (pr-<n>, Pulumi.review.yaml) read it`);
        }
        if (s.clusterReviewRole !== undefined && s.environment !== "staging") {
            problems.push(`${k("clusterReviewRole")} is set in a ${s.environment} stack: review environments run on staging's cluster only`);
        }
        return problems;
    }
    if (s.pullRequest === undefined) return problems;
    const tagPrefix = `pr-${s.pullRequest}-`;
    if (s.imageTag === undefined && s.image === undefined) {
        problems.push(`${k("imageTag")} is not set: a review stack runs the pull request's own build, pushed to staging's repository as ${tagPrefix}<commit>`);
    }
    if (s.reviewUpdatedAt === undefined) {
        problems.push(
            `${k("reviewUpdatedAt")} is not set: the review workflow sets it to the deploy's time (scripts/deploy/review-stack.sh), and the environment expires ${k("reviewLifetimeDays")} after it`,
        );
    }
    if (s.imageTag !== undefined && !s.imageTag.startsWith(tagPrefix)) {
        problems.push(
            `${k("imageTag")} = ${JSON.stringify(s.imageTag)} is not allowed in review stack pr-${s.pullRequest}: expected ${tagPrefix}<commit>, a tag main's images (commit SHAs) can never have`,
        );
    }
    for (const key of ["monitoring", "alertSnsTopics", "grafanaInternalLoadBalancer"] as const) {
        if (s[key]) problems.push(`${k(key)} = true is not allowed in a review stack: monitoring is staging's, and a review stack creates no platform resource`);
    }
    for (const key of ["domainName", "hostedZoneId", "certificateArn", "clusterReviewRole"] as const) {
        if (s[key] !== undefined) problems.push(`${k(key)} is not allowed in a review stack, which creates no AWS resource and is reached at its load balancer's name`);
    }
    if (s.appMaxReplicas !== 1 || s.redisReplicas !== 1) {
        problems.push(`${k("appMaxReplicas")} = ${s.appMaxReplicas} and ${k("redisReplicas")} = ${s.redisReplicas}: a review environment runs one app pod and one Redis, expected 1 and 1`);
    }
    // During a rolling update the old and the new pod run side by side (maxSurge 1), for the app and for Redis.
    const cpuNeeded = 2 * (millicores(s.appCpuLimit) + millicores(reviewRedisResources.cpuLimit));
    const memoryNeeded = 2 * (mebibytes(s.appMemoryLimit) + mebibytes(s.redisMemoryLimit));
    if (cpuNeeded > millicores(s.reviewCpuQuota) || memoryNeeded > mebibytes(s.reviewMemoryQuota)) {
        problems.push(
            `${k("reviewCpuQuota")} = ${JSON.stringify(s.reviewCpuQuota)} and ${k("reviewMemoryQuota")} = ${JSON.stringify(s.reviewMemoryQuota)} do not fit the workload's limits ` +
                `during a rollout (two app pods and two Redis pods: ${cpuNeeded}m CPU, ${memoryNeeded}Mi memory): raise the quota or lower the limits`,
        );
    }
    return problems;
}
