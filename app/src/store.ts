import { isIP } from "node:net";
import Redis, { type Result } from "ioredis";
import type { RedisConfig } from "./config";
import { generateCode } from "./links";
import type { Logger } from "./logger";
import type { Metrics, RedisOperation } from "./metrics";

export interface Link {
  code: string;
  url: string;
  visits: number;
  createdAt: string;
}

/** Redis could not answer: the caller should say 503 and let the client retry. */
export class StoreUnavailableError extends Error {}

// Lua runs atomically in Redis: the existence check and the write cannot interleave with another
// writer, so a colliding code never overwrites a link.
const CREATE_LINK_LUA = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'url', ARGV[1], 'visits', 0, 'createdAt', ARGV[2])
return 1`;

// HINCRBY alone would create a half-empty hash for an unknown code; counting only after a
// successful HGET keeps unknown codes from writing anything.
const RESOLVE_LINK_LUA = `
local url = redis.call('HGET', KEYS[1], 'url')
if not url then return false end
redis.call('HINCRBY', KEYS[1], 'visits', 1)
return url`;

declare module "ioredis" {
  interface RedisCommander<Context> {
    createLink(key: string, url: string, createdAt: string): Result<number, Context>;
    resolveLink(key: string): Result<string | null, Context>;
  }
}

// Five random 8-character codes all taken would mean the keyspace is nearly full, not bad luck.
const MAX_CREATE_ATTEMPTS = 5;

export class LinkStore {
  private readonly redis: Redis;

  constructor(
    config: RedisConfig,
    private readonly logger: Logger,
    private readonly metrics: Metrics,
  ) {
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
      // ioredis's default retry strategy reconnects forever with capped exponential backoff and
      // jitter, which is what recovers the app on its own when Redis comes back.
      scripts: {
        createLink: { lua: CREATE_LINK_LUA, numberOfKeys: 1 },
        resolveLink: { lua: RESOLVE_LINK_LUA, numberOfKeys: 1 },
      },
    });
    // Without an "error" listener ioredis would report every failed reconnect as unhandled.
    // The stack adds nothing to a refused or reset connection, and this fires on every retry.
    this.redis.on("error", (error: Error) => {
      this.metrics.redisErrors.inc({ operation: "connection" });
      this.logger.warn("redis connection error", { error: error.message });
    });
    this.redis.on("ready", () => this.logger.info("redis ready", { host: config.host, port: config.port, tls: config.tls }));
  }

  async create(url: string): Promise<Link> {
    const createdAt = new Date().toISOString();
    for (let attempt = 1; attempt <= MAX_CREATE_ATTEMPTS; attempt++) {
      const code = generateCode();
      const created = await this.call("create", () => this.redis.createLink(linkKey(code), url, createdAt));
      if (created === 1) return { code, url, visits: 0, createdAt };
    }
    throw new Error(`no free code after ${MAX_CREATE_ATTEMPTS} attempts`);
  }

  /** The target URL of a code, counting the visit; null for an unknown code. */
  resolve(code: string): Promise<string | null> {
    return this.call("resolve", () => this.redis.resolveLink(linkKey(code)));
  }

  async lookup(code: string): Promise<Link | null> {
    const fields = await this.call("lookup", () => this.redis.hgetall(linkKey(code)));
    if (fields.url === undefined) return null;
    return { code, url: fields.url, visits: Number(fields.visits), createdAt: fields.createdAt };
  }

  async ping(): Promise<void> {
    await this.call("ping", () => this.redis.ping());
  }

  /** Sends QUIT so Redis sees a clean close; drops the socket if Redis is unreachable anyway. */
  async close(): Promise<void> {
    try {
      await this.redis.quit();
    } catch {
      this.redis.disconnect();
    }
  }

  private async call<T>(operation: RedisOperation, command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch (error) {
      this.metrics.redisErrors.inc({ operation });
      throw new StoreUnavailableError(`redis ${operation} failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}

// Namespaced so the app can share a Redis with other data without clashing.
function linkKey(code: string): string {
  return `link:${code}`;
}
