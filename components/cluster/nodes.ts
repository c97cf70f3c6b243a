import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { CapacityType } from "../../stacks/profiles";
import { managedPolicies } from "../iam-documents";
import { IamPlacement } from "../pod-identity";
import { createServiceRole } from "./service-role";

export interface NodeGroupSettings {
    /** EC2 instance types; several widen the spot pools. */
    instanceTypes: string[];
    capacityType: CapacityType;
    /** Node counts: the group never shrinks below min or grows past max; desired is the size at creation. */
    minSize: number;
    desiredSize: number;
    maxSize: number;
    /** Encrypted gp3 root volume per node, in GiB. */
    diskSizeGiB: number;
}

export interface ManagedNodesArgs {
    partition: string;
    iam: IamPlacement;
    clusterName: string;
    /** The cluster's name as an output, so the group waits for the cluster. */
    cluster: pulumi.Input<string>;
    kubernetesVersion: string;
    privateSubnetIds: pulumi.Input<string[]>;
    nodes: NodeGroupSettings;
    /** What nodes need before they can become Ready: the CNI, kube-proxy and the Pod Identity agent. */
    dependsOn: pulumi.Resource[];
}

/** The managed node group for system pods and the workload: AL2023, IMDSv2 with hop limit 1, encrypted gp3 disks. */
export function createManagedNodes(parent: pulumi.Resource, name: string, args: ManagedNodesArgs) {
    const { role, attachments } = createServiceRole(parent, `${name}-node`, {
        service: "ec2.amazonaws.com",
        managedPolicies: managedPolicies.node,
        description: `EKS nodes of ${args.clusterName}`,
        partition: args.partition,
        iam: args.iam,
    });

    const launchTemplate = new aws.ec2.LaunchTemplate(
        `${name}-nodes`,
        {
            description: `Nodes of ${args.clusterName}`,
            // IMDSv2 only, and a hop limit of 1 so pods cannot reach the node's credentials.
            metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 },
            blockDeviceMappings: [
                {
                    deviceName: "/dev/xvda",
                    ebs: { volumeSize: args.nodes.diskSizeGiB, volumeType: "gp3", encrypted: "true", deleteOnTermination: "true" },
                },
            ],
            updateDefaultVersion: true,
        },
        { parent },
    );

    const nodeGroup = new aws.eks.NodeGroup(
        `${name}-nodes`,
        {
            clusterName: args.cluster,
            nodeRoleArn: role.arn,
            subnetIds: args.privateSubnetIds,
            amiType: "AL2023_x86_64_STANDARD",
            version: args.kubernetesVersion,
            capacityType: args.nodes.capacityType,
            instanceTypes: args.nodes.instanceTypes,
            scalingConfig: { minSize: args.nodes.minSize, desiredSize: args.nodes.desiredSize, maxSize: args.nodes.maxSize },
            updateConfig: { maxUnavailablePercentage: 33 },
            launchTemplate: { id: launchTemplate.id, version: launchTemplate.latestVersion.apply(String) },
            nodeRepairConfig: { enabled: true },
        },
        {
            parent,
            // Re-applying config must not undo a scale-out made by hand or by an autoscaler.
            ignoreChanges: ["scalingConfig.desiredSize"],
            dependsOn: [...args.dependsOn, ...attachments],
        },
    );
    return { nodeGroup, role };
}
