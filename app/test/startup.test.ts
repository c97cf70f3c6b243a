import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { runServer } from "./support/server-process";

describe("the server process refuses to start on a bad environment, naming the variable", () => {
  const valid = { REDIS_HOST: "127.0.0.1" };
  const cases: { env: Record<string, string>; variable: string }[] = [
    { env: {}, variable: "REDIS_HOST" },
    { env: { REDIS_HOST: "not a host!" }, variable: "REDIS_HOST" },
    { env: { ...valid, PORT: "http" }, variable: "PORT" },
    { env: { ...valid, PORT: "0" }, variable: "PORT" },
    { env: { ...valid, REDIS_PORT: "70000" }, variable: "REDIS_PORT" },
    { env: { ...valid, REDIS_TLS: "yes" }, variable: "REDIS_TLS" },
    { env: { ...valid, SHUTDOWN_TIMEOUT_SECONDS: "-5" }, variable: "SHUTDOWN_TIMEOUT_SECONDS" },
    { env: { ...valid, DRAIN_DELAY_SECONDS: "soon" }, variable: "DRAIN_DELAY_SECONDS" },
    { env: { ...valid, HEADERS_TIMEOUT_SECONDS: "20", REQUEST_TIMEOUT_SECONDS: "10" }, variable: "REQUEST_TIMEOUT_SECONDS" },
    { env: { ...valid, TRUST_X_FORWARDED_FOR: "1" }, variable: "TRUST_X_FORWARDED_FOR" },
    { env: { REDIS_URL: "http://127.0.0.1" }, variable: "REDIS_URL" },
  ];
  for (const { env, variable } of cases) {
    it(`exits 1 on ${JSON.stringify(env)}`, async () => {
      const server = runServer(env);
      assert.equal(await server.exited, 1);
      const entry = JSON.parse(server.output().trim()) as { level: string; message: string };
      assert.equal(entry.level, "error");
      assert.match(entry.message, new RegExp(`^invalid configuration: ${variable} `));
    });
  }
});
