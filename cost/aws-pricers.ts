// Monthly lines for the AWS resources the program registers, from their resolved inputs.
import type { RegisteredResource } from "../harness";
import { hoursPerMonth, instanceHourPrices, Price, prices } from "./prices";
import { line, Pricer, PricingContext, UnpricedError } from "./model";
import { unitPrice } from "./text";

/** What a NAT strategy of awsx:ec2:Vpc creates, per its docs (https://www.pulumi.com/registry/packages/awsx/api-docs/ec2/vpc/). */
function natGatewayCount(inputs: Record<string, any>): number {
    const strategy = inputs.natGateways?.strategy ?? "OnePerAz";
    const zones = availabilityZoneCount(inputs);
    const counts: Record<string, number> = { None: 0, Single: 1, OnePerAz: zones };
    if (!(strategy in counts)) throw new UnpricedError(`NAT gateway strategy ${strategy} has no rule`);
    return counts[strategy];
}

/** awsx's default is 3 AZs. */
export function availabilityZoneCount(vpcInputs: Record<string, any>): number {
    return vpcInputs.availabilityZoneNames?.length ?? vpcInputs.numberOfAvailabilityZones ?? 3;
}

// awsx:ec2:Vpc is a remote component: under mocks its NAT gateways and Elastic IPs are invisible, so they are
// derived from the component's inputs (NAT strategy and AZ count), as awsx itself derives them.
const vpc: Pricer = (resource, { assumptions }) => {
    const gateways = natGatewayCount(resource.inputs);
    if (gateways === 0) return [];
    const strategy = `${gateways} NAT gateway${gateways > 1 ? "s" : ""} (strategy ${resource.inputs.natGateways?.strategy ?? "OnePerAz"})`;
    return [
        line(resource, "NAT gateway hours", gateways * hoursPerMonth, prices.natGatewayHour, `${strategy} × ${hoursPerMonth} h`),
        line(resource, "NAT gateway data processed", assumptions.natDataGb.value, prices.natGatewayDataGb, `assumption ${assumptions.natDataGb.flag}`),
        line(resource, "NAT gateway public IPv4", gateways * hoursPerMonth, prices.publicIpv4Hour, `one Elastic IP per gateway × ${hoursPerMonth} h`),
    ];
};

// eks:index:Cluster is a remote component too: its aws:eks/cluster:Cluster inside is invisible; one per component.
const eksCluster: Pricer = (resource) => [
    line(
        resource,
        "EKS control plane",
        hoursPerMonth,
        prices.eksControlPlaneHour,
        `1 cluster × ${hoursPerMonth} h, Kubernetes ${resource.inputs.version} in standard support (extended support costs ${unitPrice(prices.eksExtendedSupportHour.usd)}/h)`,
    ),
];

function instancePrice(instanceType: string): Price {
    const price = instanceHourPrices[instanceType];
    if (!price) throw new UnpricedError(`instance type ${instanceType} has no price in cost/prices.ts`);
    return price;
}

/** The root volume nodes get: the launch template's first EBS mapping, else the node group's diskSize (EKS default 20). */
function nodeVolume(resource: RegisteredResource, context: PricingContext): { sizeGiB: number; volumeType: string } {
    const template = (resource.dependencies ?? [])
        .map((ref) => context.find(ref))
        .find((candidate) => candidate?.type === "aws:ec2/launchTemplate:LaunchTemplate");
    const ebs = template?.inputs.blockDeviceMappings?.find((mapping: any) => mapping.ebs)?.ebs;
    if (ebs) return { sizeGiB: Number(ebs.volumeSize ?? 8), volumeType: ebs.volumeType ?? "gp3" };
    return { sizeGiB: Number(resource.inputs.diskSize ?? 20), volumeType: "gp2" };
}

export function ebsPrice(volumeType: string): Price {
    const byType: Record<string, Price> = { gp3: prices.ebsGp3GbMonth, gp2: prices.ebsGp2GbMonth };
    const price = byType[volumeType];
    if (!price) throw new UnpricedError(`EBS volume type ${volumeType} has no price in cost/prices.ts`);
    return price;
}

// Priced at the configured desired size: what runs after `up` until an autoscaler changes it. On-demand groups
// launch the first listed type (EKS's "prioritized" strategy); spot groups are priced at the mean of the listed
// types' on-demand prices less the spot discount assumption.
const nodeGroup: Pricer = (resource, context) => {
    const { scalingConfig, instanceTypes = ["t3.medium"], capacityType = "ON_DEMAND" } = resource.inputs;
    const nodes = Number(scalingConfig?.desiredSize ?? scalingConfig?.minSize ?? 0);
    const spot = capacityType === "SPOT";
    const onDemandPrices = (instanceTypes as string[]).map(instancePrice);
    const discount = context.assumptions.spotDiscount;
    const meanOnDemand = onDemandPrices.reduce((sum, price) => sum + price.usd, 0) / onDemandPrices.length;
    const instance: Price = spot
        ? { ...onDemandPrices[0], usd: meanOnDemand * (1 - discount.value), unit: "instance-hour (spot, assumed)" }
        : onDemandPrices[0];
    const described = spot ? `spot over ${instanceTypes.join(", ")}` : `on-demand ${instanceTypes[0]}`;
    const spotBasis = spot ? `; mean on-demand × (1 − ${discount.value}, assumption ${discount.flag})` : "";
    const volume = nodeVolume(resource, context);
    return [
        line(resource, `nodes: ${described}`, nodes * hoursPerMonth, instance, `${nodes} nodes (desired size) × ${hoursPerMonth} h${spotBasis}`),
        line(resource, `node root volumes (${volume.volumeType})`, nodes * volume.sizeGiB, ebsPrice(volume.volumeType), `${nodes} nodes × ${volume.sizeGiB} GiB`),
    ];
};

const kmsKey: Pricer = (resource) => [line(resource, "KMS key", 1, prices.kmsKeyMonth, "1 customer-managed key (requests extra, cents at this scale)")];

// Stored volume settles at (monthly ingest × retention); a group that never expires grows without bound.
const logGroup: Pricer = (resource, { assumptions }) => {
    const ingest = assumptions.logGbPerGroup;
    const retentionDays = Number(resource.inputs.retentionInDays ?? 0);
    if (retentionDays === 0) throw new UnpricedError("a log group without retention grows forever: set retentionInDays");
    const storedGb = (ingest.value * retentionDays) / (365 / 12);
    return [
        line(resource, "CloudWatch log ingestion", ingest.value, prices.logsIngestionGb, `assumption ${ingest.flag}`),
        line(resource, "CloudWatch log storage", storedGb, prices.logsStorageGbMonth, `${ingest.value} GB/month kept ${retentionDays} days`),
    ];
};

const s3Bucket: Pricer = (resource, { assumptions }) => [
    line(resource, "S3 storage", assumptions.s3LogGb.value, prices.s3StandardGbMonth, `assumption ${assumptions.s3LogGb.flag}`),
    line(resource, "S3 PUT requests", 100, prices.s3PutPerThousand, `100,000 PUTs/month (part of ${assumptions.s3LogGb.flag})`, "thousand requests"),
];

const sqsQueue: Pricer = (resource, { assumptions }) => [
    line(resource, "SQS requests", assumptions.sqsMillionRequests.value, prices.sqsPerMillion, `assumption ${assumptions.sqsMillionRequests.flag}`),
];

export const awsPricers: Record<string, Pricer> = {
    "awsx:ec2:Vpc": vpc,
    "eks:index:Cluster": eksCluster,
    "aws:eks/nodeGroup:NodeGroup": nodeGroup,
    "aws:kms/key:Key": kmsKey,
    "aws:cloudwatch/logGroup:LogGroup": logGroup,
    "aws:s3/bucket:Bucket": s3Bucket,
    "aws:s3/bucketV2:BucketV2": s3Bucket,
    "aws:sqs/queue:Queue": sqsQueue,
};

