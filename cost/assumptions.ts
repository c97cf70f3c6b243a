// What the estimate cannot read from the program: usage. Each has a flag, a default and what the default means;
// the report prints them all, so a number is never shown without the assumption behind it.
import { UserError } from "../scripts/cli/user-error";

export interface Assumption {
    flag: string;
    value: number;
    unit: string;
    meaning: string;
}

export const defaultAssumptions = {
    spotDiscount: {
        flag: "--spot-discount",
        value: 0.6,
        unit: "fraction off on-demand",
        meaning:
            "Spot nodes are priced at on-demand × (1 − this). An assumption, not a price: spot prices move with demand " +
            "(see the Spot Instance Advisor, https://aws.amazon.com/ec2/spot/instance-advisor/); 0.6 is a middle value for large general-purpose types",
    },
    natDataGb: {
        flag: "--nat-gb",
        value: 50,
        unit: "GB/month",
        meaning: "Traffic from private subnets to the internet or AWS APIs through NAT (image pulls, updates, API calls)",
    },
    logGbPerGroup: {
        flag: "--log-gb",
        value: 5,
        unit: "GB/month per log group",
        meaning:
            "Logs written to each CloudWatch log group (the EKS API, audit and authenticator logs); storage is this × the " +
            "group's retention, uncompressed (an upper bound: CloudWatch bills stored logs compressed)",
    },
    nlbLcu: {
        flag: "--nlb-lcu",
        value: 1,
        unit: "NLCU (hourly average)",
        meaning: "Load balancer capacity units used on average: 1 NLCU is 800 new TCP flows/s, 100,000 active flows or 1 GB/hour",
    },
    s3LogGb: {
        flag: "--s3-log-gb",
        value: 50,
        unit: "GB stored per bucket",
        meaning: "Data kept in each S3 bucket the program creates (e.g. Loki chunks), with 100,000 PUTs per month",
    },
    sqsMillionRequests: {
        flag: "--sqs-million-requests",
        value: 1,
        unit: "million requests/month per queue",
        meaning: "Requests to each SQS queue (e.g. Karpenter's interruption queue polled with long polling), free tier ignored",
    },
    karpenterVcpu: {
        flag: "--karpenter-vcpu",
        value: 0,
        unit: "vCPU (monthly average) per NodePool",
        meaning:
            "vCPUs Karpenter runs in each NodePool beyond the managed node group: none until pods outgrow it. The " +
            "NodePool's CPU limit is the ceiling, shown with its line",
    },
} satisfies Record<string, Assumption>;

export type Assumptions = Record<keyof typeof defaultAssumptions, Assumption>;

/** The defaults with any `--flag value` given on the command line applied; a bad value is the user's error. */
export function assumptionsFrom(flags: Record<string, string>): Assumptions {
    const assumptions = structuredClone(defaultAssumptions) as Assumptions;
    for (const assumption of Object.values(assumptions)) {
        const given = flags[assumption.flag];
        if (given === undefined) continue;
        const value = Number(given);
        if (!Number.isFinite(value) || value < 0) throw new UserError(`${assumption.flag} must be a number ≥ 0, not ${given}`);
        assumption.value = value;
    }
    if (assumptions.spotDiscount.value >= 1) throw new UserError(`--spot-discount is a fraction below 1, not ${assumptions.spotDiscount.value}`);
    return assumptions;
}

export const assumptionFlags = Object.values(defaultAssumptions).map((assumption) => assumption.flag);
