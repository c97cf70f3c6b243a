// The simulated cluster the end-to-end suite runs on: kwok nodes shaped like the stacks' nodes (the system node
// group and every Karpenter NodePool of staging and production, with the labels, zones and taints Karpenter gives
// them), a default StorageClass kwok's volume stages provision, and the Stage that gives LoadBalancer Services an
// ingress hostname. Derived from components/autoscaling/profile.ts, so a NodePool change reshapes the cluster.
//   ts-node scripts/e2e/cluster-objects.ts   prints the objects as YAML (scripts/e2e/cluster.sh applies them)
import { stringify } from "yaml";
import { AutoscalingEnvironment, capacityTypeLabel, nodePoolLabel, nodePoolShapes, spotTaint } from "../../components/autoscaling/profile";

/** The zones of every stack (availabilityZoneCount is 3 in each profile). */
export const zones = ["us-east-1a", "us-east-1b", "us-east-1c"];
/** Where the simulated load balancers' hostnames live: the app's `url` output ends in it. */
export const loadBalancerDomain = "elb.e2e.test";
/** The StorageClass kwok's volume stages provision (kustomize/stage/volume/fast in sigs.k8s.io/kwok). */
export const storageClassName = "kwok-volume";

export interface SimulatedNode {
    name: string;
    /**
     * Its InternalIP, from TEST-NET-2 (RFC 5737): never routed, and nothing is sent to it (no kubelet answers).
     * Host-network pods (node-exporter) take their node's address, so their Services get endpoints.
     */
    address: string;
    labels: Record<string, string>;
    taints: { key: string; value: string; effect: string }[];
}

/** One node per zone for the system node group and for each NodePool of each AWS environment. */
export function simulatedNodes(): SimulatedNode[] {
    const nodes: SimulatedNode[] = [];
    const common = (zone: string, index: number) => ({
        "kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        "topology.kubernetes.io/zone": zone,
        "topology.kubernetes.io/region": "us-east-1",
        "node.kubernetes.io/instance-type": index % 2 === 0 ? "m6i.xlarge" : "c6i.xlarge",
        type: "kwok",
    });
    zones.forEach((zone, index) => {
        const name = `system-${index}`;
        nodes.push({
            name,
            address: "",
            labels: { ...common(zone, index), "kubernetes.io/hostname": name, "eks.amazonaws.com/nodegroup": "system", "eks.amazonaws.com/capacityType": "ON_DEMAND" },
            taints: [],
        });
    });
    for (const environment of Object.keys(nodePoolShapes) as AutoscalingEnvironment[]) {
        for (const pool of nodePoolShapes[environment]) {
            zones.forEach((zone, index) => {
                const capacityType = pool.capacityTypes[index % pool.capacityTypes.length];
                const name = `${environment}-${pool.name}-${index}`;
                nodes.push({
                    name,
                    address: "",
                    labels: {
                        ...common(zone, index),
                        "kubernetes.io/hostname": name,
                        [nodePoolLabel]: pool.name,
                        [capacityTypeLabel]: capacityType,
                        "karpenter.sh/registered": "true",
                        "karpenter.sh/initialized": "true",
                    },
                    taints: pool.tainted ? [{ ...spotTaint }] : [],
                });
            });
        }
    }
    return nodes.map((node, index) => ({ ...node, address: `198.51.100.${10 + index}` }));
}

export function clusterObjects(): object[] {
    const nodes = simulatedNodes().map((node) => ({
        apiVersion: "v1",
        kind: "Node",
        metadata: {
            name: node.name,
            labels: node.labels,
            // kwok manages the nodes with this annotation (kwokctl's default selector).
            annotations: { "kwok.x-k8s.io/node": "fake", "node.alpha.kubernetes.io/ttl": "0" },
        },
        spec: { taints: node.taints.length > 0 ? node.taints : undefined },
        status: {
            allocatable: { cpu: "16", memory: "64Gi", pods: "110", "ephemeral-storage": "100Gi" },
            capacity: { cpu: "16", memory: "64Gi", pods: "110", "ephemeral-storage": "100Gi" },
        },
    }));
    const storageClass = {
        apiVersion: "storage.k8s.io/v1",
        kind: "StorageClass",
        metadata: { name: storageClassName, annotations: { "storageclass.kubernetes.io/is-default-class": "true" } },
        provisioner: "kwok.x-k8s.io/volume",
        reclaimPolicy: "Delete",
        volumeBindingMode: "Immediate",
        allowVolumeExpansion: true,
    };
    return [...nodes, storageClass];
}

/** The suite's own kwok Stage: a LoadBalancer Service gets an ingress hostname, as the AWS load balancer controller gives it. */
export function loadBalancerStage(): object {
    return {
        apiVersion: "kwok.x-k8s.io/v1alpha1",
        kind: "Stage",
        metadata: { name: "service-load-balancer" },
        spec: {
            resourceRef: { apiGroup: "v1", kind: "Service" },
            selector: {
                matchExpressions: [
                    { key: ".spec.type", operator: "In", values: ["LoadBalancer"] },
                    { key: ".metadata.deletionTimestamp", operator: "DoesNotExist" },
                    { key: ".status.loadBalancer.ingress", operator: "DoesNotExist" },
                ],
            },
            next: {
                statusTemplate: `loadBalancer:\n  ingress:\n  - hostname: {{ .metadata.name }}-{{ .metadata.namespace }}.${loadBalancerDomain}\n`,
            },
        },
    };
}

if (require.main === module) {
    const which = process.argv[2];
    if (which === "addresses") {
        // The nodes' status patches (status is a subresource: a create ignores it), one "name json" per line.
        for (const node of simulatedNodes()) {
            const addresses = [{ type: "InternalIP", address: node.address }, { type: "Hostname", address: node.name }];
            console.log(`${node.name} ${JSON.stringify({ status: { addresses } })}`);
        }
    } else {
        const objects = which === "stages" ? [loadBalancerStage()] : clusterObjects();
        process.stdout.write(objects.map((object) => stringify(object)).join("---\n"));
    }
}
