// Markdown as GitHub renders it, for the link checks: heading anchors (github-slugger's rules) and local links.
import * as fs from "fs";
import * as path from "path";

/** The text with fenced code blocks blanked out (line count kept): a `#` or `[x](y)` in them is not Markdown. */
function withoutFences(markdown: string): string {
    let fence: string | undefined;
    return markdown
        .split("\n")
        .map((line) => {
            const marker = /^ {0,3}(`{3,}|~{3,})/.exec(line)?.[1];
            if (fence === undefined && marker) {
                fence = marker;
                return "";
            }
            if (fence !== undefined) {
                if (marker && marker[0] === fence[0] && marker.length >= fence.length && line.trim() === marker) fence = undefined;
                return "";
            }
            return line;
        })
        .join("\n");
}

/** GitHub's anchor for a heading's text: lower case, punctuation dropped, each space a hyphen. */
export function headingSlug(heading: string): string {
    const text = heading
        .replace(/\s+#+\s*$/, "")
        .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1")
        .replace(/<[^>]+>/g, "");
    return text
        .trim()
        .toLowerCase()
        .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, "")
        .replace(/ /g, "-");
}

/** Every anchor a page offers: its headings (a repeated one numbered -1, -2, ... as GitHub does) and HTML ids. */
export function markdownAnchors(markdown: string): Set<string> {
    const text = withoutFences(markdown);
    const anchors = new Set<string>();
    const seen = new Map<string, number>();
    for (const match of text.matchAll(/^ {0,3}#{1,6}\s+(.+)$/gm)) {
        const slug = headingSlug(match[1]);
        const count = seen.get(slug) ?? 0;
        seen.set(slug, count + 1);
        anchors.add(count === 0 ? slug : `${slug}-${count}`);
    }
    for (const match of text.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) anchors.add(match[1]);
    return anchors;
}

/** The targets of a page's inline links and images, outside code. */
export function markdownLinks(markdown: string): string[] {
    const text = withoutFences(markdown).replace(/`[^`]*`/g, "``");
    return [...text.matchAll(/!?\[[^\]]*\]\(<?([^)\s>]+)>?(?:\s+"[^"]*")?\)/g)].map((match) => match[1]);
}

/**
 * The local links of a page (relative to the repository) that lead nowhere: to no file or folder, or, in a Markdown
 * file, to an anchor none of its headings has. Links with a scheme (https:, mailto:) are not followed.
 */
export function brokenLinks(root: string, page: string): string[] {
    const anchorsOf = new Map<string, Set<string>>();
    const anchors = (file: string) => {
        if (!anchorsOf.has(file)) anchorsOf.set(file, markdownAnchors(fs.readFileSync(file, "utf8")));
        return anchorsOf.get(file) as Set<string>;
    };
    const pageFile = path.join(root, page);
    return markdownLinks(fs.readFileSync(pageFile, "utf8")).filter((link) => {
        if (/^[a-z][a-z0-9+.-]*:/i.test(link)) return false;
        const [target, anchor] = link.split("#", 2);
        const file = target === "" ? pageFile : path.resolve(path.dirname(pageFile), decodeURIComponent(target));
        if (!file.startsWith(root) || !fs.existsSync(file)) return true;
        if (anchor === undefined || !file.endsWith(".md")) return false;
        return !anchors(file).has(decodeURIComponent(anchor));
    });
}
