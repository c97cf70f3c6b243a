import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

const REDIS_OPERATIONS = ["create", "resolve", "count", "lookup", "ping", "connection"] as const;
export type RedisOperation = (typeof REDIS_OPERATIONS)[number];

export interface Metrics {
  registry: Registry;
  httpRequests: Counter<"method" | "route" | "status">;
  httpRequestDuration: Histogram<"method" | "route" | "status">;
  redisErrors: Counter<"operation">;
  redisWritesFailing: Gauge;
  /** Counts one answered request; label children are cached, so the hot path builds no label objects. */
  observeRequest(method: string, route: string, status: number, seconds: number): void;
}

interface RequestSeries {
  requests: Counter.Internal;
  duration: Histogram.Internal<"method" | "route" | "status">;
}

/** A registry per app instance rather than prom-client's global one, so tests can run several apps side by side. */
export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  // Routes are labelled by template ("/:code"), never by raw path, so every link does not become a new series.
  const httpRequests = new Counter({
    name: "http_requests_total",
    help: "HTTP requests answered, by method, route template and status code.",
    labelNames: ["method", "route", "status"] as const,
    registers: [registry],
  });
  const httpRequestDuration = new Histogram({
    name: "http_request_duration_seconds",
    help: "Time to answer an HTTP request, by method, route template and status code.",
    labelNames: ["method", "route", "status"] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
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

  const seriesByKey = new Map<string, RequestSeries>();
  const observeRequest = (method: string, route: string, status: number, seconds: number): void => {
    const key = `${method} ${route} ${status}`;
    let series = seriesByKey.get(key);
    if (series === undefined) {
      const labels = { method, route, status: String(status) };
      series = { requests: httpRequests.labels(labels), duration: httpRequestDuration.labels(labels) };
      seriesByKey.set(key, series);
    }
    series.requests.inc();
    series.duration.observe(seconds);
  };
  return { registry, httpRequests, httpRequestDuration, redisErrors, redisWritesFailing, observeRequest };
}
