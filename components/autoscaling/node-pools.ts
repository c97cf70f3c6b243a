import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
    AutoscalingEnvironment,
    instanceCategories,
    minimumInstanceGeneration,
    NodePoolLimits,
    NodePoolShape,
    nodePoolShapes,
    spotMinimumFamilies,
    spotTaint,
} from "./profile";

export const nodeClassName = "default";
/** Subnets and security groups carrying this tag (value: the cluster's name) are where Karpenter launches nodes. */
export const discoveryTagKey = "karpenter.sh/discovery";

export interface NodeClassSettings {
    clusterName: string;
    /** The instance profile of the Karpenter node role, created by the program (the controller creates none). */
    instanceProfileName: pulumi.Input<string>;
    /** A pinned AL2023 EKS AMI release, `al2023@vYYYYMMDD` (set by `eks-app:karpenterAmiVersion`). */
    amiAlias: string;
    volumeKeyArn: pulumi.Input<string>;
    diskSizeGiB: number;
    /** Tags on every instance, volume and interface Karpenter launches (cost allocation, ownership). */
    tags: Record<string, string>;
}

/** The EC2NodeClass: how every Karpenter node is built, whatever its pool. */
export function ec2NodeClass(settings: NodeClassSettings) {
    const discovery = [{ tags: { [discoveryTagKey]: settings.clusterName } }];
    return {
        apiVersion: "karpenter.k8s.aws/v1",
        kind: "EC2NodeClass",
        metadata: { name: nodeClassName },
        spec: {
            // A fixed AMI release: nodes change only when the pin changes (then Karpenter replaces them as drifted).
            amiSelectorTerms: [{ alias: settings.amiAlias }],
            instanceProfile: settings.instanceProfileName,
            // Tagged private subnets only, and the cluster security group.
            subnetSelectorTerms: discovery,
            securityGroupSelectorTerms: discovery,
            // IMDSv2 only, hop limit 1: pods cannot reach the node's credentials.
            metadataOptions: { httpEndpoint: "enabled", httpProtocolIPv6: "disabled", httpPutResponseHopLimit: 1, httpTokens: "required" },
            blockDeviceMappings: [
                {
                    deviceName: "/dev/xvda",
                    rootVolume: true,
                    ebs: {
                        volumeSize: `${settings.diskSizeGiB}Gi`,
                        volumeType: "gp3",
                        encrypted: true,
                        kmsKeyID: settings.volumeKeyArn,
                        deleteOnTermination: true,
                    },
                },
            ],
            tags: settings.tags,
        },
    };
}

function requirements(pool: NodePoolShape) {
    const spot = pool.capacityTypes.includes("spot");
    return [
        { key: "karpenter.sh/capacity-type", operator: "In", values: pool.capacityTypes },
        // The app's image is built for linux/amd64.
        { key: "kubernetes.io/arch", operator: "In", values: ["amd64"] },
        { key: "kubernetes.io/os", operator: "In", values: ["linux"] },
        { key: "karpenter.k8s.aws/instance-category", operator: "In", values: instanceCategories },
        { key: "karpenter.k8s.aws/instance-generation", operator: "Gt", values: [String(minimumInstanceGeneration - 1)] },
        // Nothing too small to hold the daemonsets plus a pod, nothing so large one node is most of the budget.
        { key: "karpenter.k8s.aws/instance-cpu", operator: "In", values: ["2", "4", "8", "16"] },
        // Exists with minValues: any family that fits, but at least this many kept open for a spot request.
        ...(spot ? [{ key: "karpenter.k8s.aws/instance-family", operator: "Exists", minValues: spotMinimumFamilies }] : []),
    ];
}

/** One NodePool: what it may launch, how much at most, and how its nodes are disrupted. */
export function nodePool(pool: NodePoolShape, limits: NodePoolLimits) {
    return {
        apiVersion: "karpenter.sh/v1",
        kind: "NodePool",
        metadata: { name: pool.name },
        spec: {
            template: {
                metadata: { labels: { "eks-app.io/node-pool": pool.name } },
                spec: {
                    nodeClassRef: { group: "karpenter.k8s.aws", kind: "EC2NodeClass", name: nodeClassName },
                    requirements: requirements(pool),
                    taints: pool.tainted ? [{ ...spotTaint }] : [],
                    expireAfter: pool.expireAfter,
                    terminationGracePeriod: pool.terminationGracePeriod,
                },
            },
            disruption: { consolidationPolicy: "WhenEmptyOrUnderutilized", consolidateAfter: pool.consolidateAfter, budgets: pool.budgets },
            limits: { cpu: String(limits.cpu), memory: `${limits.memoryGiB}Gi` },
        },
    };
}

/** Go duration ("1h", "30m", "1h30m") in minutes: what Karpenter's NodePool durations are written in. */
export function durationMinutes(duration: string): number {
    const parts = [...duration.matchAll(/(\d+)(h|m|s)/g)];
    if (parts.length === 0 || parts.map((part) => part[0]).join("") !== duration) throw new Error(`not a Go duration of hours, minutes and seconds: '${duration}'`);
    return parts.reduce((total, [, value, unit]) => total + Number(value) * { h: 60, m: 1, s: 1 / 60 }[unit as "h" | "m" | "s"], 0);
}

/**
 * How long `pulumi destroy` waits for a NodePool to go: its drain (at most terminationGracePeriod, after which
 * Karpenter deletes the pods a PDB still protects) plus the instances' termination.
 */
export const nodePoolTerminationMarginMinutes = 15;
export function nodePoolDeleteTimeout(pool: NodePoolShape): string {
    return `${Math.ceil(durationMinutes(pool.terminationGracePeriod)) + nodePoolTerminationMarginMinutes}m`;
}

export interface NodePoolsArgs extends NodeClassSettings {
    environment: AutoscalingEnvironment;
    limits: NodePoolLimits;
    /** The running controller, its node role and instance profile, the tagged subnets and security group. */
    dependsOn: pulumi.Input<pulumi.Resource>[];
}

/** The EC2NodeClass and the environment's NodePools, as Kubernetes objects Karpenter acts on. */
export class NodePools extends pulumi.ComponentResource {
    readonly nodeClass: k8s.apiextensions.CustomResource;
    readonly pools: k8s.apiextensions.CustomResource[];

    constructor(name: string, args: NodePoolsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("eks-app:autoscaling:NodePools", name, {}, opts);
        this.nodeClass = new k8s.apiextensions.CustomResource(`${name}-${nodeClassName}`, ec2NodeClass(args), {
            parent: this,
            dependsOn: args.dependsOn,
            // Its finalizer waits for the nodes launched from it, and removes the launch templates Karpenter made.
            customTimeouts: { delete: "30m" },
        });
        // Each pool depends on the class: on destroy the pools go first, and their finalizers hold each deletion until
        // every node of the pool has drained and its instance is terminated. The timeout outlasts the drain's bound.
        this.pools = nodePoolShapes[args.environment].map(
            (pool) =>
                new k8s.apiextensions.CustomResource(`${name}-${pool.name}`, nodePool(pool, args.limits), {
                    parent: this,
                    dependsOn: [...args.dependsOn, this.nodeClass],
                    customTimeouts: { create: "5m", update: "5m", delete: nodePoolDeleteTimeout(pool) },
                }),
        );
        this.registerOutputs({});
    }
}
