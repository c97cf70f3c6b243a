import { isIP } from "node:net";
import type { IncomingMessage } from "node:http";

/**
 * Who is asking, for per-client limits. X-Forwarded-For is a header any client can write, so it is
 * read only when configured: then the last entry counts, the one the trusted proxy appended itself.
 */
export function clientAddressOf(req: IncomingMessage, trustXForwardedFor: boolean): string {
  if (trustXForwardedFor) {
    const header = req.headers["x-forwarded-for"];
    const last = typeof header === "string" ? header.slice(header.lastIndexOf(",") + 1).trim() : "";
    if (isIP(last) !== 0) return last;
  }
  return req.socket.remoteAddress ?? "unknown";
}
