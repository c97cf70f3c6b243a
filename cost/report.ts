// How estimates and critical paths are shown: plain text for people (fitting a terminal unless --wide), Markdown
// for pull requests.
import type { CriticalPath } from "./critical-path";
import type { Estimate } from "./estimate";
import type { LineItem } from "./model";
import { hoursPerMonth } from "./prices";
import { paragraph, Row, table, terminalWidth, unitPrice, usd } from "./text";

export interface TextOptions {
    /** Every column at its full width, nothing wrapped (for a wide terminal or a file). */
    wide?: boolean;
}

const signed = (amount: number) => `${amount > 0 ? "+" : ""}${usd(amount)}`;
const quantity = (value: number) => (Number.isInteger(value) ? String(value) : value.toFixed(2));
const minutes = (seconds: number) => `${Math.floor(seconds / 60)} min ${String(seconds % 60).padStart(2, "0")} s`;

/** Prices with their decimal points in one column: each padded after its digits to the most decimals of any. */
function alignedPrices(amounts: number[]): string[] {
    const texts = amounts.map(unitPrice);
    const decimals = (text: string) => text.length - text.indexOf(".") - 1;
    const most = Math.max(...texts.map(decimals));
    return texts.map((text) => text + " ".repeat(most - decimals(text)));
}

export function formatEstimate(estimate: Estimate, options: TextOptions = {}): string {
    const width = options.wide ? undefined : terminalWidth;
    const prices = alignedPrices(estimate.lines.map((item) => item.unitPrice));
    // Each resource once, as a heading over its billed items.
    const rows: Row[] = estimate.lines.flatMap((item, index) => {
        const previous = estimate.lines[index - 1];
        const heading = previous?.name === item.name && previous.type === item.type ? [] : [{ heading: `${item.name} (${item.type})` }];
        return [...heading, [item.item, quantity(item.quantity), item.unit, prices[index], usd(item.monthly)]];
    });
    rows.push(["total", "", "", "", usd(estimate.total)]);
    const columns = [
        { header: "resource (type), billed item", indent: 2 },
        { header: "quantity/month", numeric: true },
        { header: "unit" },
        { header: "unit price", numeric: true },
        { header: "monthly", numeric: true },
    ];
    const sources = [...new Set(estimate.lines.map((item) => item.source))];
    return [
        paragraph(`Monthly estimate for stack ${estimate.stack} (${estimate.region}, USD, list prices, ${hoursPerMonth} h/month)`, width),
        "",
        table(columns, rows, width),
        "",
        "Where each quantity comes from:",
        ...estimate.lines.map((item) => paragraph(`${item.name} / ${item.item}: ${item.basis}`, width, "  ", "      ")),
        "",
        "Assumptions (change with the flag):",
        ...estimate.assumptions.map((assumption) =>
            paragraph(`${assumption.flag} ${assumption.value} (${assumption.unit}): ${assumption.meaning}`, width, "  ", "      "),
        ),
        "",
        "Prices (transcribed, see cost/prices.ts):",
        ...sources.map((source) => paragraph(source, width, "  ", "      ")),
        ...unpricedWarning(estimate, width),
    ].join("\n");
}

function unpricedWarning(estimate: Estimate, width?: number): string[] {
    if (estimate.unpriced.length === 0) return [];
    return [
        "",
        paragraph(`INCOMPLETE: ${estimate.unpriced.length} resource(s) could not be priced, so the total is too low:`, width),
        ...estimate.unpriced.map((item) => paragraph(`${item.type} ${item.name}: ${item.reason}`, width, "  ", "      ")),
    ];
}

export function formatCriticalPath(stack: string, path: CriticalPath, options: TextOptions = {}): string {
    const width = options.wide ? undefined : terminalWidth;
    // Narrow, each step names its source by number and the sources follow the table, each once.
    const sources = [...new Set(path.steps.map((step) => step.source))];
    const columns = [
        { header: "starts", numeric: true },
        { header: "takes", numeric: true },
        { header: "resource" },
        { header: "waits for the step above through" },
        { header: options.wide ? "source of the duration" : "source", numeric: !options.wide },
    ];
    const rows = path.steps.map((step) => [
        minutes(step.startsAt),
        minutes(step.seconds),
        `${step.type} ${step.name}`,
        step.waitsBecause ?? "",
        options.wide ? step.source : `[${sources.indexOf(step.source) + 1}]`,
    ]);
    const waits = path.explicitWaits.map((wait) =>
        paragraph(`${wait.from.type} ${wait.from.name} dependsOn ${wait.to.type} ${wait.to.name}: without it ${minutes(wait.totalWithout)}`, width, "  ", "      "),
    );
    return [
        paragraph(`Critical path of a first \`pulumi up\` of stack ${stack}: ${minutes(path.totalSeconds)} (typical durations, not measured here)`, width),
        "",
        table(columns, rows, width),
        ...(options.wide ? [] : ["", "Sources of the durations:", ...sources.map((source, index) => paragraph(`[${index + 1}] ${source}`, width, "  ", "      "))]),
        "",
        paragraph("Explicit waits (dependsOn) on the path, and the total if each were dropped (a wait nothing needs is time lost):", width),
        ...(waits.length > 0 ? waits : ["  none"]),
    ].join("\n");
}

const lineKey = (item: LineItem) => `${item.type}::${item.name}::${item.item}`;

/** Markdown for a pull request: the estimate on main, on the PR, and every line that changed. */
export function formatDiff(base: Estimate | undefined, head: Estimate): string {
    const title = `### Monthly cost estimate: \`${head.stack}\``;
    const incomplete = head.unpriced.length > 0 ? ["", ...unpricedWarning(head).slice(1).map((text) => `> ${text}`)] : [];
    if (base === undefined) {
        return [title, "", `No estimate on the base branch. This pull request: **${usd(head.total)}**/month.`, ...incomplete].join("\n");
    }
    const before = new Map(base.lines.map((item) => [lineKey(item), item]));
    const after = new Map(head.lines.map((item) => [lineKey(item), item]));
    const changed = [...new Set([...before.keys(), ...after.keys()])]
        .map((key) => ({ key, was: before.get(key)?.monthly ?? 0, now: after.get(key)?.monthly ?? 0, item: (after.get(key) ?? before.get(key)) as LineItem }))
        .filter(({ was, now }) => Math.abs(now - was) >= 0.005);
    const rows = changed.map(({ was, now, item }) => `| ${item.name} | ${item.item} | ${usd(was)} | ${usd(now)} | ${signed(now - was)} |`);
    return [
        title,
        "",
        `| | main | this pull request | difference |`,
        `|---|---:|---:|---:|`,
        `| **total per month** | ${usd(base.total)} | ${usd(head.total)} | **${signed(head.total - base.total)}** |`,
        "",
        ...(rows.length > 0
            ? ["| resource | billed item | main | this pull request | difference |", "|---|---|---:|---:|---:|", ...rows]
            : ["No line changed."]),
        "",
        `List prices for ${head.region}, transcribed (cost/prices.ts); usage assumptions: ${head.assumptions.map((a) => `${a.flag} ${a.value}`).join(", ")}.`,
        ...incomplete,
    ].join("\n");
}
