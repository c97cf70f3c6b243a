import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigError, loadConfig } from "../src/config";

describe("the environment contract", () => {
  it("needs only REDIS_HOST and defaults the rest", () => {
    assert.deepEqual(loadConfig({ REDIS_HOST: "redis-master.redis.svc.cluster.local" }), {
      port: 8080,
      shutdownTimeoutSeconds: 10,
      redis: { host: "redis-master.redis.svc.cluster.local", port: 6379, username: undefined, password: undefined, tls: false },
    });
  });

  it("reads every variable it documents", () => {
    const config = loadConfig({
      PORT: "3000",
      SHUTDOWN_TIMEOUT_SECONDS: "25",
      REDIS_HOST: "10.0.3.7",
      REDIS_PORT: "6380",
      REDIS_USERNAME: "app",
      REDIS_PASSWORD: "s3cret",
      REDIS_TLS: "true",
    });
    assert.deepEqual(config, {
      port: 3000,
      shutdownTimeoutSeconds: 25,
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
      assert.throws(() => loadConfig({ REDIS_HOST: "redis", PORT: port }), (error: unknown) => error instanceof ConfigError && error.message.startsWith("PORT must be"));
    }
  });
});
