import type * as k8s from "@pulumi/kubernetes";

function ipv4(address: string): number {
    return address.split(".").reduce((value, octet) => value * 256 + Number(octet), 0);
}

/** Whether CIDR `inner` lies wholly inside CIDR `outer`. */
export function cidrContains(outer: string, inner: string): boolean {
    const [outerAddress, outerBits] = outer.split("/");
    const [innerAddress, innerBits] = inner.split("/");
    if (Number(innerBits) < Number(outerBits)) return false;
    const size = 2 ** (32 - Number(outerBits));
    return Math.floor(ipv4(outerAddress) / size) === Math.floor(ipv4(innerAddress) / size);
}

/**
 * Who may reach a review environment's app: the load balancer's clients (its source ranges; the NLB keeps the
 * client's address), never the cluster's own VPC. Pods on the VPC CNI have VPC addresses, so every pod of every other
 * namespace, other review environments included, is left out. Kubernetes refuses an `except` outside its CIDR.
 */
export function loadBalancerClientsOnly(sourceRanges: string[], clusterVpcCidr: string): k8s.types.input.networking.v1.NetworkPolicyPeer[] {
    return sourceRanges.map((cidr) => ({
        ipBlock: cidrContains(cidr, clusterVpcCidr) ? { cidr, except: [clusterVpcCidr] } : { cidr },
    }));
}
