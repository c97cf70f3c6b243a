import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createClientErrorHandler } from "./client-errors";
import type { Config } from "./config";
import { createRequestHandling } from "./http";
import type { Logger } from "./logger";
import { createMetrics } from "./metrics";
import { loadStaticFiles } from "./static-files";
import { LinkStore } from "./store";

export interface RunningApp {
  port: number;
  /**
   * Drains, then stops: for drainDelayMs it keeps serving while /readyz answers 503 and every
   * response closes its connection (so load balancers and keep-alive clients move elsewhere); then
   * it stops listening, closes idle connections and lets in-flight requests finish for up to
   * timeoutMs before cutting the rest and closing Redis. Resolves to whether every request finished in time.
   */
  shutdown(drainDelayMs: number, timeoutMs: number): Promise<{ drained: boolean }>;
}

// How often Node checks headersTimeout and requestTimeout; its default of 30 s lets a slow client
// hold a connection up to 30 s past them.
const TIMEOUT_CHECK_INTERVAL_MS = 1000;

/** Listens at once, without waiting for Redis: /readyz reports Redis, and the client keeps reconnecting. */
export async function startApp(config: Config, logger: Logger): Promise<RunningApp> {
  const metrics = createMetrics();
  const store = new LinkStore(config.redis, config.limits, config.linkCache, logger, metrics);
  let draining = false;
  const handling = createRequestHandling({
    store,
    metrics,
    logger,
    staticFiles: loadStaticFiles(),
    trustXForwardedFor: config.trustXForwardedFor,
    isDraining: () => draining,
  });
  const server = createServer(
    {
      // Longer than AWS load balancers' 60 s idle timeout, so the balancer closes idle connections
      // first and never sends a request down one the app is closing (a 502 for the user).
      keepAliveTimeout: 65_000,
      // Slow clients cannot hold a connection for long.
      headersTimeout: config.headersTimeoutSeconds * 1000,
      requestTimeout: config.requestTimeoutSeconds * 1000,
      connectionsCheckingInterval: TIMEOUT_CHECK_INTERVAL_MS,
    },
    handling.handleRequest,
  );
  server.on("clientError", createClientErrorHandler({ logger, metrics, exchangeOn: handling.exchangeOn }));

  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(config.port, resolve);
    });
  } catch (error) {
    await store.close();
    throw error;
  }

  const shutdown = async (drainDelayMs: number, timeoutMs: number): Promise<{ drained: boolean }> => {
    draining = true;
    // Keep-alive clients reconnect elsewhere, to a pod that stays.
    handling.closeConnectionsAfterResponses();
    await new Promise((resolve) => setTimeout(resolve, drainDelayMs));
    // close() stops accepting and drops idle keep-alive connections; it calls back once the
    // in-flight requests have been answered.
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    let timer: NodeJS.Timeout | undefined;
    const drained = await Promise.race([
      closed.then(() => true),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs))),
    ]);
    clearTimeout(timer);
    if (!drained) {
      server.closeAllConnections();
      await closed;
    }
    await store.close();
    return { drained };
  };

  return { port: (server.address() as AddressInfo).port, shutdown };
}
