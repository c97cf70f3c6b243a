// The config schema: every key the program reads, its type, what is allowed (in words, for error messages) and
// what it means (for the config reference, docs/configuration.md). Validation against it happens in settings.ts.
import { z } from "zod";
import { eksAddonNames } from "../components/cluster/addon-names";
import { mebibytes } from "./quantities";
import { capacityTypes, environments, natGatewayStrategies } from "./profiles";

export const configNamespace = "eks-app";

/** A key as users write it: eks-app:<key>. */
export function qualified(key: string): string {
    return `${configNamespace}:${key}`;
}


/** Kubernetes minor versions this program is tested against (EKS standard support, gp2 no longer default). */
export const supportedKubernetesVersions = ["1.32", "1.33", "1.34", "1.35"] as const;

/** The values CloudWatch Logs accepts for retentionInDays. */
const logRetentionDays = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

export type ValueKind = "string" | "number" | "boolean" | "json";

export interface Field {
    kind: ValueKind;
    schema: z.ZodType;
    /** What is allowed, in words, for the error message. */
    allowed: string;
    secret?: boolean;
}

const cidr = z.cidrv4();
const iamPrincipalArn = z.string().regex(/^arn:aws(-cn|-us-gov)?:iam::\d{12}:(role|user)\/[\w+=,.@\/-]+$/);
// An IAM role by path and name within the stack's account (IAM's role name and path characters), e.g. eks-app-ci/eks-app-staging-deploy.
const iamRolePathAndName = z.string().regex(/^([\w+=,.@-]+\/)*[\w+=,.@-]{1,64}$/);
const cpuQuantity = z.string().regex(/^(\d+m|\d+(\.\d+)?)$/);
const memoryQuantity = z.string().regex(/^\d+(Mi|Gi)$/);
const imageTag = z
    .string()
    .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/)
    .refine((tag) => tag !== "latest");
const dnsName = z.string().regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/);
const int = (min: number, max: number) => z.number().int().min(min).max(max);

const fields = {
    environment: { kind: "string", schema: z.enum(environments), allowed: `one of ${environments.join(", ")}` },
    availabilityZoneCount: { kind: "number", schema: int(2, 6), allowed: "an integer from 2 to 6 (EKS needs subnets in at least 2 AZs)" },
    vpcCidr: {
        kind: "string",
        schema: cidr.refine((value) => {
            const prefix = Number(value.split("/")[1]);
            return prefix >= 16 && prefix <= 20;
        }),
        allowed: "an IPv4 CIDR with a prefix from /16 to /20 (room for a public and a private subnet per AZ)",
    },
    natGateways: { kind: "string", schema: z.enum(natGatewayStrategies), allowed: natGatewayStrategies.join(" or ") },
    kubernetesVersion: {
        kind: "string",
        schema: z.enum(supportedKubernetesVersions),
        allowed: `one of ${supportedKubernetesVersions.join(", ")}`,
    },
    clusterEndpointPublicAccess: { kind: "boolean", schema: z.boolean(), allowed: "true or false" },
    clusterEndpointOpenToInternet: { kind: "boolean", schema: z.boolean(), allowed: "true or false" },
    clusterEndpointPublicAccessCidrs: { kind: "json", schema: z.array(cidr).max(40), allowed: "a list of IPv4 CIDRs, e.g. [\"203.0.113.10/32\"]" },
    clusterDeployerPrincipalArn: {
        kind: "string",
        schema: iamPrincipalArn,
        allowed: "an IAM role or user ARN, e.g. arn:aws:iam::123456789012:role/eks-app-ci/eks-app-deploy-staging",
    },
    clusterDeployerRole: {
        kind: "string",
        schema: iamRolePathAndName,
        allowed: "an IAM role's path and name in the stack's account, without account or leading slash, e.g. eks-app-ci/eks-app-staging-deploy",
    },
    clusterPreviewRole: {
        kind: "string",
        schema: iamRolePathAndName,
        allowed: "an IAM role's path and name in the stack's account, without account or leading slash, e.g. eks-app-ci/eks-app-staging-preview",
    },
    clusterReviewRole: {
        kind: "string",
        schema: iamRolePathAndName,
        allowed: "an IAM role's path and name in the stack's account, without account or leading slash, e.g. eks-app-ci/eks-app-review",
    },
    clusterAdminPrincipalArns: { kind: "json", schema: z.array(iamPrincipalArn), allowed: "a list of IAM role or user ARNs" },
    clusterViewerPrincipalArns: { kind: "json", schema: z.array(iamPrincipalArn), allowed: "a list of IAM role or user ARNs" },
    controlPlaneLogRetentionDays: {
        kind: "number",
        schema: z.number().refine((days) => logRetentionDays.includes(days)),
        allowed: `one of the CloudWatch retention values ${logRetentionDays.join(", ")}`,
    },
    deletionProtection: { kind: "boolean", schema: z.boolean(), allowed: "true or false" },
    nodeInstanceTypes: {
        kind: "json",
        schema: z.array(z.string().regex(/^[a-z][a-z0-9-]*\.[a-z0-9]+$/)).min(1).max(20),
        allowed: "a non-empty list of EC2 instance types, e.g. [\"m6i.large\"]",
    },
    nodeCapacityType: { kind: "string", schema: z.enum(capacityTypes), allowed: capacityTypes.join(" or ") },
    allowSpotInProduction: { kind: "boolean", schema: z.boolean(), allowed: "true or false" },
    nodeMinSize: { kind: "number", schema: int(1, 100), allowed: "an integer from 1 to 100" },
    nodeDesiredSize: { kind: "number", schema: int(1, 100), allowed: "an integer from 1 to 100" },
    nodeMaxSize: { kind: "number", schema: int(1, 100), allowed: "an integer from 1 to 100" },
    nodeDiskSizeGiB: { kind: "number", schema: int(20, 1000), allowed: "an integer from 20 to 1000" },
    nodePoolCpuLimit: { kind: "number", schema: int(4, 10000), allowed: "an integer number of vCPUs from 4 to 10000" },
    nodePoolMemoryLimitGiB: { kind: "number", schema: int(8, 40000), allowed: "an integer number of GiB from 8 to 40000" },
    karpenterAmiVersion: {
        kind: "string",
        schema: z.string().regex(/^v\d{8}$/),
        allowed: "an EKS AMI release like v20260714 (https://github.com/awslabs/amazon-eks-ami/releases), never latest",
    },
    addonVersions: {
        kind: "json",
        schema: z.partialRecord(z.enum(eksAddonNames), z.string().regex(/^v\d+\.\d+\.\d+-eksbuild\.\d+$/)),
        allowed: `a map from ${eksAddonNames.join(", ")} to an EKS addon version like v1.19.0-eksbuild.1`,
    },
    namespace: {
        kind: "string",
        schema: z.string().regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/).refine((ns) => !ns.startsWith("kube-") && ns !== "default"),
        allowed: "a DNS-1123 label that is not default or kube-*",
    },
    metricsScraperNamespace: {
        kind: "string",
        schema: z.string().regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/),
        allowed: "a DNS-1123 label naming the namespace of the metrics scraper",
    },
    imageTag: { kind: "string", schema: imageTag, allowed: "a Docker tag (letters, digits, _ . -, up to 128 characters) other than latest" },
    image: {
        kind: "string",
        schema: z.string().regex(/^[a-z0-9][a-z0-9._\/:-]*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}|@sha256:[a-f0-9]{64})$/).refine((ref) => !ref.endsWith(":latest")),
        allowed: "an image reference with an explicit tag other than latest, or a digest",
    },
    appMinReplicas: { kind: "number", schema: int(1, 100), allowed: "an integer from 1 to 100" },
    appMaxReplicas: { kind: "number", schema: int(1, 100), allowed: "an integer from 1 to 100" },
    appCpuTargetUtilization: { kind: "number", schema: int(10, 95), allowed: "an integer percentage from 10 to 95" },
    appCpuRequest: { kind: "string", schema: cpuQuantity, allowed: "a CPU quantity like 100m or 1" },
    appCpuLimit: { kind: "string", schema: cpuQuantity, allowed: "a CPU quantity like 500m or 1" },
    appMemoryRequest: { kind: "string", schema: memoryQuantity, allowed: "a memory quantity in Mi or Gi, like 128Mi" },
    appMemoryLimit: { kind: "string", schema: memoryQuantity, allowed: "a memory quantity in Mi or Gi, like 256Mi" },
    loadBalancerSourceRanges: { kind: "json", schema: z.array(cidr).min(1), allowed: "a non-empty list of IPv4 CIDRs" },
    redisReplicas: {
        kind: "number",
        schema: int(1, 7).refine((n) => n !== 2),
        allowed: "1 (no failover) or 3 to 7 (Sentinel needs a majority to fail over)",
    },
    redisStorageSize: { kind: "string", schema: memoryQuantity, allowed: "a size in Mi or Gi, like 8Gi" },
    redisMemoryLimit: {
        kind: "string",
        schema: memoryQuantity.refine((quantity) => mebibytes(quantity) >= 128 && mebibytes(quantity) <= 65536),
        allowed: "a memory quantity from 128Mi to 64Gi, like 1Gi",
    },
    redisPassword: {
        kind: "string",
        schema: z.string().min(16).max(128).regex(/^[A-Za-z0-9_.~+=-]+$/),
        allowed: "16 to 128 characters of A-Z a-z 0-9 _ . ~ + = - (set it with --secret)",
        secret: true,
    },
    monitoring: { kind: "boolean", schema: z.boolean(), allowed: "true or false" },
    monitoringResourceTier: { kind: "string", schema: z.enum(["small", "standard", "large"]), allowed: "small, standard or large" },
    prometheusReplicas: { kind: "number", schema: int(1, 3), allowed: "an integer from 1 to 3" },
    prometheusRetention: { kind: "string", schema: z.string().regex(/^[1-9]\d*[dw]$/), allowed: "a duration in days or weeks, like 15d or 2w" },
    prometheusStorageSize: { kind: "string", schema: memoryQuantity, allowed: "a size in Mi or Gi, like 50Gi" },
    alertmanagerReplicas: { kind: "number", schema: int(1, 5), allowed: "an integer from 1 to 5" },
    alertReceiverType: { kind: "string", schema: z.enum(["webhook", "slack"]), allowed: "webhook or slack" },
    alertReceiverUrl: { kind: "string", schema: z.url({ protocol: /^https$/ }), allowed: "an https URL (set it with --secret)", secret: true },
    alertTicketReceiverUrl: { kind: "string", schema: z.url({ protocol: /^https$/ }), allowed: "an https URL (set it with --secret)", secret: true },
    alertHeartbeatUrl: { kind: "string", schema: z.url({ protocol: /^https$/ }), allowed: "an https URL (set it with --secret)", secret: true },
    alertSnsTopics: { kind: "boolean", schema: z.boolean(), allowed: "true or false" },
    alertRunbookBaseUrl: {
        kind: "string",
        schema: z.url({ protocol: /^https$/ }).refine((url) => url.endsWith("/")),
        allowed: "an https URL ending in / where the repository's files are read (docs/runbook.md under it), e.g. https://github.com/acme/eks-app/blob/main/",
    },
    lokiStorage: { kind: "string", schema: z.enum(["filesystem", "s3"]), allowed: "filesystem or s3" },
    lokiRetention: {
        kind: "string",
        schema: z.string().regex(/^[1-9]\d*h$/).refine((hours) => Number(hours.slice(0, -1)) % 24 === 0),
        allowed: "whole days in hours, like 168h (Loki applies retention per 24h index period)",
    },
    lokiStorageSize: { kind: "string", schema: memoryQuantity, allowed: "a size in Mi or Gi, like 10Gi" },
    grafanaInternalLoadBalancer: { kind: "boolean", schema: z.boolean(), allowed: "true or false" },
    appTargetRequestsPerSecond: { kind: "number", schema: int(1, 100000), allowed: "an integer from 1 to 100000" },
    reviewBaseStack: {
        kind: "string",
        schema: z.string().regex(/^([A-Za-z0-9_.-]+\/){0,2}[A-Za-z0-9_.-]+$/),
        allowed: "a stack name as `pulumi stack ls` shows it, e.g. organization/eks-app/dev",
    },
    // Review images expire 14 days after their push (stacks/naming.ts, reviewImageRetentionDays).
    reviewLifetimeDays: { kind: "number", schema: int(1, 14), allowed: "an integer number of days from 1 to 14 (review images are kept 14 days)" },
    reviewCpuQuota: { kind: "string", schema: cpuQuantity, allowed: "a CPU quantity like 1500m or 2" },
    reviewMemoryQuota: { kind: "string", schema: memoryQuantity, allowed: "a memory quantity in Mi or Gi, like 1Gi" },
    reviewUpdatedAt: {
        kind: "string",
        // Whole seconds in UTC, and a real instant (not 2026-02-30): the expiry annotation is derived from it.
        schema: z
            .string()
            .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/)
            .refine((value) => !Number.isNaN(Date.parse(value)) && new Date(value).toISOString() === value.replace(/Z$/, ".000Z")),
        allowed: "an RFC 3339 UTC time in whole seconds, like 2026-12-04T20:15:00Z",
    },
    domainName: { kind: "string", schema: dnsName, allowed: "a lower-case DNS name like shortener.example.com" },
    hostedZoneId: { kind: "string", schema: z.string().regex(/^Z[A-Z0-9]{1,31}$/), allowed: "a Route 53 hosted zone id like Z0123456789ABCDEFGHIJ" },
    iamPermissionsBoundaryArn: {
        kind: "string",
        schema: z.string().regex(/^arn:aws(-cn|-us-gov)?:iam::\d{12}:policy\/[\w+=,.@\/-]+$/),
        allowed: "an IAM policy ARN",
    },
    certificateArn: {
        kind: "string",
        schema: z.string().regex(/^arn:aws(-cn|-us-gov)?:acm:[a-z0-9-]+:\d{12}:certificate\/[0-9a-f-]{36}$/),
        allowed: "an ACM certificate ARN",
    },
} satisfies Record<string, Field>;

export type ConfigKey = keyof typeof fields;
export const configKeys = Object.keys(fields) as ConfigKey[];
export const fieldOf = (key: string): Field | undefined => (fields as Record<string, Field>)[key];

/** What each key means, for the config reference in docs/configuration.md (generated by scripts/config-table.ts). */
export const configKeyMeanings: Record<ConfigKey, string> = {
    environment:
        "Which profile of defaults applies: staging (`dev`), production (`prod`), local (an existing cluster, no AWS) or review (a pull request's stack `pr-<n>` on staging's cluster, `Pulumi.review.yaml`).",
    availabilityZoneCount: "AZs the VPC, nodes and Redis spread over.",
    vpcCidr: "The VPC's address range, split evenly between AZs.",
    natGateways: "One NAT gateway for the VPC, or one per AZ so an AZ outage does not cut the others off.",
    kubernetesVersion: "EKS Kubernetes minor version; node group and addon versions follow it.",
    clusterEndpointPublicAccess: "Whether the Kubernetes API is reachable from outside the VPC (the private endpoint is always on).",
    clusterEndpointOpenToInternet:
        "Acknowledges a public API endpoint open to every address (0.0.0.0/0), authenticated by IAM and access entries only: required in production to list 0.0.0.0/0, which GitHub-hosted runners need.",
    clusterEndpointPublicAccessCidrs: "CIDRs allowed to reach the public API endpoint: where `pulumi up` and kubectl run.",
    clusterDeployerPrincipalArn: "The role that runs `pulumi up` for this stack (CI's deploy role); granted cluster admin. Unset: whoever runs `up`.",
    clusterDeployerRole:
        "CI's deploy role by path and name in the stack's account (the committed stack files name bootstrap's); its ARN is built with the account of the credentials. Granted cluster admin whoever runs `up`; set it or clusterDeployerPrincipalArn, not both.",
    clusterPreviewRole:
        "The pull-request preview role by path and name in the stack's account (the committed stack files name bootstrap's): granted read-only cluster access, and may run `pulumi preview`, never `up`.",
    clusterReviewRole:
        "Staging only: the review-environment role by path and name (bootstrap's): granted edit access to the `eks-app-pr-*` namespaces and the right to create and delete such namespaces, nothing else in the cluster.",
    clusterAdminPrincipalArns: "IAM roles or users granted cluster admin through EKS access entries (the deploying identity always is).",
    clusterViewerPrincipalArns: "IAM roles or users granted read-only cluster access (e.g. a pull-request preview role).",
    controlPlaneLogRetentionDays: "How long the api, audit and authenticator logs stay in CloudWatch.",
    deletionProtection: "EKS deletion protection: the cluster cannot be deleted until this is turned off.",
    nodeInstanceTypes: "EC2 instance types for the managed node group (several widen the spot pools).",
    nodeCapacityType: "SPOT or ON_DEMAND nodes.",
    allowSpotInProduction: "Explicitly allows spot nodes in production.",
    nodeMinSize: "Fewest nodes.",
    nodeDesiredSize: "Nodes at creation; later left to an autoscaler.",
    nodeMaxSize: "Most nodes.",
    nodeDiskSizeGiB: "Encrypted gp3 root volume size per node.",
    nodePoolCpuLimit: "Most vCPUs each Karpenter NodePool may run at once: the cap on what node autoscaling can spend.",
    nodePoolMemoryLimitGiB: "Most memory (GiB) each Karpenter NodePool may run at once.",
    karpenterAmiVersion: "The AL2023 EKS AMI release Karpenter's nodes boot (`al2023@<version>`); changing it replaces the nodes, budget by budget.",
    addonVersions: "Pins EKS addon versions; an addon not listed gets EKS's default for the Kubernetes version.",
    namespace: "Namespace of the app; Redis goes to `<namespace>-redis`.",
    metricsScraperNamespace: "The namespace (Prometheus) allowed to scrape Redis's exporter.",
    imageTag: "Deploy `<ECR repository>:<imageTag>` (by digest), as CI does; unset, the program builds `app/` and pushes it.",
    image: "Deploy this image reference instead (any registry; required for `local`).",
    appMinReplicas: "Fewest app pods (HorizontalPodAutoscaler minimum).",
    appMaxReplicas: "Most app pods (HorizontalPodAutoscaler maximum).",
    appCpuTargetUtilization: "Average CPU utilisation the autoscaler aims for.",
    appCpuRequest: "CPU request per app pod.",
    appCpuLimit: "CPU limit per app pod.",
    appMemoryRequest: "Memory request per app pod.",
    appMemoryLimit: "Memory limit per app pod.",
    loadBalancerSourceRanges: "Client CIDRs the public load balancer accepts.",
    redisReplicas: "Redis servers; more than one adds Sentinel failover behind HAProxy.",
    redisStorageSize: "Persistent volume size per Redis server.",
    redisMemoryLimit: "Memory limit per Redis server; maxmemory is half of it, leaving room for the AOF rewrite's fork.",
    redisPassword: "Secret. Redis password; generated (and kept in the stack's encrypted state) when unset.",
    monitoring: "Deploys the monitoring stack (Prometheus, Alertmanager, Grafana, Loki, Alloy, prometheus-adapter) into `metricsScraperNamespace`; off skips it, and the HPA scales on CPU only.",
    monitoringResourceTier: "CPU and memory requests and limits of every monitoring component (`components/monitoring/sizing.ts`).",
    prometheusReplicas: "Prometheus servers, each scraping everything (2 for high availability).",
    prometheusRetention: "How long Prometheus keeps metrics (also bounded by 85% of its volume); at least the 3 days the slowest burn-rate alert reads.",
    prometheusStorageSize: "Prometheus volume per replica.",
    alertmanagerReplicas: "Alertmanager replicas (more than one: clustered, notifications deduplicated).",
    alertReceiverType: "How `alertReceiverUrl` is called: a JSON `webhook` or a `slack` incoming webhook.",
    alertReceiverUrl: "Secret. Where Alertmanager sends pages (critical alerts), besides the page SNS topic.",
    alertTicketReceiverUrl: "Secret. Where Alertmanager sends tickets (warnings), besides the ticket SNS topic.",
    alertHeartbeatUrl: "Secret. A dead man's switch service (webhook) that receives the always-firing `DeadMansSwitch` every 5 minutes.",
    alertSnsTopics:
        "Creates two SNS topics Alertmanager publishes to through EKS Pod Identity: pages (critical) and tickets (warning); subscribe to the `alertPageTopicArn` and `alertTicketTopicArn` outputs. Production needs it or `alertReceiverUrl`.",
    alertRunbookBaseUrl: "Where the repository's files are read online; each alert's `runbook_url` (`docs/runbook.md#alert-<name>`) is resolved against it. Unset: left relative.",
    lokiStorage: "Where Loki keeps logs: its volume (`filesystem`) or an S3 bucket of its own (`s3`, AWS only; kept on destroy in production).",
    lokiRetention: "How long Loki keeps logs.",
    lokiStorageSize: "Loki's volume (all logs with `filesystem`; write-ahead log and caches with `s3`).",
    grafanaInternalLoadBalancer: "Puts Grafana behind an internal (VPC-only) NLB; otherwise reach it with `kubectl port-forward` (the `grafanaPortForward` output).",
    appTargetRequestsPerSecond: "Requests per second per app pod the autoscaler aims for (through prometheus-adapter; needs `monitoring`).",
    reviewBaseStack: "Review only: the staging stack whose cluster, registry and network the review environment uses (a StackReference).",
    reviewLifetimeDays: "Review only: days after its last update when the sweeper destroys a review environment (its namespace's expiry annotation).",
    reviewCpuQuota: "Review only: CPU (requests and limits) all pods of one review environment may take together (its ResourceQuota).",
    reviewMemoryQuota: "Review only: memory (requests and limits) all pods of one review environment may take together (its ResourceQuota).",
    reviewUpdatedAt:
        "Review only, set by the review workflow to the time of each deploy (`scripts/deploy/review-stack.sh`): the environment expires `reviewLifetimeDays` after it. Config, not the clock, so a preview of an unchanged environment shows no change.",
    domainName: "Public name of the app; with `hostedZoneId` a Route 53 CNAME is created.",
    hostedZoneId: "Route 53 hosted zone in which to create `domainName`.",
    certificateArn: "ACM certificate for `domainName`: the NLB terminates TLS on 443.",
    iamPermissionsBoundaryArn: "Permissions boundary set on every IAM role the program creates: bootstrap's `stagingPermissionsBoundaryArn` for dev, `productionPermissionsBoundaryArn` for prod (CI passes it from the repository variables).",
};

