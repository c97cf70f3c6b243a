import { STATUS_CODES } from "node:http";
import type { Duplex } from "node:stream";
import type { Exchange } from "./http";
import type { Logger } from "./logger";
import type { Metrics } from "./metrics";
import { requestIdOf } from "./request-id";
import { sendJson, SECURITY_HEADERS } from "./responses";

interface ClientErrorDeps {
  logger: Logger;
  metrics: Metrics;
  /** The request under way on a socket, if its headers were parsed. */
  exchangeOn: (socket: Duplex) => Exchange | undefined;
}

const UNPARSED = "<unparsed>";
const UNMATCHED_ROUTE = "<unmatched>";

function refusal(code: string | undefined): { status: number; error: string } | undefined {
  // The client closed its side mid-request: it is gone, not wrong.
  if (code === "HPE_INVALID_EOF_STATE") return undefined;
  if (code === "HPE_HEADER_OVERFLOW") return { status: 431, error: "request headers are too large" };
  if (code === "ERR_HTTP_REQUEST_TIMEOUT") return { status: 408, error: "the request took too long to arrive" };
  if (code?.startsWith("HPE_")) return { status: 400, error: "malformed HTTP request" };
  // A reset or a half-sent request: nobody is listening for an answer.
  return undefined;
}

/**
 * The server's "clientError" handler: what Node's parser and timeouts refuse (431 for huge headers,
 * 400 for smuggling attempts, 408 for slow clients) gets the same JSON body, headers, log line and
 * metrics as any other answer, instead of Node's bare default.
 */
export function createClientErrorHandler({ logger, metrics, exchangeOn }: ClientErrorDeps): (error: Error & { code?: string; rawPacket?: Buffer }, socket: Duplex) => void {
  return (error, socket) => {
    const refused = refusal(error.code);
    const exchange = exchangeOn(socket);
    if (refused === undefined || !socket.writable) {
      socket.destroy();
      return;
    }
    if (exchange !== undefined) {
      // The headers arrived, the body did not in time: the request's own response answers, and its close handler logs it.
      if (exchange.res.headersSent) socket.destroy();
      else sendJson(exchange.res, refused.status, { error: refused.error }, { ...exchange.headers, Connection: "close" });
      return;
    }
    const requestId = requestIdOf({ "x-request-id": requestIdInRawPacket(error.rawPacket) });
    const body = JSON.stringify({ error: refused.error });
    const head = [
      `HTTP/1.1 ${refused.status} ${STATUS_CODES[refused.status]}`,
      "Content-Type: application/json; charset=utf-8",
      `Content-Length: ${Buffer.byteLength(body)}`,
      "Cache-Control: no-store",
      ...Object.entries(SECURITY_HEADERS).map(([name, value]) => `${name}: ${value}`),
      `X-Request-Id: ${requestId}`,
      // The parser is in an error state: this connection cannot carry another request.
      "Connection: close",
    ];
    socket.end(`${head.join("\r\n")}\r\n\r\n${body}`);
    metrics.httpRequests.inc({ method: UNPARSED, route: UNMATCHED_ROUTE, status: String(refused.status) });
    logger.info("request", { requestId, method: UNPARSED, route: UNMATCHED_ROUTE, status: refused.status, reason: error.code });
  };
}

/** The load balancer's request id, when the part of the request the parser saw holds one. */
function requestIdInRawPacket(rawPacket: Buffer | undefined): string | undefined {
  if (rawPacket === undefined) return undefined;
  return /\r\nx-request-id:[ \t]*([^\r\n]*?)[ \t]*\r\n/i.exec(rawPacket.toString("latin1"))?.[1];
}
