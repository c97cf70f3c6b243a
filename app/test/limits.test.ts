import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startTestApp, type TestApp } from "./support/app";
import { RedisServer } from "./support/redis-server";

const JSON_TYPE = { "Content-Type": "application/json" };

function create(app: TestApp, url: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${app.baseUrl}/api/links`, { method: "POST", headers: { ...JSON_TYPE, ...headers }, body: JSON.stringify({ url }) });
}

describe("abuse limits", () => {
  let redis: RedisServer;
  const apps: TestApp[] = [];

  before(async () => {
    redis = await RedisServer.start();
  });

  after(async () => {
    for (const app of apps) await app.stop();
    await redis?.destroy();
  });

  /** An app with its own limits; FLUSHALL first, so each test starts from empty buckets and no links. */
  async function appWith(env: Record<string, string>): Promise<TestApp> {
    await redis.command("FLUSHALL");
    const app = await startTestApp(redis, env);
    apps.push(app);
    return app;
  }

  it("answers 429 with Retry-After once a client has used its burst, and stores nothing more", async () => {
    const app = await appWith({ CREATE_BURST: "3", CREATES_PER_MINUTE: "6" });
    for (let i = 0; i < 3; i++) assert.equal((await create(app, `https://example.com/${i}`)).status, 201);
    const keysBefore = await redis.keyCount();
    const limited = await create(app, "https://example.com/one-too-many");
    assert.equal(limited.status, 429);
    // Six a minute: the next token comes within ten seconds.
    const retryAfter = Number(limited.headers.get("retry-after"));
    assert.ok(retryAfter >= 1 && retryAfter <= 10, `Retry-After: ${retryAfter}`);
    assert.match(((await limited.json()) as { error: string }).error, /too many links/);
    assert.equal(await redis.keyCount(), keysBefore);
  });

  it("shares one bucket per client between replicas through Redis", async () => {
    const first = await appWith({ CREATE_BURST: "2" });
    const second = await startTestApp(redis, { CREATE_BURST: "2" });
    apps.push(second);
    assert.equal((await create(first, "https://example.com/a")).status, 201);
    assert.equal((await create(second, "https://example.com/b")).status, 201);
    assert.equal((await create(second, "https://example.com/c")).status, 429);
    assert.equal((await create(first, "https://example.com/d")).status, 429);
  });

  it("ignores X-Forwarded-For unless told to trust it", async () => {
    const app = await appWith({ CREATE_BURST: "1" });
    assert.equal((await create(app, "https://example.com/a", { "X-Forwarded-For": "198.51.100.1" })).status, 201);
    assert.equal((await create(app, "https://example.com/b", { "X-Forwarded-For": "198.51.100.2" })).status, 429, "a client cannot dodge its limit with a made-up header");
  });

  it("limits each forwarded client on its own when X-Forwarded-For is trusted, by the address the proxy appended", async () => {
    const app = await appWith({ CREATE_BURST: "1", TRUST_X_FORWARDED_FOR: "true" });
    assert.equal((await create(app, "https://example.com/a", { "X-Forwarded-For": "203.0.113.9, 198.51.100.1" })).status, 201);
    assert.equal((await create(app, "https://example.com/b", { "X-Forwarded-For": "198.51.100.2" })).status, 201);
    assert.equal((await create(app, "https://example.com/c", { "X-Forwarded-For": "203.0.113.10, 198.51.100.1" })).status, 429);
  });

  it("answers 507 with a clear message once MAX_LINKS links are stored, and stores nothing more", async () => {
    const app = await appWith({ MAX_LINKS: "2" });
    for (let i = 0; i < 2; i++) assert.equal((await create(app, `https://example.com/${i}`)).status, 201);
    const keysBefore = await redis.keyCount();
    const full = await create(app, "https://example.com/over-the-cap");
    assert.equal(full.status, 507);
    assert.match(((await full.json()) as { error: string }).error, /link store is full/);
    assert.equal(await redis.keyCount(), keysBefore);
    assert.equal((await fetch(`${app.baseUrl}/readyz`)).status, 200, "reads still work: the app stays ready");
  });
});
