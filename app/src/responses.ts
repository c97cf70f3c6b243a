import type { OutgoingHttpHeaders, ServerResponse } from "node:http";

// The page is the only thing that needs a browser; no inline script or style, so this policy holds.
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "Content-Security-Policy":
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; " +
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  "X-Content-Type-Options": "nosniff",
  "X-Frame-Options": "DENY",
  "Referrer-Policy": "no-referrer",
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Resource-Policy": "same-origin",
};

/** An expected refusal of the request: sent to the client as `{ "error": message }`. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** What every response of one request carries: the security headers, its id, and whether the connection ends. */
export function commonHeaders(requestId: string, closeConnection: boolean): OutgoingHttpHeaders {
  return closeConnection ? { ...SECURITY_HEADERS, "X-Request-Id": requestId, Connection: "close" } : { ...SECURITY_HEADERS, "X-Request-Id": requestId };
}

// A redirect has no body for a browser to render, frame or sniff, so only the header that still
// acts on it stays: Referrer-Policy also governs the request the browser makes to the target.
const REDIRECT_SECURITY_HEADERS = ["Referrer-Policy", SECURITY_HEADERS["Referrer-Policy"]];

/** A redirect's headers as Node's flat [name, value, …] list. no-store: a cached redirect would skip the visit count. */
export function redirectHeaders(location: string, requestId: string, closeConnection: boolean): string[] {
  const headers = REDIRECT_SECURITY_HEADERS.concat("X-Request-Id", requestId, "Location", location, "Cache-Control", "no-store");
  if (closeConnection) headers.push("Connection", "close");
  return headers;
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: OutgoingHttpHeaders): void {
  res.writeHead(status, { "Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store", ...headers }).end(JSON.stringify(body));
}
