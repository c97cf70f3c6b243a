import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { AwsContext, managedPolicies, managedPolicyArn, serviceTrust } from "../iam-documents";
import { IamPlacement, PodIdentity } from "../pod-identity";
import { karpenterControllerPolicy } from "./karpenter-policy";
import { nodePoolLabel } from "./profile";

/** The vendored karpenter and karpenter-crd charts (charts/); the controller image is pinned by digest in the chart. */
export const karpenterChartVersion = "1.14.1";
export const karpenterNamespace = "kube-system";
/** The chart names its ServiceAccount, Deployment and Service after the release. */
export const karpenterReleaseName = "karpenter";

export function karpenterChartFile(chart: "karpenter" | "karpenter-crd"): string {
    return path.join(__dirname, "..", "..", "charts", `${chart}-${karpenterChartVersion}.tgz`);
}

export interface KarpenterValuesArgs {
    clusterName: string;
    interruptionQueueName: string;
}

/** The values of the controller's release; exported so tests render the real chart with them. */
export function karpenterValues(args: KarpenterValuesArgs) {
    return {
        // No clusterEndpoint: the controller reads it (and the CA) from eks:DescribeCluster at start.
        settings: { clusterName: args.clusterName, interruptionQueue: args.interruptionQueueName },
        replicas: 2,
        // On the managed node group only: Karpenter must never run on (and so never consolidate away) its own nodes.
        // The chart's pod anti-affinity and zone spread stay as they are.
        affinity: {
            nodeAffinity: {
                requiredDuringSchedulingIgnoredDuringExecution: {
                    nodeSelectorTerms: [
                        {
                            matchExpressions: [
                                { key: nodePoolLabel, operator: "DoesNotExist" },
                                { key: "eks.amazonaws.com/nodegroup", operator: "Exists" },
                            ],
                        },
                    ],
                },
            },
        },
        // Karpenter's own sizing advice: a guaranteed memory budget for its cluster-state cache.
        controller: { resources: { requests: { cpu: "250m", memory: "1Gi" }, limits: { cpu: "1", memory: "1Gi" } } },
        // Off: the ServiceMonitor CRD comes with the monitoring stack, whose pods run on Karpenter's nodes, so the
        // controller cannot wait for it. `karpenterServiceMonitor` declares the same object once monitoring is up.
        serviceMonitor: { enabled: false },
    };
}

/** The ServiceMonitor the chart would render with serviceMonitor.enabled (tests compare the two). */
export function karpenterServiceMonitor() {
    const selector = { "app.kubernetes.io/name": karpenterReleaseName, "app.kubernetes.io/instance": karpenterReleaseName };
    return {
        apiVersion: "monitoring.coreos.com/v1",
        kind: "ServiceMonitor",
        metadata: { name: karpenterReleaseName, namespace: karpenterNamespace, labels: selector },
        spec: {
            namespaceSelector: { matchNames: [karpenterNamespace] },
            selector: { matchLabels: selector },
            endpoints: [{ port: "http-metrics", path: "/metrics" }],
        },
    };
}

export interface KarpenterControllerArgs {
    aws: AwsContext;
    iam: IamPlacement;
    /** The cluster's name as configured; scopes the controller's policy and the Pod Identity trust. */
    clusterName: string;
    /** The cluster's name as an output of the cluster, so everything here waits for the cluster. */
    cluster: pulumi.Input<string>;
    interruptionQueueName: pulumi.Input<string>;
    interruptionQueueArn: pulumi.Input<string>;
    volumeKeyArn: pulumi.Input<string>;
    /** What the releases wait for besides this component's own resources (the node group, the interruption queue). */
    dependsOn: pulumi.Input<pulumi.Resource>[];
}

/** The Karpenter controller: its node role and instance profile, its identity and policy, its CRDs and its release. */
export class KarpenterController extends pulumi.ComponentResource {
    readonly nodeRole: aws.iam.Role;
    readonly instanceProfile: aws.iam.InstanceProfile;
    /** Everything the controller needs to launch and terminate nodes: NodePools wait for it and go before it. */
    readonly ready: pulumi.Resource[];

    constructor(name: string, args: KarpenterControllerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("eks-app:autoscaling:KarpenterController", name, {}, opts);
        const parent = this;

        this.nodeRole = new aws.iam.Role(
            `${name}-node`,
            {
                path: args.iam.path,
                permissionsBoundary: args.iam.permissionsBoundaryArn,
                assumeRolePolicy: JSON.stringify(serviceTrust("ec2.amazonaws.com")),
                description: `Nodes Karpenter launches in ${args.clusterName}`,
            },
            { parent },
        );
        // The same managed policies as the managed node group's role: the VPC CNI has its own Pod Identity role, and
        // nodes get no SSM agent access (no shell on nodes; debug through kubectl).
        const nodeRolePolicies = managedPolicies.node.map(
            (policy) =>
                new aws.iam.RolePolicyAttachment(
                    `${name}-node-${policy}`,
                    { role: this.nodeRole.name, policyArn: managedPolicyArn(args.aws.partition, policy) },
                    { parent },
                ),
        );
        this.instanceProfile = new aws.iam.InstanceProfile(`${name}-node`, { path: args.iam.path, role: this.nodeRole.name }, { parent });
        // Lets the nodes join: EKS maps the role to the node identity and groups.
        const nodeAccess = new aws.eks.AccessEntry(
            `${name}-node`,
            { clusterName: args.cluster, principalArn: this.nodeRole.arn, type: "EC2_LINUX" },
            { parent },
        );

        const identity = new PodIdentity(
            name,
            {
                aws: args.aws,
                iam: args.iam,
                clusterName: args.clusterName,
                cluster: args.cluster,
                namespace: karpenterNamespace,
                serviceAccount: karpenterReleaseName,
                policy: pulumi
                    .all([this.nodeRole.arn, args.interruptionQueueArn, args.volumeKeyArn])
                    .apply(([nodeRoleArn, interruptionQueueArn, volumeKeyArn]) =>
                        karpenterControllerPolicy(args.aws, { clusterName: args.clusterName, nodeRoleArn, interruptionQueueArn, volumeKeyArn }),
                    ),
            },
            { parent },
        );

        const releaseOptions = { timeout: 600, maxHistory: 10, namespace: karpenterNamespace, version: karpenterChartVersion };
        // The CRDs as their own release (templates, so upgrades reach them); the controller's release skips its crds/.
        const crds = new k8s.helm.v3.Release(
            `${name}-crd`,
            { ...releaseOptions, name: `${karpenterReleaseName}-crd`, chart: karpenterChartFile("karpenter-crd") },
            { parent, dependsOn: args.dependsOn },
        );
        const controller = new k8s.helm.v3.Release(
            name,
            {
                ...releaseOptions,
                name: karpenterReleaseName,
                chart: karpenterChartFile("karpenter"),
                skipCrds: true,
                values: pulumi
                    .output(args.interruptionQueueName)
                    .apply((interruptionQueueName) => karpenterValues({ clusterName: args.clusterName, interruptionQueueName })),
            },
            // Its pods get credentials only if the association exists when they start.
            { parent, dependsOn: [...args.dependsOn, crds, ...identity.ready] },
        );

        this.ready = [controller, crds, ...identity.ready, nodeAccess, this.instanceProfile, ...nodeRolePolicies];
        this.registerOutputs({ nodeRoleArn: this.nodeRole.arn, instanceProfileName: this.instanceProfile.name });
    }
}
