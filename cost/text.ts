// Plain-text layout for a terminal: tables whose text columns wrap so a row fits the width, and wrapped paragraphs.
// Money is formatted here too, so every price the reports print looks the same.

/** The width the reports fit unless --wide is given: a terminal's 80 columns leave too little for a table. */
export const terminalWidth = 100;

/** Dollars and cents: "$1,234.50", "-$3.00". */
export const usd = (amount: number) =>
    `${amount < 0 ? "-" : ""}$${Math.abs(amount).toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;

/** A unit price: cents at least, and the digits the price has beyond them (up to 4 significant): "$0.10", "$0.03868". */
export function unitPrice(amount: number): string {
    const significant = Number(amount.toPrecision(4));
    const decimals = Math.max(2, (String(significant).split(".")[1] ?? "").length);
    return `$${significant.toFixed(decimals)}`;
}

/**
 * A cell's text cut into pieces a line may end after: at spaces, and after "-", "/" or "," inside a word
 * ("monitoring-" "kube-" "prometheus-stack"). `joined` is false for a piece that continues the word before it.
 */
function pieces(text: string, insideWords = true): { text: string; joined: boolean }[] {
    return text
        .split(/\s+/)
        .filter((word) => word.length > 0)
        .flatMap((word) => (insideWords ? word.split(/(?<=\w[-/,])(?=\w)/) : [word]).map((piece, index) => ({ text: piece, joined: index > 0 })));
}

/**
 * Lines of at most `width` characters, the first of at most `firstWidth` (a piece longer is cut where it must be);
 * prose breaks at spaces only, table cells inside words too.
 */
export function wrap(text: string, width: number, firstWidth = width, insideWords = true): string[] {
    const lines: string[] = [];
    const room = () => (lines.length === 0 ? firstWidth : width);
    let line = "";
    for (const piece of pieces(text, insideWords)) {
        const candidate = line === "" ? piece.text : `${line}${piece.joined ? "" : " "}${piece.text}`;
        if (candidate.length <= room()) {
            line = candidate;
            continue;
        }
        if (line !== "") lines.push(line);
        line = piece.text;
        while (line.length > room()) {
            const cut = room();
            lines.push(line.slice(0, cut));
            line = line.slice(cut);
        }
    }
    return [...lines, line];
}

/** A paragraph wrapped to the width (none: one line): the first line after `indent`, the rest after `hanging`. */
export function paragraph(text: string, width: number | undefined, indent = "", hanging = indent): string {
    if (width === undefined) return `${indent}${text}`;
    return wrap(text, width - hanging.length, width - indent.length, false)
        .map((line, index) => `${index === 0 ? indent : hanging}${line}`)
        .join("\n");
}

export interface Column {
    header: string;
    /** Numbers are right-aligned; text is left-aligned and may wrap. */
    numeric?: boolean;
    /** Spaces before the column's cells (not its header): rows under a heading line. */
    indent?: number;
}

/** A row of cells, or a heading line across the table that the rows after it belong to. */
export type Row = string[] | { heading: string };

/**
 * Rows under their headers, two spaces between columns. With a width, the widest text columns give up room first
 * and their cells wrap onto more lines, down to their longest unbreakable piece; without one, nothing wraps.
 */
export function table(columns: Column[], rows: Row[], width?: number): string {
    const header = columns.map((column) => column.header);
    const cellRows = rows.filter((row): row is string[] => Array.isArray(row));
    const indent = (index: number) => columns[index].indent ?? 0;
    const natural = columns.map((_, index) => Math.max(header[index].length, ...cellRows.map((row) => indent(index) + row[index].length)));
    const narrowest = columns.map((column, index) =>
        column.numeric
            ? natural[index]
            : Math.max(...pieces(header[index]).map((piece) => piece.text.length), ...cellRows.flatMap((row) => pieces(row[index]).map((piece) => indent(index) + piece.text.length)), 1),
    );
    // A header wider than its cells wraps first: that costs one line, not one per row.
    const widestCell = columns.map((_, index) => Math.max(narrowest[index], ...cellRows.map((row) => indent(index) + row[index].length)));
    const widths = [...natural];
    const total = () => widths.reduce((sum, columnWidth) => sum + columnWidth, 0) + 2 * (columns.length - 1);
    for (let index = 0; index < columns.length && width !== undefined; index++) {
        if (!columns[index].numeric) widths[index] = Math.max(widestCell[index], widths[index] - Math.max(0, total() - width));
    }
    while (width !== undefined && total() > width) {
        const shrinkable = widths.map((columnWidth, index) => (columnWidth > narrowest[index] ? index : -1)).filter((index) => index >= 0);
        if (shrinkable.length === 0) break;
        const widest = shrinkable.reduce((best, index) => (widths[index] > widths[best] ? index : best));
        widths[widest]--;
    }
    const render = (row: string[], indented: boolean) => {
        const cells = row.map((cell, index) => {
            const margin = indented ? indent(index) : 0;
            const lines = widths[index] < natural[index] ? wrap(cell, widths[index] - margin) : [cell];
            return lines.map((line) => " ".repeat(margin) + line);
        });
        const height = Math.max(...cells.map((lines) => lines.length));
        return Array.from({ length: height }, (_, line) =>
            cells
                .map((lines, index) => {
                    const text = lines[line] ?? "";
                    return columns[index].numeric ? text.padStart(widths[index]) : text.padEnd(widths[index]);
                })
                .join("  ")
                .trimEnd(),
        ).join("\n");
    };
    return [render(header, false), ...rows.map((row) => (Array.isArray(row) ? render(row, true) : paragraph(row.heading, width)))].join("\n");
}
