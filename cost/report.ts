// How estimates and critical paths are shown: a plain-text table for people, Markdown for pull requests.
import type { CriticalPath } from "./critical-path";
import type { Estimate } from "./estimate";
import type { LineItem } from "./model";
import { hoursPerMonth } from "./prices";

const usd = (amount: number) => `${amount < 0 ? "-" : ""}$${Math.abs(amount).toFixed(2)}`;
const signed = (amount: number) => `${amount > 0 ? "+" : ""}${usd(amount)}`;
const quantity = (value: number) => (Number.isInteger(value) ? String(value) : value.toFixed(2));
const minutes = (seconds: number) => `${Math.floor(seconds / 60)} min ${String(seconds % 60).padStart(2, "0")} s`;

function table(rows: string[][], rightAligned: number[]): string {
    const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
    return rows
        .map((row) => row.map((cell, column) => (rightAligned.includes(column) ? cell.padStart(widths[column]) : cell.padEnd(widths[column]))).join("  ").trimEnd())
        .join("\n");
}

export function formatEstimate(estimate: Estimate): string {
    const rows = [
        ["resource", "billed item", "quantity/month", "unit", "unit price", "monthly"],
        ...estimate.lines.map((item) => [item.name, item.item, quantity(item.quantity), item.unit, `$${Number(item.unitPrice.toPrecision(4))}`, usd(item.monthly)]),
        ["", "total", "", "", "", usd(estimate.total)],
    ];
    const sources = [...new Set(estimate.lines.map((item) => item.source))];
    return [
        `Monthly estimate for stack ${estimate.stack} (${estimate.region}, USD, list prices, ${hoursPerMonth} h/month)`,
        "",
        table(rows, [2, 4, 5]),
        "",
        "Where each quantity comes from:",
        ...estimate.lines.map((item) => `  ${item.name} / ${item.item}: ${item.basis}`),
        "",
        "Assumptions (change with the flag):",
        ...estimate.assumptions.map((assumption) => `  ${assumption.flag} ${assumption.value} (${assumption.unit}): ${assumption.meaning}`),
        "",
        "Prices (transcribed, see cost/prices.ts):",
        ...sources.map((source) => `  ${source}`),
        ...unpricedWarning(estimate),
    ].join("\n");
}

function unpricedWarning(estimate: Estimate): string[] {
    if (estimate.unpriced.length === 0) return [];
    return [
        "",
        `INCOMPLETE: ${estimate.unpriced.length} resource(s) could not be priced, so the total is too low:`,
        ...estimate.unpriced.map((item) => `  ${item.type} ${item.name}: ${item.reason}`),
    ];
}

export function formatCriticalPath(stack: string, path: CriticalPath): string {
    const rows = [
        ["starts", "takes", "resource", "waits for the step above through", "source of the duration"],
        ...path.steps.map((step) => [minutes(step.startsAt), minutes(step.seconds), `${step.type} ${step.name}`, step.waitsBecause ?? "", step.source]),
    ];
    const waits = path.explicitWaits.map(
        (wait) => `  ${wait.from.type} ${wait.from.name} dependsOn ${wait.to.type} ${wait.to.name}: without it ${minutes(wait.totalWithout)}`,
    );
    return [
        `Critical path of a first \`pulumi up\` of stack ${stack}: ${minutes(path.totalSeconds)} (typical durations, not measured here)`,
        "",
        table(rows, [0, 1]),
        "",
        "Explicit waits (dependsOn) on the path, and the total if each were dropped (a wait nothing needs is time lost):",
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
