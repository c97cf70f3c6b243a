import { isIP } from "node:net";
import Redis, { type Result } from "ioredis";
import type { LimitsConfig, LinkCacheConfig, RedisConfig } from "./config";
import { LinkTargetCache } from "./link-cache";
import { generateCode } from "./links";
import type { Logger } from "./logger";
import type { Metrics, RedisOperation } from "./metrics";
import { COUNT_VISITS_LUA, CREATE_LINK_LUA, RESOLVE_LINKS_LUA, type CreateLinkReply } from "./redis-scripts";

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
    countVisits(numberOfKeys: number, ...keysThenCounts: string[]): Result<number, Context>;
    resolveLinks(numberOfKeys: number, ...keys: string[]): Result<(string | null)[], Context>;
  }
}

// Five random 8-character codes all taken would mean the keyspace is nearly full, not bad luck.
const MAX_CREATE_ATTEMPTS = 5;
const LINK_COUNT_KEY = "links:count";
// At most this long between a redirect and its visit reaching Redis; a crash loses at most this much counting.
const VISIT_FLUSH_MS = 50;
// Links per visit-counting or resolving script: bounds how long one batch holds Redis (a script runs alone).
const VISITS_PER_SCRIPT = 500;
const READS_PER_SCRIPT = 500;

export class LinkStore {
  private readonly redis: Redis;
  private readonly refillPerMs: number;
  /** Visits not sent yet, by code; and the first request of the batch, named if the batch is lost. */
  private readonly pendingVisits = new Map<string, number>();
  private pendingVisitsFirstRequestId = "";
  private readonly targets: LinkTargetCache;
  /**
   * Who waits for each read not answered yet, by code: concurrent redirects to one link share one read.
   * Waiters of any context type share the map; each is only ever called with its own context.
   */
  private readonly waiting = new Map<string, ReadWaiter<unknown>>();
  /** Codes whose read is not sent yet: those of one turn of the event loop go out together. */
  private readsToSend: string[] = [];
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
      // No auto-pipelining: the hot path already sends one command per batch (reads per turn of the event
      // loop, visits per 50 ms), and auto-pipelining wrapped each in a Pipeline of its own (an object with a
      // property per script and a promise), which was 6 µs of a cache-off redirect's 38 (bench/README.md).
      enableAutoPipelining: false,
      // ioredis's default retry strategy reconnects forever with capped exponential backoff and
      // jitter, which is what recovers the app on its own when Redis comes back.
      scripts: { createLink: { lua: CREATE_LINK_LUA, numberOfKeys: 4 }, countVisits: { lua: COUNT_VISITS_LUA }, resolveLinks: { lua: RESOLVE_LINKS_LUA } },
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

  /**
   * Reads the target URL of a code, then calls `onTarget(context, url)`, url null for an unknown code, or
   * `onError(context, error)`. A read only: it works while Redis refuses writes. The reads asked for in one
   * turn of the event loop (every request whose bytes arrived in it) go to Redis as one script after it,
   * instead of one HGET, one command object and one promise chain in the client each: the client's work per
   * read was most of a cache-off redirect's cost. Callbacks with a context rather than a promise: a waiting
   * redirect costs one small object, not a promise and its reactions, each kept alive until Redis answers.
   * The callbacks must not throw.
   */
  resolve<T>(code: string, context: T, onTarget: (context: T, url: string | null) => void, onError: (context: T, error: Error) => void): void {
    const waiter: ReadWaiter<T> = { context, onTarget, onError, next: undefined };
    const first = this.waiting.get(code) as ReadWaiter<T> | undefined;
    if (first !== undefined) {
      waiter.next = first.next;
      first.next = waiter;
      return;
    }
    if (this.readsToSend.length === 0) setImmediate(this.sendReads);
    this.waiting.set(code, waiter as ReadWaiter<unknown>);
    this.readsToSend.push(code);
  }

  private readonly sendReads = (): void => {
    const codes = this.readsToSend;
    this.readsToSend = [];
    for (let start = 0; start < codes.length; start += READS_PER_SCRIPT) {
      const chunk = codes.slice(start, start + READS_PER_SCRIPT);
      this.redis.resolveLinks(chunk.length, ...chunk.map(linkKey)).then(
        (urls) => {
          const now = Date.now();
          chunk.forEach((code, index) => {
            const url = urls[index];
            if (url !== null) this.targets.set(code, url, now);
            for (let waiter = this.takeWaiters(code); waiter !== undefined; waiter = waiter.next) waiter.onTarget(waiter.context, url);
          });
        },
        (error: unknown) => {
          // Counted per link whose read failed, as when each sent its own HGET.
          const failure = this.failure("resolve", error, chunk.length);
          for (const code of chunk) {
            for (let waiter = this.takeWaiters(code); waiter !== undefined; waiter = waiter.next) waiter.onError(waiter.context, failure);
          }
        },
      );
    }
  };

  /** The waiters of a code's read, which is over: a later redirect to it starts a new read. */
  private takeWaiters(code: string): ReadWaiter<unknown> | undefined {
    const first = this.waiting.get(code);
    this.waiting.delete(code);
    return first;
  }

  /**
   * Counts a visit without making the redirect wait for it or fail with it: a lost count is a
   * metric and a log line, never a lost redirect. Only called for a code that resolved, so unknown
   * codes create nothing. Visits are sent every VISIT_FLUSH_MS, one script for up to VISITS_PER_SCRIPT
   * links, so a popular link costs Redis one write per batch rather than one per visit; lookup()
   * sends a link's pending visits first, so a count read through this app is never behind its own redirects.
   */
  countVisit(code: string, requestId: string): void {
    if (this.pendingVisits.size === 0) {
      setTimeout(this.flushVisits, VISIT_FLUSH_MS).unref();
      this.pendingVisitsFirstRequestId = requestId;
    }
    this.pendingVisits.set(code, (this.pendingVisits.get(code) ?? 0) + 1);
  }

  /**
   * Sends the batched visits: the links as the script's keys, their counts as one argument ("3 1 1"),
   * not one argument each. The client's work is per argument, and it was most of what counting cost.
   */
  private readonly flushVisits = (): void => {
    const requestId = this.pendingVisitsFirstRequestId;
    let keys: string[] = [];
    let counts = "";
    let visits = 0;
    const send = (): void => {
      const [sentKeys, sentCounts, sentVisits] = [keys, counts, visits];
      this.redis.countVisits(sentKeys.length, ...sentKeys, sentCounts).then(
        () => this.metrics.redisWritesFailing.set(0),
        (error: unknown) => this.visitsLost(sentVisits, requestId, error),
      );
      [keys, counts, visits] = [[], "", 0];
    };
    for (const [code, count] of this.pendingVisits) {
      keys.push(linkKey(code));
      counts = counts === "" ? String(count) : `${counts} ${count}`;
      visits += count;
      if (keys.length === VISITS_PER_SCRIPT) send();
    }
    this.pendingVisits.clear();
    if (keys.length > 0) send();
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

  private failure(operation: RedisOperation, error: unknown, failedCalls = 1): Error {
    this.metrics.redisErrors.inc({ operation }, failedCalls);
    const message = `redis ${operation} failed: ${error instanceof Error ? error.message : String(error)}`;
    // Redis at maxmemory with noeviction answers writes with "OOM command not allowed …".
    return error instanceof Error && error.message.startsWith("OOM") ? new StoreFullError(message) : new StoreUnavailableError(message);
  }
}

/** A redirect waiting for a read, and the next one waiting for the same code. */
interface ReadWaiter<T> {
  context: T;
  onTarget: (context: T, url: string | null) => void;
  onError: (context: T, error: Error) => void;
  next: ReadWaiter<T> | undefined;
}

// Namespaced so the app can share a Redis with other data without clashing.
function linkKey(code: string): string {
  return `link:${code}`;
}
