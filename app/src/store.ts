import { isIP } from "node:net";
import Redis, { type Result } from "ioredis";
import type { LimitsConfig, LinkCacheConfig, RedisConfig } from "./config";
import { LinkTargetCache } from "./link-cache";
import { generateCode } from "./links";
import type { Logger } from "./logger";
import type { Metrics, RedisOperation } from "./metrics";
import { COUNT_VISITS_LUA, CREATE_LINK_LUA, type CreateLinkReply } from "./redis-scripts";

export interface Link {
  code: string;
  url: string;
  visits: number;
  createdAt: string;
}

/** Redis could not answer: the caller should say 503 and let the client retry. */
export class StoreUnavailableError extends Error {}

/** Redis refused a write for lack of memory: retrying will not help until space is made. */
export class StoreFullError extends Error {}

export type CreateResult =
  | { outcome: "created" | "replayed"; link: Pick<Link, "code" | "url"> }
  | { outcome: "rate-limited"; retryAfterSeconds: number }
  | { outcome: "idempotency-conflict" | "link-cap-reached" };

declare module "ioredis" {
  interface RedisCommander<Context> {
    createLink(...keysThenArgs: (string | number)[]): Result<CreateLinkReply, Context>;
    countVisits(numberOfKeys: number, ...keysThenArgs: (string | number)[]): Result<number, Context>;
  }
}

// Five random 8-character codes all taken would mean the keyspace is nearly full, not bad luck.
const MAX_CREATE_ATTEMPTS = 5;
const LINK_COUNT_KEY = "links:count";
// At most this long between a redirect and its visit reaching Redis; a crash loses at most this much counting.
const VISIT_FLUSH_MS = 50;
// Links per visit-counting script: bounds how long one batch holds Redis (a script runs alone).
const VISITS_PER_SCRIPT = 500;

export class LinkStore {
  private readonly redis: Redis;
  private readonly refillPerMs: number;
  private readonly pendingVisits = new Map<string, { visits: number; requestId: string }>();
  private readonly targets: LinkTargetCache;
  /** Reads under way, by code: concurrent redirects to one link share one HGET. */
  private readonly resolving = new Map<string, Promise<string | null>>();
  private uncountedLoggedAt = 0;
  private uncountedSinceLastLog = 0;

  constructor(
    config: RedisConfig,
    private readonly limits: LimitsConfig,
    linkCache: LinkCacheConfig,
    private readonly logger: Logger,
    private readonly metrics: Metrics,
  ) {
    this.targets = new LinkTargetCache(linkCache.ttlSeconds * 1000, linkCache.maxEntries);
    this.refillPerMs = limits.createsPerMinute / 60_000;
    this.redis = new Redis({
      host: config.host,
      port: config.port,
      username: config.username,
      password: config.password,
      tls: config.tls ? { servername: isIP(config.host) === 0 ? config.host : undefined } : undefined,
      connectionName: "eks-app",
      // Fail fast while disconnected instead of queueing: a request waiting on a dead Redis only
      // holds a connection open; a quick 503 lets the client or load balancer go elsewhere.
      enableOfflineQueue: false,
      connectTimeout: 2000,
      commandTimeout: 1000,
      // Commands issued in the same tick go out in one write: far fewer syscalls under load.
      enableAutoPipelining: true,
      // ioredis's default retry strategy reconnects forever with capped exponential backoff and
      // jitter, which is what recovers the app on its own when Redis comes back.
      scripts: { createLink: { lua: CREATE_LINK_LUA, numberOfKeys: 4 }, countVisits: { lua: COUNT_VISITS_LUA } },
    });
    // Without an "error" listener ioredis would report every failed reconnect as unhandled.
    // The stack adds nothing to a refused or reset connection, and this fires on every retry.
    this.redis.on("error", (error: Error) => {
      this.metrics.redisErrors.inc({ operation: "connection" });
      this.logger.warn("redis connection error", { error: error.message });
    });
    this.redis.on("ready", () => this.logger.info("redis ready", { host: config.host, port: config.port, tls: config.tls }));
  }

  /**
   * Stores a link, unless the client is over its rate or the link cap is reached. With an
   * idempotency key, a repeat of the same request returns the link the first one stored, even when
   * the first answer never reached the client.
   */
  async create(url: string, clientAddress: string, idempotencyKey: string | undefined): Promise<CreateResult> {
    const createdAt = new Date().toISOString();
    for (let attempt = 1; attempt <= MAX_CREATE_ATTEMPTS; attempt++) {
      const code = generateCode();
      const reply = await this.write("create", () =>
        this.redis.createLink(
          linkKey(code),
          idempotencyKey === undefined ? "" : `idempotency:${idempotencyKey}`,
          `ratelimit:create:${clientAddress}`,
          LINK_COUNT_KEY,
          url,
          createdAt,
          code,
          this.limits.idempotencyTtlSeconds,
          this.refillPerMs,
          this.limits.createBurst,
          this.limits.maxLinks,
        ),
      );
      switch (reply[0]) {
        case "created":
        case "replayed":
          return { outcome: reply[0], link: { code: reply[1], url } };
        case "limited":
          return { outcome: "rate-limited", retryAfterSeconds: Math.max(1, Math.ceil(reply[1] / 1000)) };
        case "conflict":
          return { outcome: "idempotency-conflict" };
        case "full":
          return { outcome: "link-cap-reached" };
        case "collision":
          continue;
      }
    }
    throw new Error(`no free code after ${MAX_CREATE_ATTEMPTS} attempts`);
  }

  /** The target of a code read from Redis within the link cache's TTL, without asking Redis again; else undefined. */
  cachedTarget(code: string): string | undefined {
    return this.targets.get(code, Date.now());
  }

  /** The target URL of a code, or null for an unknown code. A read only: it works while Redis refuses writes. */
  resolve(code: string): Promise<string | null> {
    const underway = this.resolving.get(code);
    if (underway !== undefined) return underway;
    const reading = this.redis.hget(linkKey(code), "url").then(
      (url) => {
        this.resolving.delete(code);
        if (url !== null) this.targets.set(code, url, Date.now());
        return url;
      },
      (error: unknown) => {
        this.resolving.delete(code);
        throw this.failure("resolve", error);
      },
    );
    this.resolving.set(code, reading);
    return reading;
  }

  /**
   * Counts a visit without making the redirect wait for it or fail with it: a lost count is a
   * metric and a log line, never a lost redirect. Only called for a code that resolved, so unknown
   * codes create nothing. Visits are sent every VISIT_FLUSH_MS, one script for up to VISITS_PER_SCRIPT
   * links, so a popular link costs Redis one write per batch rather than one per visit; lookup()
   * sends a link's pending visits first, so a count read through this app is never behind its own redirects.
   */
  countVisit(code: string, requestId: string): void {
    if (this.pendingVisits.size === 0) setTimeout(this.flushVisits, VISIT_FLUSH_MS).unref();
    const pending = this.pendingVisits.get(code);
    if (pending === undefined) this.pendingVisits.set(code, { visits: 1, requestId });
    else pending.visits++;
  }

  private readonly flushVisits = (): void => {
    const batch = [...this.pendingVisits];
    this.pendingVisits.clear();
    for (let start = 0; start < batch.length; start += VISITS_PER_SCRIPT) {
      const chunk = batch.slice(start, start + VISITS_PER_SCRIPT);
      const keys = chunk.map(([code]) => linkKey(code));
      const counts = chunk.map(([, { visits }]) => visits);
      this.redis.countVisits(keys.length, ...keys, ...counts).then(
        () => this.metrics.redisWritesFailing.set(0),
        (error: unknown) => this.visitsLost(counts.reduce((sum, visits) => sum + visits, 0), chunk[0][1].requestId, error),
      );
    }
  };

  private visitsLost(visits: number, requestId: string, error: unknown): void {
    this.metrics.redisErrors.inc({ operation: "count" }, visits);
    this.metrics.redisWritesFailing.set(1);
    this.uncountedSinceLastLog += visits;
    // At most one line a second: a full Redis under load would otherwise log every redirect.
    const now = Date.now();
    if (now - this.uncountedLoggedAt < 1000) return;
    this.logger.warn("visit not counted", { requestId, uncountedSinceLastLine: this.uncountedSinceLastLog, error: error instanceof Error ? error.message : String(error) });
    this.uncountedLoggedAt = now;
    this.uncountedSinceLastLog = 0;
  }

  async lookup(code: string): Promise<Link | null> {
    if (this.pendingVisits.has(code)) this.flushVisits();
    const fields = await this.redis.hgetall(linkKey(code)).catch((error: unknown) => {
      throw this.failure("lookup", error);
    });
    if (fields.url === undefined) return null;
    return { code, url: fields.url, visits: Number(fields.visits), createdAt: fields.createdAt };
  }

  async ping(): Promise<void> {
    await this.redis.ping().catch((error: unknown) => {
      throw this.failure("ping", error);
    });
  }

  /** Sends the visits still batched, then QUIT so Redis sees a clean close; drops the socket if Redis is unreachable anyway. */
  async close(): Promise<void> {
    this.flushVisits();
    try {
      await this.redis.quit();
    } catch {
      this.redis.disconnect();
    }
  }

  /** A write also sets the redis_writes_failing gauge, so a Redis that only reads shows on a dashboard. */
  private async write<T>(operation: RedisOperation, command: () => Promise<T>): Promise<T> {
    try {
      const result = await command();
      this.metrics.redisWritesFailing.set(0);
      return result;
    } catch (error) {
      this.metrics.redisWritesFailing.set(1);
      throw this.failure(operation, error);
    }
  }

  private failure(operation: RedisOperation, error: unknown): Error {
    this.metrics.redisErrors.inc({ operation });
    const message = `redis ${operation} failed: ${error instanceof Error ? error.message : String(error)}`;
    // Redis at maxmemory with noeviction answers writes with "OOM command not allowed …".
    return error instanceof Error && error.message.startsWith("OOM") ? new StoreFullError(message) : new StoreUnavailableError(message);
  }
}

// Namespaced so the app can share a Redis with other data without clashing.
function linkKey(code: string): string {
  return `link:${code}`;
}
