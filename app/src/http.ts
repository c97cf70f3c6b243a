import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { clientAddressOf } from "./client-address";
import { checkTargetUrl, isValidCode } from "./links";
import { errorFields, type Logger } from "./logger";
import type { Metrics } from "./metrics";
import { ClientLeftError, readJsonBody } from "./request-body";
import { requestIdOf } from "./request-id";
import { commonHeaders, HttpError, redirectHeaders, sendJson } from "./responses";
import { serveStaticFile, type StaticFile } from "./static-files";
import { StoreFullError, StoreUnavailableError, type LinkStore } from "./store";

export interface HandlerDeps {
  store: LinkStore;
  metrics: Metrics;
  logger: Logger;
  staticFiles: Map<string, StaticFile>;
  trustXForwardedFor: boolean;
  /** True once SIGTERM arrived: not ready, and every connection closes after its response. */
  isDraining: () => boolean;
}

/** One request as the handlers see it. */
export class Exchange {
  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    readonly requestId: string,
    /** The route's parameter (a code), or "". */
    readonly param: string,
    /** Set once draining: the response tells the client to reconnect elsewhere. */
    public closeConnection: boolean,
  ) {}

  /** Headers every response of this request carries; built only when a response is. */
  get headers(): OutgoingHttpHeaders {
    return commonHeaders(this.requestId, this.closeConnection);
  }
}

type Handler = (exchange: Exchange) => Promise<void> | void;

interface Route {
  /** The metrics label: a template, never the raw path, so label cardinality stays bounded. */
  template: string;
  /** HEAD is answered by the GET handler; Node sends no body for it (RFC 9110). */
  methods: Partial<Record<"GET" | "POST", Handler>>;
}

const UNMATCHED_ROUTE = "<unmatched>";
const NO_LINK = "no link with this code";
// A client-chosen key; bounded and plain so it cannot bloat Redis keys. UUIDs fit.
const IDEMPOTENCY_KEY = /^[A-Za-z0-9._:-]{1,128}$/;

export interface RequestHandling {
  handleRequest: (req: IncomingMessage, res: ServerResponse) => void;
  /** The request under way on a connection, if its headers have been parsed. */
  exchangeOn: (socket: Duplex) => Exchange | undefined;
  /** Every response still to be sent closes its connection: the start of a drain. */
  closeConnectionsAfterResponses: () => void;
}

export function createRequestHandling(deps: HandlerDeps): RequestHandling {
  const { store, metrics, logger, staticFiles, trustXForwardedFor, isDraining } = deps;

  const exactRoutes = new Map<string, Route>();
  for (const [path, file] of staticFiles) {
    exactRoutes.set(path, { template: path, methods: { GET: (exchange) => serveStaticFile(exchange.req, exchange.res, file, exchange.headers) } });
  }
  // Liveness says only that the process serves HTTP: a Redis outage must not get pods restarted.
  exactRoutes.set("/healthz", { template: "/healthz", methods: { GET: (exchange) => sendJson(exchange.res, 200, { status: "ok" }, exchange.headers) } });
  exactRoutes.set("/readyz", {
    template: "/readyz",
    methods: {
      // Ready means able to serve reads (a redirect needs only a read); failing writes show in metrics.
      GET: async (exchange) => {
        if (isDraining()) throw new HttpError(503, "shutting down");
        await store.ping();
        sendJson(exchange.res, 200, { status: "ready" }, exchange.headers);
      },
    },
  });
  exactRoutes.set("/metrics", {
    template: "/metrics",
    methods: {
      GET: async (exchange) => {
        const body = await metrics.registry.metrics();
        exchange.res.writeHead(200, { ...exchange.headers, "Content-Type": metrics.registry.contentType }).end(body);
      },
    },
  });
  exactRoutes.set("/api/links", {
    template: "/api/links",
    methods: {
      POST: async (exchange) => {
        const { req, res } = exchange;
        const idempotencyKey = readIdempotencyKey(req);
        const body = await readJsonBody(req);
        const isObject = typeof body === "object" && body !== null && !Array.isArray(body);
        const checked = checkTargetUrl(isObject ? (body as Record<string, unknown>).url : undefined);
        if (!checked.ok) throw new HttpError(400, checked.error);
        const origin = requestOrigin(req);
        const result = await store.create(checked.url, clientAddressOf(req, trustXForwardedFor), idempotencyKey);
        switch (result.outcome) {
          case "created":
          case "replayed": {
            const { code, url } = result.link;
            const replayHeader = result.outcome === "replayed" ? { "Idempotent-Replayed": "true" } : {};
            sendJson(res, 201, { code, shortUrl: `${origin}/${code}`, url }, { ...exchange.headers, ...replayHeader, Location: `/api/links/${code}` });
            return;
          }
          case "rate-limited":
            throw new HttpError(429, `too many links created from this address; try again in ${result.retryAfterSeconds} s`, { "Retry-After": String(result.retryAfterSeconds) });
          case "idempotency-conflict":
            throw new HttpError(422, "this Idempotency-Key was already used for a different url");
          case "link-cap-reached":
            throw new HttpError(507, "the link store is full: no new links can be created for now");
        }
      },
    },
  });

  const linkStatsRoute: Route = {
    template: "/api/links/:code",
    methods: {
      GET: async (exchange) => {
        const link = isValidCode(exchange.param) ? await store.lookup(exchange.param) : null;
        if (link === null) throw new HttpError(404, NO_LINK);
        sendJson(exchange.res, 200, link, exchange.headers);
      },
    },
  };
  const redirectRoute: Route = {
    template: "/:code",
    methods: {
      // The hot path: no promise, whether the target is cached or read from Redis.
      GET: (exchange) => {
        const { param } = exchange;
        if (!isValidCode(param)) throw new HttpError(404, NO_LINK);
        const cached = store.cachedTarget(param);
        if (cached !== undefined) return redirect(exchange, cached);
        store.resolve(param, exchange, redirectToTarget, fail);
      },
    },
  };

  /** Answers a redirect whose read came back: never throws, as LinkStore.resolve asks. */
  const redirectToTarget = (exchange: Exchange, url: string | null): void => {
    try {
      if (url === null) throw new HttpError(404, NO_LINK);
      redirect(exchange, url);
    } catch (error) {
      fail(exchange, error);
    }
  };

  const redirect = (exchange: Exchange, url: string): void => {
    const { req, res, requestId, param } = exchange;
    // A HEAD asks about the link without following it: no visit.
    if (req.method === "GET") store.countVisit(param, requestId);
    // A flat header list: no header object built and copied per redirect.
    res.writeHead(302, redirectHeaders(url, requestId, exchange.closeConnection)).end();
  };

  /** The route for a path (without query) and its parameter; the query string plays no part in routing. */
  const routeOf = (path: string): [Route | undefined, string] => {
    const exact = exactRoutes.get(path);
    if (exact !== undefined) return [exact, ""];
    if (path.startsWith("/api/links/")) {
      const code = path.slice("/api/links/".length);
      return code.includes("/") ? [undefined, ""] : [linkStatsRoute, code];
    }
    return path.indexOf("/", 1) === -1 ? [redirectRoute, path.slice(1)] : [undefined, ""];
  };

  const handlerOf = (exchange: Exchange, route: Route | undefined): Handler => {
    if (route === undefined) throw new HttpError(404, "not found");
    const method = exchange.req.method === "HEAD" ? "GET" : exchange.req.method;
    const handler = method === "GET" || method === "POST" ? route.methods[method] : undefined;
    if (handler === undefined) {
      const allowed = Object.keys(route.methods).flatMap((name) => (name === "GET" ? ["GET", "HEAD"] : [name]));
      throw new HttpError(405, "method not allowed", { Allow: allowed.join(", ") });
    }
    return handler;
  };

  /** Runs the handler; a handler that answered synchronously costs no promise. */
  const handle = (exchange: Exchange, route: Route | undefined): void => {
    try {
      const pending = handlerOf(exchange, route)(exchange);
      if (pending !== undefined) pending.catch((error: unknown) => fail(exchange, error));
    } catch (error) {
      fail(exchange, error);
    }
  };

  const fail = (exchange: Exchange, error: unknown): void => {
    const { res, requestId, headers } = exchange;
    // The client left (an abort, a reset): there is no one to answer; the close handler logs a 499.
    if (error instanceof ClientLeftError || res.headersSent || res.destroyed || res.socket === null || res.socket.destroyed) {
      res.destroy();
    } else if (error instanceof HttpError) {
      sendJson(res, error.status, { error: error.message }, { ...headers, ...error.headers });
    } else if (error instanceof StoreFullError) {
      logger.warn("storage full", { requestId, error: error.message });
      sendJson(res, 507, { error: "storage is full: this change cannot be stored for now" }, headers);
    } else if (error instanceof StoreUnavailableError) {
      logger.warn("storage unavailable", { requestId, error: error.message });
      // The command may still run when Redis answers again: see the README on what a 503 means.
      sendJson(res, 503, { error: "storage unavailable, try again shortly" }, { ...headers, "Retry-After": "1" });
    } else {
      logger.error("request failed", { requestId, ...errorFields(error) });
      sendJson(res, 500, { error: "internal error" }, headers);
    }
  };

  const exchangesBySocket = new Map<Duplex, Exchange>();

  const handleRequest = (req: IncomingMessage, res: ServerResponse): void => {
    const started = performance.now();
    const requestId = requestIdOf(req.headers);
    const url = req.url ?? "/";
    const queryAt = url.indexOf("?");
    const path = queryAt === -1 ? url : url.slice(0, queryAt);
    const [route, param] = routeOf(path);
    const exchange = new Exchange(req, res, requestId, param, isDraining());
    exchangesBySocket.set(req.socket, exchange);

    // `on`, not `once`: "close" comes once per response, and once() wraps every listener in two more objects.
    res.on("close", () => {
      if (exchangesBySocket.get(req.socket) === exchange) exchangesBySocket.delete(req.socket);
      // 499 (nginx's "client closed request") when the client left before the answer was complete.
      const status = res.writableFinished ? res.statusCode : 499;
      const seconds = (performance.now() - started) / 1000;
      const template = route?.template ?? UNMATCHED_ROUTE;
      const method = req.method ?? "";
      metrics.observeRequest(method, template, status, seconds);
      // The path only: a query string can carry tokens and personal data.
      logger.request({ requestId, method, path, route: template, status, durationMs: Math.round(seconds * 1e6) / 1e3 });
    });
    handle(exchange, route);
  };

  return {
    handleRequest,
    exchangeOn: (socket) => exchangesBySocket.get(socket),
    closeConnectionsAfterResponses: () => {
      for (const exchange of exchangesBySocket.values()) exchange.closeConnection = true;
    },
  };
}

function readIdempotencyKey(req: IncomingMessage): string | undefined {
  const key = req.headers["idempotency-key"];
  if (key === undefined) return undefined;
  if (typeof key !== "string" || !IDEMPOTENCY_KEY.test(key)) {
    throw new HttpError(400, "Idempotency-Key must be 1 to 128 characters of A-Z, a-z, 0-9, '.', '_', ':' or '-'");
  }
  return key;
}

/** Where the client reached us: the Host header, and the scheme a TLS-terminating proxy reports. */
function requestOrigin(req: IncomingMessage): string {
  const host = req.headers.host ?? "";
  if (!/^([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(:\d{1,5})?$/.test(host)) throw new HttpError(400, "request has no valid Host header");
  const forwardedProto = String(req.headers["x-forwarded-proto"] ?? "").split(",")[0].trim().toLowerCase();
  const scheme = forwardedProto === "https" ? "https" : "http";
  return `${scheme}://${host}`;
}
