// The shapes every part of the estimator shares: a priced line, what a pricer sees, and how it says "cannot price".
import type { RegisteredResource } from "../harness";
import type { Assumptions } from "./assumptions";
import type { Price } from "./prices";

export interface LineItem {
    /** The registered resource the cost comes from. */
    type: string;
    name: string;
    /** What is billed, e.g. "NAT gateway hours". */
    item: string;
    quantity: number;
    unit: string;
    /** USD per unit. */
    unitPrice: number;
    monthly: number;
    /** How the quantity follows from the program's inputs or from an assumption. */
    basis: string;
    /** Where the unit price is published (or "assumption"). */
    source: string;
}

export interface PricingContext {
    resources: RegisteredResource[];
    assumptions: Assumptions;
    /** The registered resource an edge points at. */
    find(ref: { type: string; name: string }): RegisteredResource | undefined;
}

/** Turns a resource into its monthly lines; throws UnpricedError when it cannot. */
export type Pricer = (resource: RegisteredResource, context: PricingContext) => LineItem[];

/** A billable thing the estimator has no price or rule for: the estimate is incomplete and says why. */
export class UnpricedError extends Error {}

/** One line at a list price. */
export function line(resource: RegisteredResource, item: string, quantity: number, price: Price, basis: string, unitOverride?: string): LineItem {
    return {
        type: resource.type,
        name: resource.name,
        item,
        quantity,
        unit: unitOverride ?? price.unit,
        unitPrice: price.usd,
        monthly: quantity * price.usd,
        basis,
        source: `${price.source} (read ${price.read})`,
    };
}

/** Kubernetes quantities ("8Gi", "500Mi", "1G") in GiB, which is what EBS provisions and bills as "GB". */
export function gibibytes(quantity: string | number): number {
    if (typeof quantity === "number") return quantity / 2 ** 30;
    const match = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(quantity.trim());
    if (!match) throw new UnpricedError(`cannot read the storage quantity ${JSON.stringify(quantity)}`);
    const factor: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, k: 1e3, M: 1e6, G: 1e9, T: 1e12, "": 1 };
    return (Number(match[1]) * factor[match[2] ?? ""]) / 2 ** 30;
}
