import type { IncomingMessage, ServerResponse } from "node:http";
import { checkTargetUrl, isValidCode } from "./links";
import { errorFields, type Logger } from "./logger";
import type { Metrics } from "./metrics";
import type { StaticFile } from "./static-files";
import { StoreUnavailableError, type LinkStore } from "./store";

export const MAX_BODY_BYTES = 8 * 1024;

export interface HandlerDeps {
  store: LinkStore;
  metrics: Metrics;
  logger: Logger;
  staticFiles: Map<string, StaticFile>;
}

/** An expected refusal of the request: sent to the client as `{ "error": message }`. */
class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

type Handler = (req: IncomingMessage, res: ServerResponse, param: string) => Promise<void>;

interface Route {
  method: "GET" | "POST";
  pattern: RegExp;
  /** The metrics label: a template, never the raw path, so label cardinality stays bounded. */
  template: string;
  handle: Handler;
}

// The page is the only thing that needs a browser; no inline script or style, so this policy holds.
const SECURITY_HEADERS: Record<string, string> = {
  "Content-Security-Policy":
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; " +
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  "X-Content-Type-Options": "nosniff",
  "X-Frame-Options": "DENY",
  "Referrer-Policy": "no-referrer",
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Resource-Policy": "same-origin",
};

const UNMATCHED_ROUTE = "<unmatched>";

export function createRequestHandler({ store, metrics, logger, staticFiles }: HandlerDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const routes: Route[] = [
    ...[...staticFiles].map(([path, file]): Route => ({
      method: "GET",
      pattern: new RegExp(`^${path.replace(/[.]/g, "\\.")}$`),
      template: path,
      handle: async (_req, res) => {
        res.writeHead(200, { "Content-Type": file.contentType, "Cache-Control": "no-cache" }).end(file.body);
      },
    })),
    {
      method: "GET",
      pattern: /^\/healthz$/,
      template: "/healthz",
      // Liveness says only that the process serves HTTP: a Redis outage must not get pods restarted.
      handle: async (_req, res) => sendJson(res, 200, { status: "ok" }),
    },
    {
      method: "GET",
      pattern: /^\/readyz$/,
      template: "/readyz",
      handle: async (_req, res) => {
        await store.ping();
        sendJson(res, 200, { status: "ready" });
      },
    },
    {
      method: "GET",
      pattern: /^\/metrics$/,
      template: "/metrics",
      handle: async (_req, res) => {
        const body = await metrics.registry.metrics();
        res.writeHead(200, { "Content-Type": metrics.registry.contentType }).end(body);
      },
    },
    {
      method: "POST",
      pattern: /^\/api\/links$/,
      template: "/api/links",
      handle: async (req, res) => {
        const body = await readJsonBody(req);
        const isObject = typeof body === "object" && body !== null && !Array.isArray(body);
        const checked = checkTargetUrl(isObject ? (body as Record<string, unknown>).url : undefined);
        if (!checked.ok) throw new HttpError(400, checked.error);
        const origin = requestOrigin(req);
        const link = await store.create(checked.url);
        sendJson(res, 201, { code: link.code, shortUrl: `${origin}/${link.code}` }, { Location: `/api/links/${link.code}` });
      },
    },
    {
      method: "GET",
      pattern: /^\/api\/links\/([^/]*)$/,
      template: "/api/links/:code",
      handle: async (_req, res, code) => {
        const link = isValidCode(code) ? await store.lookup(code) : null;
        if (link === null) throw new HttpError(404, "no link with this code");
        sendJson(res, 200, link);
      },
    },
    {
      method: "GET",
      pattern: /^\/([^/]+)$/,
      template: "/:code",
      handle: async (_req, res, code) => {
        const url = isValidCode(code) ? await store.resolve(code) : null;
        if (url === null) throw new HttpError(404, "no link with this code");
        // no-store: a cached redirect would skip the visit count.
        res.writeHead(302, { Location: url, "Cache-Control": "no-store" }).end();
      },
    },
  ];

  const handleRequest = async (req: IncomingMessage, res: ServerResponse, setTemplate: (template: string) => void): Promise<void> => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
    // Only the path: the query string plays no part in routing.
    const path = (req.url ?? "/").split("?")[0];
    const matching = routes.filter((route) => route.pattern.test(path));
    if (matching.length === 0) throw new HttpError(404, "not found");
    const route = matching.find((candidate) => candidate.method === req.method);
    if (route === undefined) {
      setTemplate(matching[0].template);
      throw new HttpError(405, "method not allowed", { Allow: [...new Set(matching.map((m) => m.method))].join(", ") });
    }
    setTemplate(route.template);
    await route.handle(req, res, route.pattern.exec(path)?.[1] ?? "");
  };

  return (req, res) => {
    const started = process.hrtime.bigint();
    let template = UNMATCHED_ROUTE;
    res.on("close", () => {
      // 499 (nginx's "client closed request") when the client left before the answer was complete.
      const status = res.writableFinished ? String(res.statusCode) : "499";
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const labels = { method: req.method ?? "", route: template, status };
      metrics.httpRequests.inc(labels);
      metrics.httpRequestDuration.observe(labels, seconds);
      logger.info("request", { method: req.method, path: (req.url ?? "").split("?")[0], route: template, status: Number(status), durationMs: Math.round(seconds * 1e6) / 1e3 });
    });
    handleRequest(req, res, (matched) => (template = matched)).catch((error: unknown) => {
      if (res.headersSent) {
        res.destroy();
      } else if (error instanceof HttpError) {
        sendJson(res, error.status, { error: error.message }, error.headers);
      } else if (error instanceof StoreUnavailableError) {
        logger.warn("storage unavailable", { path: req.url, error: error.message });
        sendJson(res, 503, { error: "storage unavailable, try again shortly" }, { "Retry-After": "1" });
      } else {
        logger.error("request failed", { path: req.url, ...errorFields(error) });
        sendJson(res, 500, { error: "internal error" });
      }
    });
  };
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store", ...headers }).end(JSON.stringify(body));
}

/**
 * Reads at most MAX_BODY_BYTES of a JSON body. Refusals come before Redis is touched, so bad input
 * writes nothing.
 */
async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  const mediaType = (req.headers["content-type"] ?? "").split(";")[0].trim().toLowerCase();
  if (mediaType !== "application/json") throw new HttpError(415, "content type must be application/json");
  // The rest of an oversized body is never read, so the connection cannot be reused.
  const tooLarge = new HttpError(413, `body must be at most ${MAX_BODY_BYTES} bytes`, { Connection: "close" });
  if (Number(req.headers["content-length"] ?? 0) > MAX_BODY_BYTES) throw tooLarge;

  const raw = await new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    const onData = (chunk: Buffer): void => {
      received += chunk.length;
      if (received > MAX_BODY_BYTES) {
        req.off("data", onData);
        reject(tooLarge);
        return;
      }
      chunks.push(chunk);
    };
    req.on("data", onData);
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
  try {
    return JSON.parse(raw.toString("utf8"));
  } catch {
    throw new HttpError(400, "body is not valid JSON");
  }
}

/** Where the client reached us: the Host header, and the scheme a TLS-terminating proxy reports. */
function requestOrigin(req: IncomingMessage): string {
  const host = req.headers.host ?? "";
  if (!/^([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(:\d{1,5})?$/.test(host)) throw new HttpError(400, "request has no valid Host header");
  const forwardedProto = String(req.headers["x-forwarded-proto"] ?? "").split(",")[0].trim().toLowerCase();
  const scheme = forwardedProto === "https" ? "https" : "http";
  return `${scheme}://${host}`;
}
