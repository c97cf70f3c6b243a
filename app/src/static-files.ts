import { createHash } from "node:crypto";
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from "node:http";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";

type Encoding = "br" | "gzip" | "identity";

export interface StaticFile {
  contentType: string;
  /** A strong validator from the content, so a browser revalidates with a 304 instead of downloading again. */
  etag: string;
  /** The body per content coding; compressed forms only where they are smaller. */
  bodies: Partial<Record<Encoding, Buffer>> & { identity: Buffer };
}

// Compiled code runs from dist/src/, next to the source tree's public/.
const PUBLIC_DIR = resolve(__dirname, "../../public");

const FILES: [path: string, name: string, contentType: string][] = [
  ["/", "index.html", "text/html; charset=utf-8"],
  ["/app.js", "app.js", "text/javascript; charset=utf-8"],
  ["/style.css", "style.css", "text/css; charset=utf-8"],
  ["/favicon.svg", "favicon.svg", "image/svg+xml"],
  // Browsers and crawlers ask for /favicon.ico whatever the page says; SVG is served there too.
  ["/favicon.ico", "favicon.svg", "image/svg+xml"],
];

/** Read and compressed once at start: the page is tiny, and the container's root filesystem is read-only anyway. */
export function loadStaticFiles(): Map<string, StaticFile> {
  return new Map(
    FILES.map(([path, name, contentType]) => {
      const identity = readFileSync(join(PUBLIC_DIR, name));
      const br = brotliCompressSync(identity, { params: { [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY } });
      const gzip = gzipSync(identity, { level: constants.Z_BEST_COMPRESSION });
      const etag = `"${createHash("sha256").update(identity).digest("base64url").slice(0, 22)}"`;
      const bodies: StaticFile["bodies"] = { identity };
      if (br.length < identity.length) bodies.br = br;
      if (gzip.length < identity.length) bodies.gzip = gzip;
      return [path, { contentType, etag, bodies }];
    }),
  );
}

/** Answers with the best coding the client accepts, or 304 when it holds the current version. */
export function serveStaticFile(req: IncomingMessage, res: ServerResponse, file: StaticFile, commonHeaders: OutgoingHttpHeaders): void {
  // no-cache: revalidate every time (cheap with the ETag), so a new release shows at once.
  const headers: OutgoingHttpHeaders = { ...commonHeaders, "Content-Type": file.contentType, "Cache-Control": "no-cache", ETag: file.etag, Vary: "Accept-Encoding" };
  const ifNoneMatch = req.headers["if-none-match"];
  if (ifNoneMatch !== undefined && ifNoneMatch.split(",").some((tag) => tag.trim().replace(/^W\//, "") === file.etag)) {
    res.writeHead(304, headers).end();
    return;
  }
  const encoding = preferredEncoding(String(req.headers["accept-encoding"] ?? ""), file);
  const body = file.bodies[encoding] ?? file.bodies.identity;
  if (encoding !== "identity") headers["Content-Encoding"] = encoding;
  headers["Content-Length"] = body.length;
  res.writeHead(200, headers).end(body);
}

function preferredEncoding(acceptEncoding: string, file: StaticFile): Encoding {
  const accepted = new Map<string, number>();
  for (const part of acceptEncoding.toLowerCase().split(",")) {
    const [coding, ...params] = part.trim().split(";");
    const quality = params.map((param) => /^\s*q=([0-9.]+)\s*$/.exec(param)?.[1]).find((q) => q !== undefined);
    accepted.set(coding.trim(), quality === undefined ? 1 : Number(quality));
  }
  const acceptable = (coding: Encoding): boolean => file.bodies[coding] !== undefined && (accepted.get(coding) ?? accepted.get("*") ?? 0) > 0;
  if (acceptable("br")) return "br";
  if (acceptable("gzip")) return "gzip";
  return "identity";
}
