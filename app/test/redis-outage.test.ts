import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { shorten, startTestApp, waitForReady, type TestApp } from "./support/app";
import { RedisServer } from "./support/redis-server";

const JSON_TYPE = { "Content-Type": "application/json" };

describe("when Redis restarts, fails or hangs", () => {
  let redis: RedisServer;
  let app: TestApp;

  before(async () => {
    redis = await RedisServer.start();
    // Long enough that a link read before an outage is still cached during it, whatever the machine's speed.
    app = await startTestApp(redis, { LINK_CACHE_SECONDS: "60" });
  });

  after(async () => {
    await app?.stop();
    await redis?.destroy();
  });


  async function visits(code: string): Promise<number> {
    const response = await fetch(`${app.baseUrl}/api/links/${code}`);
    assert.equal(response.status, 200);
    return ((await response.json()) as { visits: number }).visits;
  }

  async function visit(code: string): Promise<void> {
    assert.equal((await fetch(`${app.baseUrl}/${code}`, { redirect: "manual" })).status, 302);
  }

  /** The status and how long the app took to answer. */
  async function timed(path: string, init?: RequestInit): Promise<{ status: number; ms: number; body: string }> {
    const started = performance.now();
    const response = await fetch(`${app.baseUrl}${path}`, { redirect: "manual", ...init });
    const body = await response.text();
    return { status: response.status, ms: performance.now() - started, body };
  }

  it("keeps every link and visit count across a Redis restart (append-only file)", async () => {
    const expected = new Map<string, number>();
    for (let i = 0; i < 25; i++) {
      const code = await shorten(app, `https://example.com/restart/${i}`);
      for (let v = 0; v < i % 4; v++) await visit(code);
      expected.set(code, i % 4);
    }
    // Visits reach Redis in batches (up to 50 ms late); reading a link's stats sends its pending visits first, so
    // every count below was stored before the restart.
    for (const [code, count] of expected) assert.equal(await visits(code), count, `visit count of ${code} before the restart`);

    await redis.stop();
    await redis.resume();
    await waitForReady(app.baseUrl, 15_000);

    for (const [code, count] of expected) {
      const response = await fetch(`${app.baseUrl}/api/links/${code}`);
      assert.equal(response.status, 200, `link ${code} survived the restart`);
      const link = (await response.json()) as { url: string; visits: number };
      assert.equal(link.visits, count, `visit count of ${code}`);
    }
  });

  it("answers 503 fast while Redis is down, stays live, and recovers on its own when it returns", async () => {
    const code = await shorten(app, "https://example.com/outage");
    await visit(code);
    assert.equal(await visits(code), 1, "the visit was stored before the outage");
    const unvisited = await shorten(app, "https://example.com/outage-unvisited");

    await redis.stop();

    const checks = [
      await timed("/readyz"),
      await timed("/api/links", { method: "POST", headers: JSON_TYPE, body: JSON.stringify({ url: "https://example.com/during-outage" }) }),
      await timed(`/${unvisited}`),
      await timed(`/api/links/${code}`),
    ];
    for (const check of checks) {
      assert.equal(check.status, 503);
      assert.ok(check.ms < 1000, `answered in ${check.ms.toFixed(0)} ms`);
      assert.equal(typeof (JSON.parse(check.body) as { error: unknown }).error, "string");
    }
    assert.equal((await timed("/healthz")).status, 200, "liveness does not depend on Redis");
    const cached = await timed(`/${code}`);
    assert.equal(cached.status, 302, "a link read within LINK_CACHE_SECONDS still redirects, from the app's memory");
    // A code outside the alphabet is refused before Redis is asked, so it is a 404, not a 503.
    assert.equal((await timed("/not-a-code!")).status, 404);

    const metrics = await (await fetch(`${app.baseUrl}/metrics`)).text();
    const createErrors = Number(/^redis_errors_total\{operation="create"\} (\d+)$/m.exec(metrics)?.[1]);
    assert.ok(createErrors >= 1, "the failed create was counted");

    await redis.resume();
    const recoveredAfterMs = await waitForReady(app.baseUrl, 15_000);
    assert.ok(recoveredAfterMs < 15_000);

    assert.equal(await visits(code), 1, "the data is intact; the visit made during the outage was lost, not its redirect");
    await visit(code);
    assert.equal(await visits(code), 2, "writes work again");
    await shorten(app, "https://example.com/after-outage");
  });

  it("answers 503 within the command timeout while Redis hangs, and recovers when it answers again", async () => {
    const code = await shorten(app, "https://example.com/hang");
    redis.pause();
    try {
      const lookup = await timed(`/api/links/${code}`);
      assert.equal(lookup.status, 503);
      assert.ok(lookup.ms < 2000, `answered in ${lookup.ms.toFixed(0)} ms`);
      assert.equal((await timed("/readyz")).status, 503);
    } finally {
      redis.unpause();
    }
    await waitForReady(app.baseUrl, 15_000);
    assert.equal(await visits(code), 0);
  });

  it("stores one link for retries with the same Idempotency-Key while Redis hangs, and returns it once Redis answers", async () => {
    const url = "https://example.com/hung-create";
    const attempt = (): Promise<{ status: number; ms: number; body: string }> =>
      timed("/api/links", { method: "POST", headers: { ...JSON_TYPE, "Idempotency-Key": "hung-retry-5d1e" }, body: JSON.stringify({ url }) });
    const linksBefore = await linkKeys();
    redis.pause();
    try {
      // Each answer is a 503, yet Redis queued each create: it runs them all when it resumes.
      for (let retry = 0; retry < 3; retry++) assert.equal((await attempt()).status, 503);
    } finally {
      redis.unpause();
    }
    await waitForReady(app.baseUrl, 15_000);
    const answered = await attempt();
    assert.equal(answered.status, 201);
    const { code } = JSON.parse(answered.body) as { code: string };
    const created = (await linkKeys()).filter((key) => !linksBefore.includes(key));
    assert.deepEqual(created, [`link:${code}`], "exactly one link, the one the last retry returned");
  });

  it("keeps redirecting while Redis refuses writes (maxmemory, noeviction), and reports the failing writes", async () => {
    const code = await shorten(app, "https://example.com/full");
    await visit(code);
    assert.equal(await visits(code), 1);
    await redis.command("CONFIG", "SET", "maxmemory-policy", "noeviction");
    await redis.command("CONFIG", "SET", "maxmemory", "1");
    try {
      for (let i = 0; i < 3; i++) await visit(code);
      assert.equal((await timed("/readyz")).status, 200, "reads work, so the app stays ready");
      const create = await timed("/api/links", { method: "POST", headers: JSON_TYPE, body: JSON.stringify({ url: "https://example.com/no-room" }) });
      assert.equal(create.status, 507);
      // Visits reach Redis in batches, at most 50 ms after their redirect.
      const metrics = await metricsOnceThey((text) => Number(/^redis_errors_total\{operation="count"\} (\d+)$/m.exec(text)?.[1]) >= 3);
      assert.match(metrics, /^redis_writes_failing 1$/m);
      assert.ok(app.logLines.some((line) => line.includes('"message":"visit not counted"') && line.includes('"requestId"')));
    } finally {
      await redis.command("CONFIG", "SET", "maxmemory", "0");
    }
    assert.equal(await visits(code), 1, "the visits made while full were lost, not the redirects");
    await visit(code);
    assert.equal(await visits(code), 2);
    await metricsOnceThey((text) => /^redis_writes_failing 0$/m.test(text));
  });

  async function metricsOnceThey(show: (text: string) => boolean): Promise<string> {
    const deadline = Date.now() + 2000;
    for (;;) {
      const text = await (await fetch(`${app.baseUrl}/metrics`)).text();
      if (show(text)) return text;
      if (Date.now() > deadline) assert.fail(`the metrics never showed it:\n${text}`);
      await new Promise((wake) => setTimeout(wake, 20));
    }
  }

  async function linkKeys(): Promise<string[]> {
    return (await redis.command("KEYS", "link:*")) as string[];
  }
});
