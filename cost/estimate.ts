// The monthly estimate of a registered program: every resource classified, billable ones priced line by line.
import type { RegisteredResource } from "../harness";
import type { Assumption, Assumptions } from "./assumptions";
import { classify } from "./classification";
import { LineItem, PricingContext, UnpricedError } from "./model";
import { priceRegion } from "./prices";

export interface Unpriced {
    type: string;
    name: string;
    reason: string;
}

export interface Estimate {
    stack: string;
    region: string;
    lines: LineItem[];
    /** USD per month: the sum of the lines. */
    total: number;
    assumptions: Assumption[];
    /** Billable resources with no price or rule: the total is too low by their cost. Empty when complete. */
    unpriced: Unpriced[];
}

export function estimate(stack: string, resources: RegisteredResource[], assumptions: Assumptions): Estimate {
    const context: PricingContext = {
        resources,
        assumptions,
        find: (ref) => resources.find((resource) => resource.type === ref.type && resource.name === ref.name),
    };
    const lines: LineItem[] = [];
    const unpriced: Unpriced[] = [];
    for (const resource of resources) {
        if (resource.type === "pulumi:pulumi:Stack") continue;
        const classification = classify(resource);
        if (classification === undefined) {
            unpriced.push({ type: resource.type, name: resource.name, reason: "type not classified in cost/classification.ts" });
            continue;
        }
        if ("free" in classification) continue;
        try {
            lines.push(...classification.billable(resource, context));
        } catch (error) {
            if (!(error instanceof UnpricedError)) throw error;
            unpriced.push({ type: resource.type, name: resource.name, reason: error.message });
        }
    }
    // The price file holds one region's prices: a provider elsewhere makes every AWS line wrong, so say so.
    for (const provider of resources.filter((resource) => resource.type === "pulumi:providers:aws")) {
        if (provider.inputs.region !== undefined && provider.inputs.region !== priceRegion) {
            unpriced.push({ type: provider.type, name: provider.name, reason: `deploys to ${provider.inputs.region}; cost/prices.ts holds ${priceRegion} prices` });
        }
    }
    const total = lines.reduce((sum, item) => sum + item.monthly, 0);
    return { stack, region: priceRegion, lines, total, assumptions: Object.values(assumptions), unpriced };
}
