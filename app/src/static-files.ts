import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";

export interface StaticFile {
  body: Buffer;
  contentType: string;
}

// Compiled code runs from dist/src/, next to the source tree's public/.
const PUBLIC_DIR = resolve(__dirname, "../../public");

/** Read once at start: the page is tiny, and the container's root filesystem is read-only anyway. */
export function loadStaticFiles(): Map<string, StaticFile> {
  const read = (name: string, contentType: string): StaticFile => ({ body: readFileSync(join(PUBLIC_DIR, name)), contentType });
  return new Map([
    ["/", read("index.html", "text/html; charset=utf-8")],
    ["/app.js", read("app.js", "text/javascript; charset=utf-8")],
    ["/style.css", read("style.css", "text/css; charset=utf-8")],
  ]);
}
