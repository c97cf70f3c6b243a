// Monthly lines for Kubernetes objects that make AWS bill: volume claims (EBS through the CSI driver), Services of
// type LoadBalancer (an NLB), Helm releases whose charts create volumes, and Karpenter NodePools (EC2 nodes).
import type { RegisteredResource } from "../harness";
import { availabilityZoneCount, ebsPrice } from "./aws-pricers";
import { chartName, chartRules, ChartVolume } from "./helm-volumes";
import { gibibytes, line, LineItem, Pricer, PricingContext, UnpricedError } from "./model";
import { hoursPerMonth, instanceHourPrices, Price, prices } from "./prices";
import { usd } from "./text";

const storageClassType = "kubernetes:storage.k8s.io/v1:StorageClass";

/** The EBS type behind a storage class name: the program's own StorageClass, its default one, or EKS's gp2. */
function volumeType(storageClassName: string | undefined, context: PricingContext): string {
    const classes = context.resources.filter((resource) => resource.type === storageClassType);
    const chosen =
        storageClassName === undefined
            ? classes.find((candidate) => candidate.inputs.metadata?.annotations?.["storageclass.kubernetes.io/is-default-class"] === "true")
            : classes.find((candidate) => candidate.inputs.metadata?.name === storageClassName);
    if (chosen) {
        if (chosen.inputs.provisioner !== "ebs.csi.aws.com") throw new UnpricedError(`storage class ${storageClassName} is not EBS`);
        return chosen.inputs.parameters?.type ?? "gp3";
    }
    if (storageClassName === undefined || storageClassName === "gp2") return "gp2";
    throw new UnpricedError(`storage class ${storageClassName} is not declared by the program`);
}

function volumeLine(resource: RegisteredResource, what: string, quantity: string, storageClass: string | undefined, context: PricingContext): LineItem {
    const type = volumeType(storageClass, context);
    const size = gibibytes(quantity);
    return line(resource, `EBS ${type}: ${what}`, size, ebsPrice(type), `${quantity} (storage class ${storageClass ?? "default"})`);
}

const claimKey = (namespace: string | undefined, claim: string) => `${namespace ?? "default"}/${claim}`;

const persistentVolumeClaim: Pricer = (resource, context) => [
    volumeLine(
        resource,
        `claim ${claimKey(resource.inputs.metadata?.namespace, resource.inputs.metadata?.name ?? resource.name)}`,
        resource.inputs.spec?.resources?.requests?.storage,
        resource.inputs.spec?.storageClassName,
        context,
    ),
];

// Claims the program declares itself (so it owns their lifecycle) are priced once, as claims, not again here.
const helmRelease: Pricer = (resource, context) => {
    const chart = chartName(String(resource.inputs.chart));
    const rule = chartRules[chart];
    if (rule === undefined) throw new UnpricedError(`chart ${chart}: no entry in cost/helm-volumes.ts says which volumes it creates`);
    if ("none" in rule) return [];
    const namespace = resource.inputs.namespace;
    const declaredClaims = new Set(
        context.resources
            .filter((candidate) => candidate.type === "kubernetes:core/v1:PersistentVolumeClaim")
            .map((claim) => claimKey(claim.inputs.metadata?.namespace, claim.inputs.metadata?.name)),
    );
    return rule
        .volumes(resource.inputs.values ?? {}, resource.inputs.name ?? resource.name)
        .filter((volume: ChartVolume) => volume.claimName === undefined || !declaredClaims.has(claimKey(namespace, volume.claimName)))
        .map((volume) => volumeLine(resource, `${chart} ${volume.what}`, volume.sizeGiBQuantity, volume.storageClass, context));
};

/** Subnets an internet-facing NLB spans: one per AZ of the VPC (public subnets carry kubernetes.io/role/elb in each). */
function loadBalancerZones(context: PricingContext): number {
    const vpc = context.resources.find((resource) => resource.type === "awsx:ec2:Vpc");
    return vpc ? availabilityZoneCount(vpc.inputs) : 1;
}

const annotation = (name: string) => `service.beta.kubernetes.io/${name}`;

// The in-tree controller and the AWS Load Balancer Controller both make an NLB for these annotations; without one
// the in-tree controller makes a Classic Load Balancer, which has no price here.
const service: Pricer = (resource, context) => {
    if (resource.inputs.spec?.type !== "LoadBalancer") return [];
    const annotations: Record<string, string> = resource.inputs.metadata?.annotations ?? {};
    if (!["nlb", "external", "nlb-ip"].includes(annotations[annotation("aws-load-balancer-type")] ?? "")) {
        throw new UnpricedError("a LoadBalancer Service without an NLB annotation gets a Classic Load Balancer, which is not priced");
    }
    const internal = annotations[annotation("aws-load-balancer-internal")] === "true" || annotations[annotation("aws-load-balancer-scheme")] === "internal";
    const lcu = context.assumptions.nlbLcu;
    const zones = loadBalancerZones(context);
    return [
        line(resource, "NLB hours", hoursPerMonth, prices.nlbHour, `1 load balancer × ${hoursPerMonth} h`),
        line(resource, "NLB capacity units", lcu.value * hoursPerMonth, prices.nlbLcuHour, `${lcu.value} NLCU × ${hoursPerMonth} h (assumption ${lcu.flag})`),
        ...(internal
            ? []
            : [line(resource, "NLB public IPv4", zones * hoursPerMonth, prices.publicIpv4Hour, `internet-facing: one address in each of ${zones} AZs × ${hoursPerMonth} h`)]),
    ];
};

// Karpenter launches nodes for pods that do not fit, of any type its requirements allow: priced per vCPU-hour of a
// reference type those requirements admit (m6i.large: category m, generation 6), spot less the spot discount.
const karpenterReferenceType = "m6i.large";
const karpenterReferenceVcpus = 2;

const nodePool: Pricer = (resource, { assumptions }) => {
    const requirements: { key: string; values?: string[] }[] = resource.inputs.spec?.template?.spec?.requirements ?? [];
    const capacityTypes = requirements.find((requirement) => requirement.key === "karpenter.sh/capacity-type")?.values ?? ["on-demand"];
    const spotOnly = capacityTypes.every((capacityType) => capacityType === "spot");
    const reference = instanceHourPrices[karpenterReferenceType];
    const discount = spotOnly ? 1 - assumptions.spotDiscount.value : 1;
    const vcpuHour: Price = { ...reference, usd: (reference.usd / karpenterReferenceVcpus) * discount, unit: `vCPU-hour (${spotOnly ? "spot, assumed" : "on-demand"})` };
    const vcpus = assumptions.karpenterVcpu;
    const limit = Number(resource.inputs.spec?.limits?.cpu ?? Number.NaN);
    const ceiling = Number.isFinite(limit) ? `; ceiling: limits.cpu ${limit} × ${hoursPerMonth} h = ${usd(limit * hoursPerMonth * vcpuHour.usd)}` : "; no CPU limit: no ceiling";
    return [
        line(
            resource,
            `Karpenter nodes: pool ${resource.inputs.metadata?.name ?? resource.name} (${capacityTypes.join(", ")})`,
            vcpus.value * hoursPerMonth,
            vcpuHour,
            `${vcpus.value} vCPU (assumption ${vcpus.flag}) × ${hoursPerMonth} h at ${karpenterReferenceType} ÷ ${karpenterReferenceVcpus}${spotOnly ? ` × (1 − ${assumptions.spotDiscount.value})` : ""}${ceiling}`,
        ),
    ];
};

export const kubernetesPricers: Record<string, Pricer> = {
    "kubernetes:karpenter.sh/v1:NodePool": nodePool,
    "kubernetes:core/v1:PersistentVolumeClaim": persistentVolumeClaim,
    "kubernetes:helm.sh/v3:Release": helmRelease,
    "kubernetes:core/v1:Service": service,
};
