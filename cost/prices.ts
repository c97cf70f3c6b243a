// List prices for eu-west-1 (Ireland), the region the stack files use, in USD, on-demand, before taxes, credits,
// free tiers and savings plans. TRANSCRIBED, NOT FETCHED: these machines have no internet, so each value was written
// down from the AWS public pricing page named beside it as published when transcribed (`read`). Check them against
// the page (or the price list API, https://pricing.us-east-1.amazonaws.com/offers/v1.0/aws/index.json) before
// relying on a number, and update `read` when you do.

export interface Price {
    /** USD per unit. */
    usd: number;
    unit: string;
    /** Where the price is published. */
    source: string;
    /** When it was read (transcribed) from that source, ISO date. */
    read: string;
}

export const priceRegion = "eu-west-1";
const transcribed = "2026-12-02";
/** The hours in a month as AWS pricing examples count them (24 × 365 / 12). */
export const hoursPerMonth = 730;

const page = {
    eks: "https://aws.amazon.com/eks/pricing/",
    ec2: "https://aws.amazon.com/ec2/pricing/on-demand/",
    ebs: "https://aws.amazon.com/ebs/pricing/",
    vpc: "https://aws.amazon.com/vpc/pricing/",
    elb: "https://aws.amazon.com/elasticloadbalancing/pricing/",
    kms: "https://aws.amazon.com/kms/pricing/",
    cloudwatch: "https://aws.amazon.com/cloudwatch/pricing/",
    s3: "https://aws.amazon.com/s3/pricing/",
    sqs: "https://aws.amazon.com/sqs/pricing/",
};

const price = (usd: number, unit: string, source: string): Price => ({ usd, unit, source, read: transcribed });

export const prices = {
    eksControlPlaneHour: price(0.1, "cluster-hour (standard support)", page.eks),
    eksExtendedSupportHour: price(0.6, "cluster-hour (extended support)", page.eks),
    natGatewayHour: price(0.048, "gateway-hour", page.vpc),
    natGatewayDataGb: price(0.048, "GB processed", page.vpc),
    publicIpv4Hour: price(0.005, "public IPv4-hour", page.vpc),
    nlbHour: price(0.0252, "NLB-hour", page.elb),
    nlbLcuHour: price(0.006, "NLCU-hour", page.elb),
    // gp3 includes 3,000 IOPS and 125 MB/s; the program provisions no more.
    ebsGp3GbMonth: price(0.088, "GB-month (gp3)", page.ebs),
    ebsGp2GbMonth: price(0.11, "GB-month (gp2)", page.ebs),
    kmsKeyMonth: price(1, "key-month", page.kms),
    logsIngestionGb: price(0.57, "GB ingested", page.cloudwatch),
    logsStorageGbMonth: price(0.03, "GB-month archived", page.cloudwatch),
    s3StandardGbMonth: price(0.023, "GB-month (S3 Standard)", page.s3),
    s3PutPerThousand: price(0.005, "1,000 PUT/POST/LIST requests", page.s3),
    sqsPerMillion: price(0.4, "million requests", page.sqs),
} satisfies Record<string, Price>;

/** On-demand Linux instance-hours (shared tenancy). An instance type missing here fails the estimate, by name. */
export const instanceHourPrices: Record<string, Price> = Object.fromEntries(
    Object.entries({
        "t3.medium": 0.0456,
        "t3.large": 0.0912,
        "t3.xlarge": 0.1824,
        "t3a.large": 0.0816,
        "m5.large": 0.107,
        "m5.xlarge": 0.214,
        "m6i.large": 0.107,
        "m6i.xlarge": 0.214,
        "m7i.large": 0.1124,
        "m7i.xlarge": 0.2248,
        "c6i.large": 0.0912,
        "r6i.large": 0.141,
    }).map(([type, usd]) => [type, price(usd, "instance-hour (Linux, on-demand)", page.ec2)]),
);
