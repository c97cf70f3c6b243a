import { randomUUID } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";

// Bounded and plain, so a caller cannot inject into log lines or blow up their size: UUIDs, AWS
// trace ids ("Root=1-…") and most load balancers' ids fit.
const ACCEPTED_REQUEST_ID = /^[A-Za-z0-9._:=+/-]{1,128}$/;

/** The load balancer's X-Request-Id when it is well-formed, else a fresh one. */
export function requestIdOf(headers: IncomingHttpHeaders): string {
  const offered = headers["x-request-id"];
  return typeof offered === "string" && ACCEPTED_REQUEST_ID.test(offered) ? offered : randomUUID();
}
