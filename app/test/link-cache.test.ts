import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { LinkTargetCache } from "../src/link-cache";
import { shorten, startTestApp, type TestApp } from "./support/app";
import { RedisServer } from "./support/redis-server";

describe("the link target cache", () => {
  it("answers within its TTL and forgets after it", () => {
    const cache = new LinkTargetCache(5_000, 10);
    cache.set("Ab3dE6gH", "https://example.com/", 1_000);
    assert.equal(cache.get("Ab3dE6gH", 5_999), "https://example.com/");
    assert.equal(cache.get("Ab3dE6gH", 6_000), undefined);
    assert.equal(cache.size, 0, "an expired entry is dropped when it is found expired");
  });

  it("keeps nothing with a TTL of 0", () => {
    const cache = new LinkTargetCache(0, 10);
    cache.set("Ab3dE6gH", "https://example.com/", 1_000);
    assert.equal(cache.get("Ab3dE6gH", 1_000), undefined);
    assert.equal(cache.size, 0);
  });

  it("holds at most its bound, dropping the entry stored longest ago", () => {
    const cache = new LinkTargetCache(60_000, 2);
    cache.set("aaaaaaaa", "https://a.example/", 0);
    cache.set("bbbbbbbb", "https://b.example/", 1);
    cache.set("aaaaaaaa", "https://a.example/", 2);
    cache.set("cccccccc", "https://c.example/", 3);
    assert.equal(cache.size, 2);
    assert.equal(cache.get("bbbbbbbb", 4), undefined, "b was stored longest ago once a was stored again");
    assert.equal(cache.get("aaaaaaaa", 4), "https://a.example/");
    assert.equal(cache.get("cccccccc", 4), "https://c.example/");
  });
});

describe("redirects and the link cache, against a real Redis", () => {
  let redis: RedisServer;

  before(async () => {
    redis = await RedisServer.start();
  });

  after(async () => {
    await redis?.destroy();
  });

  const redirectStatus = async (app: TestApp, code: string): Promise<number> => (await fetch(`${app.baseUrl}/${code}`, { redirect: "manual" })).status;

  it("lets a link deleted in Redis (a takedown) redirect for at most LINK_CACHE_SECONDS", async () => {
    const app = await startTestApp(redis, { LINK_CACHE_SECONDS: "1" });
    try {
      const code = await shorten(app, "https://example.com/taken-down");
      assert.equal(await redirectStatus(app, code), 302);
      await redis.command("DEL", `link:${code}`);
      const deletedAt = Date.now();
      assert.equal(await redirectStatus(app, code), 302, "still cached");
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, deletedAt + 1100 - Date.now())));
      assert.equal(await redirectStatus(app, code), 404, "gone once the entry expired");
      assert.equal(await redis.command("EXISTS", `link:${code}`), 0, "the visit counted from the cache did not bring the link back");
    } finally {
      await app.stop();
    }
  });

  it("reads Redis on every redirect with LINK_CACHE_SECONDS=0, sharing one read among concurrent redirects to a link", async () => {
    const app = await startTestApp(redis, { LINK_CACHE_SECONDS: "0" });
    try {
      const code = await shorten(app, "https://example.com/popular");
      const hgetCalls = async (): Promise<number> => Number(/cmdstat_hget:calls=(\d+)/.exec(String(await redis.command("INFO", "commandstats")))?.[1] ?? 0);

      const before = await hgetCalls();
      for (let i = 0; i < 3; i++) assert.equal(await redirectStatus(app, code), 302);
      assert.equal((await hgetCalls()) - before, 3, "one read per redirect, nothing cached");

      // While Redis is frozen, every redirect waits for the read already under way instead of sending its own.
      const frozenAt = await hgetCalls();
      redis.pause();
      let statuses: number[];
      try {
        const redirects = Array.from({ length: 10 }, () => redirectStatus(app, code));
        await new Promise((resolve) => setTimeout(resolve, 300));
        redis.unpause();
        statuses = await Promise.all(redirects);
      } finally {
        redis.unpause();
      }
      assert.deepEqual(statuses, Array(10).fill(302));
      assert.equal((await hgetCalls()) - frozenAt, 1, "ten concurrent redirects, one HGET");
    } finally {
      await app.stop();
    }
  });
});
