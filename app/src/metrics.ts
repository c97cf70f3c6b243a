import { Counter, Gauge, Registry, collectDefaultMetrics } from "prom-client";
import { createRequestMetrics } from "./request-metrics";

const REDIS_OPERATIONS = ["create", "resolve", "count", "lookup", "ping", "connection"] as const;
export type RedisOperation = (typeof REDIS_OPERATIONS)[number];

export interface Metrics {
  registry: Registry;
  httpRequests: Counter<"method" | "route" | "status">;
  redisErrors: Counter<"operation">;
  redisWritesFailing: Gauge;
  /** Counts one answered request and its duration: a few additions, see request-metrics.ts. */
  observeRequest(method: string, route: string, status: number, seconds: number): void;
}

/** A registry per app instance rather than prom-client's global one, so tests can run several apps side by side. */
export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  // Routes are labelled by template ("/:code"), never by raw path, so every link does not become a new series.
  const { httpRequests, observe: observeRequest } = createRequestMetrics(registry);
  const redisErrors = new Counter({
    name: "redis_errors_total",
    help: "Redis commands or connections that failed, by operation (count: a visit that was not counted).",
    labelNames: ["operation"] as const,
    registers: [registry],
  });
  const redisWritesFailing = new Gauge({
    name: "redis_writes_failing",
    help: "1 while the last write to Redis failed (full, read-only or unreachable), 0 once one succeeds. Alert on it.",
    registers: [registry],
  });
  redisWritesFailing.set(0);
  // Exported at zero from the start, so rate() and alerts work before the first error.
  for (const operation of REDIS_OPERATIONS) redisErrors.inc({ operation }, 0);

  return { registry, httpRequests, redisErrors, redisWritesFailing, observeRequest };
}
