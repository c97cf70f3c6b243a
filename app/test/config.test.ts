import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigError, loadConfig, redactedRedisUrl } from "../src/config";

const isConfigError = (variable: string) => (error: unknown) => error instanceof ConfigError && error.message.startsWith(`${variable} `);

describe("the environment contract", () => {
  it("needs only REDIS_HOST and defaults the rest", () => {
    assert.deepEqual(loadConfig({ REDIS_HOST: "redis-master.redis.svc.cluster.local" }), {
      port: 8080,
      drainDelaySeconds: 5,
      shutdownTimeoutSeconds: 10,
      headersTimeoutSeconds: 10,
      requestTimeoutSeconds: 30,
      trustXForwardedFor: false,
      limits: { createsPerMinute: 60, createBurst: 20, maxLinks: 1_000_000, idempotencyTtlSeconds: 86_400 },
      linkCache: { ttlSeconds: 5, maxEntries: 10_000 },
      redis: { host: "redis-master.redis.svc.cluster.local", port: 6379, username: undefined, password: undefined, tls: false },
    });
  });

  it("reads every variable it documents", () => {
    const config = loadConfig({
      PORT: "3000",
      DRAIN_DELAY_SECONDS: "15",
      SHUTDOWN_TIMEOUT_SECONDS: "25",
      HEADERS_TIMEOUT_SECONDS: "5",
      REQUEST_TIMEOUT_SECONDS: "20",
      TRUST_X_FORWARDED_FOR: "true",
      CREATES_PER_MINUTE: "10",
      CREATE_BURST: "5",
      MAX_LINKS: "5000",
      IDEMPOTENCY_TTL_SECONDS: "3600",
      LINK_CACHE_SECONDS: "0",
      LINK_CACHE_ENTRIES: "500",
      REDIS_HOST: "10.0.3.7",
      REDIS_PORT: "6380",
      REDIS_USERNAME: "app",
      REDIS_PASSWORD: "s3cret",
      REDIS_TLS: "true",
    });
    assert.deepEqual(config, {
      port: 3000,
      drainDelaySeconds: 15,
      shutdownTimeoutSeconds: 25,
      headersTimeoutSeconds: 5,
      requestTimeoutSeconds: 20,
      trustXForwardedFor: true,
      limits: { createsPerMinute: 10, createBurst: 5, maxLinks: 5000, idempotencyTtlSeconds: 3600 },
      linkCache: { ttlSeconds: 0, maxEntries: 500 },
      redis: { host: "10.0.3.7", port: 6380, username: "app", password: "s3cret", tls: true },
    });
  });

  it("treats an empty variable as unset, so a manifest can blank an optional one", () => {
    const config = loadConfig({ REDIS_HOST: "redis", REDIS_PASSWORD: "", PORT: "" });
    assert.equal(config.redis.password, undefined);
    assert.equal(config.port, 8080);
  });

  it("refuses a value that is not quite a number", () => {
    for (const port of ["8080.5", " 8080", "1e3", "65536"]) {
      assert.throws(() => loadConfig({ REDIS_HOST: "redis", PORT: port }), isConfigError("PORT"));
    }
  });

  it("bounds the link cache: a TTL up to 5 minutes, at least one entry", () => {
    assert.throws(() => loadConfig({ REDIS_HOST: "redis", LINK_CACHE_SECONDS: "301" }), isConfigError("LINK_CACHE_SECONDS"));
    assert.throws(() => loadConfig({ REDIS_HOST: "redis", LINK_CACHE_ENTRIES: "0" }), isConfigError("LINK_CACHE_ENTRIES"));
  });

  it("reads REDIS_URL as the alternative to the separate variables", () => {
    assert.deepEqual(loadConfig({ REDIS_URL: "rediss://app:p%40ss@redis.example:6380" }).redis, { host: "redis.example", port: 6380, username: "app", password: "p@ss", tls: true });
    assert.deepEqual(loadConfig({ REDIS_URL: "redis://10.0.0.5" }).redis, { host: "10.0.0.5", port: 6379, username: undefined, password: undefined, tls: false });
    assert.throws(() => loadConfig({ REDIS_URL: "redis://10.0.0.5", REDIS_HOST: "other" }), /REDIS_URL and REDIS_HOST are both set/);
  });

  it("never repeats a bad REDIS_URL in its message, since it may hold a password", () => {
    assert.throws(
      () => loadConfig({ REDIS_URL: "http://user:hunter2@redis:6379" }),
      (error: unknown) => isConfigError("REDIS_URL")(error) && !(error as Error).message.includes("hunter2"),
    );
  });

  it("masks the password when it shows the Redis endpoint", () => {
    assert.equal(redactedRedisUrl(loadConfig({ REDIS_URL: "rediss://app:s3cret@redis.example:6380" }).redis), "rediss://app:***@redis.example:6380");
    assert.equal(redactedRedisUrl(loadConfig({ REDIS_HOST: "::1", REDIS_PASSWORD: "s3cret" }).redis), "redis://:***@[::1]:6379");
    assert.equal(redactedRedisUrl(loadConfig({ REDIS_HOST: "redis" }).redis), "redis://redis:6379");
  });
});
