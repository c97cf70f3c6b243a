import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { AwsContext } from "../iam-documents";
import { IamPlacement } from "../pod-identity";
import { KarpenterController, karpenterServiceMonitor } from "./karpenter";
import { KarpenterInterruption } from "./interruption";
import { discoveryTagKey, NodePools } from "./node-pools";
import { AutoscalingEnvironment, NodePoolLimits } from "./profile";

export { placementFor } from "./profile";
export type { PodPlacement, Workload } from "./profile";

export interface AutoscalingArgs {
    aws: AwsContext;
    iam: IamPlacement;
    environment: AutoscalingEnvironment;
    /** The cluster's name as configured (eks-app-<stack>). */
    clusterName: string;
    /** The cluster's name as an output of the cluster, so everything here waits for it. */
    cluster: pulumi.Input<string>;
    /** The security group EKS creates for the cluster: Karpenter's nodes join it, found by the discovery tag. */
    clusterSecurityGroupId: pulumi.Input<string>;
    /** The customer-managed key node root volumes are encrypted with. */
    volumeKeyArn: pulumi.Input<string>;
    /** A pinned AL2023 EKS AMI release, like al2023@v20260714. */
    amiAlias: string;
    diskSizeGiB: number;
    /** The most each NodePool may launch: Karpenter's cap on spend. */
    limits: NodePoolLimits;
    /** Tags on everything Karpenter launches (the AWS provider's default tags do not reach those). */
    tags: Record<string, string>;
    /** What the controller needs running first: the managed node group it runs on, the addons, the tagged subnets. */
    dependsOn: pulumi.Input<pulumi.Resource>[];
}

/**
 * Karpenter: nodes that follow the pending pods. Deletion runs in the reverse order of creation: the NodePools
 * first (each waits until Karpenter has terminated its instances), then the EC2NodeClass, then the controller,
 * its identity and node role, and only then what it runs on.
 */
export class Autoscaling extends pulumi.ComponentResource {
    private readonly name: string;
    /** The NodePools: workloads scheduled onto them depend on these, so on destroy they leave before the nodes do. */
    readonly nodePools: pulumi.Resource[];

    constructor(name: string, args: AutoscalingArgs, opts?: pulumi.ComponentResourceOptions) {
        super("eks-app:autoscaling:Autoscaling", name, {}, opts);
        this.name = name;
        const parent = this;

        const interruption = new KarpenterInterruption(`${name}-interruption`, { clusterName: args.clusterName }, { parent });
        const securityGroupTag = new aws.ec2.Tag(
            `${name}-cluster-security-group`,
            { resourceId: args.clusterSecurityGroupId, key: discoveryTagKey, value: args.clusterName },
            { parent },
        );
        const controller = new KarpenterController(
            `${name}-karpenter`,
            {
                aws: args.aws,
                iam: args.iam,
                clusterName: args.clusterName,
                cluster: args.cluster,
                interruptionQueueName: interruption.queueName,
                interruptionQueueArn: interruption.queueArn,
                volumeKeyArn: args.volumeKeyArn,
                dependsOn: [...args.dependsOn, ...interruption.ready],
            },
            { parent },
        );
        const pools = new NodePools(
            `${name}-pools`,
            {
                environment: args.environment,
                clusterName: args.clusterName,
                instanceProfileName: controller.instanceProfile.name,
                amiAlias: args.amiAlias,
                volumeKeyArn: args.volumeKeyArn,
                diskSizeGiB: args.diskSizeGiB,
                tags: args.tags,
                limits: args.limits,
                dependsOn: [...args.dependsOn, ...controller.ready, securityGroupTag],
            },
            { parent },
        );
        this.nodePools = [pools.nodeClass, ...pools.pools];
        this.registerOutputs({});
    }

    /** Has the monitoring stack scrape the controller's metrics, once its ServiceMonitor CRD exists. */
    scrapeMetrics(monitoringCrds: pulumi.Resource): k8s.apiextensions.CustomResource {
        return new k8s.apiextensions.CustomResource(`${this.name}-karpenter-metrics`, karpenterServiceMonitor(), {
            parent: this,
            dependsOn: [monitoringCrds],
        });
    }
}
