import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Config } from "./config";
import { createRequestHandler } from "./http";
import type { Logger } from "./logger";
import { createMetrics } from "./metrics";
import { loadStaticFiles } from "./static-files";
import { LinkStore } from "./store";

export interface RunningApp {
  port: number;
  /**
   * Stops accepting connections, lets in-flight requests finish for up to timeoutMs, then cuts the
   * rest and closes Redis. Resolves to whether every request finished in time.
   */
  shutdown(timeoutMs: number): Promise<{ drained: boolean }>;
}

/** Listens at once, without waiting for Redis: /readyz reports Redis, and the client keeps reconnecting. */
export async function startApp(config: Config, logger: Logger): Promise<RunningApp> {
  const metrics = createMetrics();
  const store = new LinkStore(config.redis, logger, metrics);
  const server = createServer(
    {
      // Longer than AWS load balancers' 60 s idle timeout, so the balancer closes idle connections
      // first and never sends a request down one the app is closing (a 502 for the user).
      keepAliveTimeout: 65_000,
      // Slow clients cannot hold a connection for long.
      headersTimeout: 10_000,
      requestTimeout: 30_000,
    },
    createRequestHandler({ store, metrics, logger, staticFiles: loadStaticFiles() }),
  );
  const unansweredResponses = new Set<ServerResponse>();
  server.on("request", (_req, res: ServerResponse) => {
    unansweredResponses.add(res);
    res.once("close", () => unansweredResponses.delete(res));
  });

  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(config.port, resolve);
    });
  } catch (error) {
    await store.close();
    throw error;
  }

  const shutdown = async (timeoutMs: number): Promise<{ drained: boolean }> => {
    // Keep-alive clients of the requests still running reconnect elsewhere, to a pod that stays.
    for (const res of unansweredResponses) if (!res.headersSent) res.setHeader("Connection", "close");
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
