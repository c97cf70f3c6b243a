import { isIP } from "node:net";

export interface RedisConfig {
  host: string;
  port: number;
  username?: string;
  password?: string;
  tls: boolean;
}

export interface LimitsConfig {
  /** Creates each client may make per minute, refilled continuously. */
  createsPerMinute: number;
  /** Creates a client may make at once before the per-minute rate applies. */
  createBurst: number;
  /** Links Redis may hold; creates beyond it get a 507 instead of filling Redis. */
  maxLinks: number;
  /** How long an Idempotency-Key is remembered. */
  idempotencyTtlSeconds: number;
}

export interface LinkCacheConfig {
  /** How long a resolved target is reused without asking Redis; 0 turns the cache off. */
  ttlSeconds: number;
  /** Most targets one process keeps. */
  maxEntries: number;
}

export interface Config {
  port: number;
  /** After SIGTERM, how long the app keeps serving (not ready, closing connections) before it stops listening. */
  drainDelaySeconds: number;
  shutdownTimeoutSeconds: number;
  headersTimeoutSeconds: number;
  requestTimeoutSeconds: number;
  /** Take the client's address from X-Forwarded-For: only safe behind a proxy that sets it. */
  trustXForwardedFor: boolean;
  limits: LimitsConfig;
  linkCache: LinkCacheConfig;
  redis: RedisConfig;
}

/** A bad environment: the message names the variable and what it must be. */
export class ConfigError extends Error {}

type Env = Record<string, string | undefined>;

/** Reads and validates the whole environment contract once, so a bad value stops the process at start. */
export function loadConfig(env: Env): Config {
  const headersTimeoutSeconds = readInteger(env, "HEADERS_TIMEOUT_SECONDS", 10, 1, 600);
  const requestTimeoutSeconds = readInteger(env, "REQUEST_TIMEOUT_SECONDS", 30, 1, 3600);
  // Node refuses a server whose whole-request timeout is shorter than its headers timeout.
  if (requestTimeoutSeconds < headersTimeoutSeconds) {
    throw new ConfigError(`REQUEST_TIMEOUT_SECONDS must be at least HEADERS_TIMEOUT_SECONDS (${headersTimeoutSeconds}), got "${requestTimeoutSeconds}"`);
  }
  return {
    port: readInteger(env, "PORT", 8080, 1, 65535),
    drainDelaySeconds: readInteger(env, "DRAIN_DELAY_SECONDS", 5, 0, 300),
    shutdownTimeoutSeconds: readInteger(env, "SHUTDOWN_TIMEOUT_SECONDS", 10, 1, 3600),
    headersTimeoutSeconds,
    requestTimeoutSeconds,
    trustXForwardedFor: readBoolean(env, "TRUST_X_FORWARDED_FOR", false),
    limits: {
      createsPerMinute: readInteger(env, "CREATES_PER_MINUTE", 60, 1, 1_000_000),
      createBurst: readInteger(env, "CREATE_BURST", 20, 1, 1_000_000),
      maxLinks: readInteger(env, "MAX_LINKS", 1_000_000, 1, 1_000_000_000),
      idempotencyTtlSeconds: readInteger(env, "IDEMPOTENCY_TTL_SECONDS", 86_400, 60, 2_592_000),
    },
    linkCache: {
      ttlSeconds: readInteger(env, "LINK_CACHE_SECONDS", 5, 0, 300),
      maxEntries: readInteger(env, "LINK_CACHE_ENTRIES", 10_000, 1, 1_000_000),
    },
    redis: readRedis(env),
  };
}

// REDIS_URL is the one-string form many platforms hand out; the separate variables are the default.
function readRedis(env: Env): RedisConfig {
  const url = readOptional(env, "REDIS_URL");
  if (url === undefined) {
    return {
      host: readHost(env, "REDIS_HOST"),
      port: readInteger(env, "REDIS_PORT", 6379, 1, 65535),
      username: readOptional(env, "REDIS_USERNAME"),
      password: readOptional(env, "REDIS_PASSWORD"),
      tls: readBoolean(env, "REDIS_TLS", false),
    };
  }
  for (const other of ["REDIS_HOST", "REDIS_PORT", "REDIS_USERNAME", "REDIS_PASSWORD", "REDIS_TLS"]) {
    if (readOptional(env, other) !== undefined) throw new ConfigError(`REDIS_URL and ${other} are both set: use one or the other`);
  }
  return parseRedisUrl(url);
}

function parseRedisUrl(raw: string): RedisConfig {
  // The message never repeats the value: it may hold a password.
  const invalid = new ConfigError('REDIS_URL must look like "redis://[user:password@]host[:port]" or "rediss://…" for TLS');
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalid;
  }
  if ((url.protocol !== "redis:" && url.protocol !== "rediss:") || url.hostname === "" || !["", "/", "/0"].includes(url.pathname)) throw invalid;
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  if (!isHost(host)) throw invalid;
  return {
    host,
    port: url.port === "" ? 6379 : Number(url.port),
    username: url.username === "" ? undefined : decodeURIComponent(url.username),
    password: url.password === "" ? undefined : decodeURIComponent(url.password),
    tls: url.protocol === "rediss:",
  };
}

/** The Redis endpoint as a URL fit for a log line: the password, if any, is masked. */
export function redactedRedisUrl(redis: RedisConfig): string {
  const host = isIP(redis.host) === 6 ? `[${redis.host}]` : redis.host;
  const credentials = redis.password === undefined ? (redis.username === undefined ? "" : `${redis.username}@`) : `${redis.username ?? ""}:***@`;
  return `${redis.tls ? "rediss" : "redis"}://${credentials}${host}:${redis.port}`;
}

function readOptional(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value === "" ? undefined : value;
}

function readInteger(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = readOptional(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return Number(raw);
}

function readBoolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = readOptional(env, name);
  if (raw === undefined) return fallback;
  if (raw !== "true" && raw !== "false") {
    throw new ConfigError(`${name} must be "true" or "false", got "${raw}"`);
  }
  return raw === "true";
}

// A DNS name or an IP address; anything else would only fail later as an endless reconnect loop.
function isHost(candidate: string): boolean {
  const isDnsName = /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/.test(candidate);
  return isDnsName || isIP(candidate) !== 0;
}

function readHost(env: Env, name: string): string {
  const raw = readOptional(env, name);
  if (raw === undefined) throw new ConfigError(`${name} is required (the Redis server's host name or IP address), or set REDIS_URL`);
  if (!isHost(raw)) throw new ConfigError(`${name} must be a host name or an IP address, got "${raw}"`);
  return raw;
}
