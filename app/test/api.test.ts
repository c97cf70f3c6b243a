import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { rawRequest, startTestApp, type TestApp } from "./support/app";
import { RedisServer } from "./support/redis-server";

const JSON_TYPE = { "Content-Type": "application/json" };

describe("the link API", () => {
  let redis: RedisServer;
  let app: TestApp;

  before(async () => {
    redis = await RedisServer.start();
    app = await startTestApp(redis);
  });

  after(async () => {
    await app?.stop();
    await redis?.destroy();
  });

  async function shorten(url: string): Promise<{ code: string; shortUrl: string }> {
    const response = await fetch(`${app.baseUrl}/api/links`, { method: "POST", headers: JSON_TYPE, body: JSON.stringify({ url }) });
    assert.equal(response.status, 201);
    return (await response.json()) as { code: string; shortUrl: string };
  }

  it("creates a link, redirects to it and counts every visit", async () => {
    const before = Date.now();
    const { code, shortUrl } = await shorten("https://example.com/docs?page=2");
    assert.match(code, /^[0-9A-Za-z]{8}$/);
    assert.equal(shortUrl, `${app.baseUrl}/${code}`);

    for (let visit = 0; visit < 3; visit++) {
      const redirect = await fetch(`${app.baseUrl}/${code}`, { redirect: "manual" });
      assert.equal(redirect.status, 302);
      assert.equal(redirect.headers.get("location"), "https://example.com/docs?page=2");
      assert.equal(redirect.headers.get("cache-control"), "no-store");
    }

    const stats = await fetch(`${app.baseUrl}/api/links/${code}`);
    assert.equal(stats.status, 200);
    const body = (await stats.json()) as { code: string; url: string; visits: unknown; createdAt: string };
    assert.deepEqual({ code: body.code, url: body.url, visits: body.visits }, { code, url: "https://example.com/docs?page=2", visits: 3 });
    assert.equal(new Date(body.createdAt).toISOString(), body.createdAt, "createdAt is ISO-8601");
    assert.ok(Date.parse(body.createdAt) >= before - 1000 && Date.parse(body.createdAt) <= Date.now());
  });

  it("gives every link its own code", async () => {
    const codes = new Set<string>();
    for (let i = 0; i < 20; i++) codes.add((await shorten(`https://example.com/${i}`)).code);
    assert.equal(codes.size, 20);
  });

  it("stores the URL normalised, so the redirect's Location header is always valid", async () => {
    const { code } = await shorten("HTTPS://Example.COM/caf\u00e9 menu?q=a b");
    const redirect = await fetch(`${app.baseUrl}/${code}`, { redirect: "manual" });
    assert.equal(redirect.headers.get("location"), "https://example.com/caf%C3%A9%20menu?q=a%20b");
  });

  it("builds shortUrl from the Host header and X-Forwarded-Proto", async () => {
    const response = await rawRequest(app.baseUrl, {
      method: "POST",
      path: "/api/links",
      headers: { ...JSON_TYPE, Host: "sho.rt", "X-Forwarded-Proto": "https" },
      body: JSON.stringify({ url: "https://example.com/" }),
    });
    assert.equal(response.status, 201);
    const { code, shortUrl } = JSON.parse(response.body) as { code: string; shortUrl: string };
    assert.equal(shortUrl, `https://sho.rt/${code}`);
  });

  describe("refuses bad input with a JSON error and writes nothing", () => {
    const tooLongUrl = `https://example.com/${"a".repeat(2048 - "https://example.com/".length + 1)}`;
    const cases: { name: string; status: number; error: RegExp; headers?: Record<string, string>; body?: string | string[] }[] = [
      { name: "a string that is not a URL", status: 400, error: /valid absolute URL/, body: JSON.stringify({ url: "not a url" }) },
      { name: "a relative URL", status: 400, error: /valid absolute URL/, body: JSON.stringify({ url: "/just/a/path" }) },
      { name: "a javascript: URL", status: 400, error: /http or https/, body: JSON.stringify({ url: "javascript:alert(1)" }) },
      { name: "an ftp: URL", status: 400, error: /http or https/, body: JSON.stringify({ url: "ftp://example.com/file" }) },
      { name: "a URL with a user name that hides the real host", status: 400, error: /user name or password/, body: JSON.stringify({ url: "https://paypal.com@evil.example/" }) },
      { name: "a URL with a user name and password", status: 400, error: /user name or password/, body: JSON.stringify({ url: "https://user:pass@example.com/" }) },
      { name: "a host mixing Latin and Cyrillic letters", status: 400, error: /mixes writing systems/, body: JSON.stringify({ url: "https://p\u0430ypal.com/" }) },
      { name: "an Idempotency-Key that is not plain", status: 400, error: /Idempotency-Key/, headers: { ...JSON_TYPE, "Idempotency-Key": "a b" }, body: JSON.stringify({ url: "https://example.com/" }) },
      { name: "a URL over 2048 characters", status: 400, error: /at most 2048/, body: JSON.stringify({ url: tooLongUrl }) },
      { name: "a body without url", status: 400, error: /string "url"/, body: JSON.stringify({ link: "https://example.com/" }) },
      { name: "a url that is not a string", status: 400, error: /string "url"/, body: JSON.stringify({ url: 42 }) },
      { name: "a JSON array", status: 400, error: /string "url"/, body: JSON.stringify(["https://example.com/"]) },
      { name: "malformed JSON", status: 400, error: /not valid JSON/, body: '{"url": "https://example.com/"' },
      { name: "a body over 8 KiB", status: 413, error: /at most 8192 bytes/, body: JSON.stringify({ url: "https://example.com/", pad: "x".repeat(9000) }) },
      { name: "a chunked body over 8 KiB", status: 413, error: /at most 8192 bytes/, body: ['{"url":"https://example.com/","pad":"', "x".repeat(6000), "x".repeat(6000), '"}'] },
      { name: "a text/plain body", status: 415, error: /application\/json/, headers: { "Content-Type": "text/plain" }, body: JSON.stringify({ url: "https://example.com/" }) },
      { name: "a body without a content type", status: 415, error: /application\/json/, headers: {}, body: JSON.stringify({ url: "https://example.com/" }) },
      { name: "a Host header that is not a host", status: 400, error: /Host header/, headers: { ...JSON_TYPE, Host: "evil.example/<script>" }, body: JSON.stringify({ url: "https://example.com/" }) },
    ];

    for (const testCase of cases) {
      it(`answers ${testCase.status} to ${testCase.name}`, async () => {
        const keysBefore = await redis.keyCount();
        const response = await rawRequest(app.baseUrl, { method: "POST", path: "/api/links", headers: testCase.headers ?? JSON_TYPE, body: testCase.body });
        assert.equal(response.status, testCase.status);
        assert.match(String(response.headers["content-type"]), /^application\/json/);
        assert.match((JSON.parse(response.body) as { error: string }).error, testCase.error);
        assert.equal(await redis.keyCount(), keysBefore);
      });
    }

    for (const path of ["/ZZZZZZZZ", "/api/links/ZZZZZZZZ", "/not-a-code!", "/api/links/short", "/api/links/%2e%2e", "/ZZZZZZZZZ", "/a/b"]) {
      it(`answers 404 to GET ${path}`, async () => {
        const keysBefore = await redis.keyCount();
        const response = await fetch(`${app.baseUrl}${path}`, { redirect: "manual" });
        assert.equal(response.status, 404);
        assert.equal(typeof ((await response.json()) as { error: unknown }).error, "string");
        assert.equal(await redis.keyCount(), keysBefore);
      });
    }

    it("answers 405 with Allow to a method a path does not take", async () => {
      const response = await fetch(`${app.baseUrl}/api/links`, { method: "DELETE" });
      assert.equal(response.status, 405);
      assert.equal(response.headers.get("allow"), "POST");
      const onCode = await fetch(`${app.baseUrl}/ZZZZZZZZ`, { method: "DELETE" });
      assert.equal(onCode.status, 405);
      assert.equal(onCode.headers.get("allow"), "GET, HEAD");
    });
  });

  it("accepts an international domain name in one script and stores it as punycode", async () => {
    const response = await fetch(`${app.baseUrl}/api/links`, { method: "POST", headers: JSON_TYPE, body: JSON.stringify({ url: "https://m\u00fcnchen.de/" }) });
    assert.equal(response.status, 201);
    assert.equal(((await response.json()) as { url: string }).url, "https://xn--mnchen-3ya.de/");
  });

  describe("Idempotency-Key", () => {
    async function createWithKey(key: string, url: string): Promise<Response> {
      return fetch(`${app.baseUrl}/api/links`, { method: "POST", headers: { ...JSON_TYPE, "Idempotency-Key": key }, body: JSON.stringify({ url }) });
    }

    it("returns the same link to a retry with the same key, and stores it once", async () => {
      const keysBefore = await redis.keyCount();
      const first = await createWithKey("retry-1c9e", "https://example.com/once");
      const retry = await createWithKey("retry-1c9e", "https://example.com/once");
      assert.deepEqual([first.status, retry.status], [201, 201]);
      assert.equal(retry.headers.get("idempotent-replayed"), "true");
      assert.deepEqual(await retry.json(), await first.json());
      // The link and its idempotency record; the link counter existed before.
      assert.equal(await redis.keyCount(), keysBefore + 2);
      assert.ok(Number(await redis.command("TTL", "idempotency:retry-1c9e")) > 0, "the key is forgotten after its TTL");
    });

    it("refuses a key reused for a different URL with 422", async () => {
      assert.equal((await createWithKey("reuse-7a2b", "https://example.com/a")).status, 201);
      const reused = await createWithKey("reuse-7a2b", "https://example.com/b");
      assert.equal(reused.status, 422);
      assert.match(((await reused.json()) as { error: string }).error, /different url/);
    });
  });

  describe("HEAD", () => {
    it("answers every GET route like GET, without a body", async () => {
      const { code } = await shorten("https://example.com/head");
      for (const path of ["/", "/app.js", "/style.css", "/favicon.ico", "/healthz", "/readyz", "/metrics", `/api/links/${code}`, `/${code}`, "/ZZZZZZZZ"]) {
        const get = await rawRequest(app.baseUrl, { method: "GET", path });
        const head = await rawRequest(app.baseUrl, { method: "HEAD", path });
        assert.equal(head.status, get.status, `HEAD ${path}`);
        assert.equal(head.headers["content-type"], get.headers["content-type"], `HEAD ${path}`);
        assert.equal(head.body, "", `HEAD ${path} has no body`);
      }
    });

    it("does not count a visit", async () => {
      const { code } = await shorten("https://example.com/head-count");
      const head = await fetch(`${app.baseUrl}/${code}`, { method: "HEAD", redirect: "manual" });
      assert.equal(head.status, 302);
      assert.equal(head.headers.get("location"), "https://example.com/head-count");
      const stats = (await (await fetch(`${app.baseUrl}/api/links/${code}`)).json()) as { visits: number };
      assert.equal(stats.visits, 0);
    });
  });

  describe("request ids", () => {
    it("returns the load balancer's X-Request-Id and puts it on the request's log line", async () => {
      const response = await fetch(`${app.baseUrl}/healthz`, { headers: { "X-Request-Id": "lb-4f2a9c" } });
      assert.equal(response.headers.get("x-request-id"), "lb-4f2a9c");
      assert.ok(app.logLines.some((line) => (JSON.parse(line) as { requestId?: string; route?: string }).requestId === "lb-4f2a9c"));
    });

    it("replaces an X-Request-Id that is too long or not plain with its own", async () => {
      for (const offered of ["x".repeat(129), "id with spaces", 'quote"d']) {
        const response = await fetch(`${app.baseUrl}/healthz`, { headers: { "X-Request-Id": offered } });
        assert.match(String(response.headers.get("x-request-id")), /^[0-9a-f-]{36}$/);
      }
    });
  });

  it("serves static files with an ETag, a 304 on revalidation, and compression the client accepts", async () => {
    const plain = await rawRequest(app.baseUrl, { method: "GET", path: "/app.js" });
    const etag = String(plain.headers.etag);
    assert.match(etag, /^"[\w-]+"$/);
    assert.equal(plain.headers["content-encoding"], undefined, "no coding unless asked");
    assert.equal(plain.headers.vary, "Accept-Encoding");

    const revalidated = await rawRequest(app.baseUrl, { method: "GET", path: "/app.js", headers: { "If-None-Match": etag } });
    assert.equal(revalidated.status, 304);
    assert.equal(revalidated.body, "");

    const gzip = await rawRequest(app.baseUrl, { method: "GET", path: "/app.js", headers: { "Accept-Encoding": "gzip" } });
    assert.equal(gzip.headers["content-encoding"], "gzip");
    const brotli = await rawRequest(app.baseUrl, { method: "GET", path: "/app.js", headers: { "Accept-Encoding": "gzip, br" } });
    assert.equal(brotli.headers["content-encoding"], "br");
    assert.ok(Number(brotli.headers["content-length"]) < Number(plain.headers["content-length"]));
    const refused = await rawRequest(app.baseUrl, { method: "GET", path: "/app.js", headers: { "Accept-Encoding": "br;q=0, gzip;q=0" } });
    assert.equal(refused.headers["content-encoding"], undefined);

    // fetch decodes: the page arrives intact whatever the coding.
    assert.equal(await (await fetch(`${app.baseUrl}/app.js`)).text(), plain.body);
    const favicon = await fetch(`${app.baseUrl}/favicon.ico`);
    assert.equal(favicon.status, 200);
    assert.equal(favicon.headers.get("content-type"), "image/svg+xml");
  });

  it("reports live and ready while Redis answers", async () => {
    assert.equal((await fetch(`${app.baseUrl}/healthz`)).status, 200);
    assert.equal((await fetch(`${app.baseUrl}/readyz`)).status, 200);
  });

  it("serves the page with a strict Content-Security-Policy and its script as a separate file", async () => {
    const page = await fetch(`${app.baseUrl}/`);
    assert.equal(page.status, 200);
    assert.match(String(page.headers.get("content-type")), /^text\/html/);
    const html = await page.text();
    assert.match(html, /<script src="\/app.js" defer><\/script>/);
    assert.doesNotMatch(html, /<script>|<style>|\son\w+=/, "no inline script, style or event handler");
    const policy = String(page.headers.get("content-security-policy"));
    assert.match(policy, /default-src 'none'/);
    assert.match(policy, /script-src 'self'/);
    assert.doesNotMatch(policy, /unsafe-inline|unsafe-eval/);
    assert.equal(page.headers.get("x-content-type-options"), "nosniff");
    assert.equal(page.headers.get("x-frame-options"), "DENY");

    const script = await fetch(`${app.baseUrl}/app.js`);
    assert.equal(script.status, 200);
    assert.match(String(script.headers.get("content-type")), /^text\/javascript/);
  });

  it("exposes Prometheus metrics labelled by route template, not by raw path", async () => {
    const { code } = await shorten("https://example.com/metrics-test");
    await fetch(`${app.baseUrl}/${code}`, { redirect: "manual" });
    await fetch(`${app.baseUrl}/api/links/${code}`);

    const response = await fetch(`${app.baseUrl}/metrics`);
    assert.equal(response.status, 200);
    assert.match(String(response.headers.get("content-type")), /^text\/plain/);
    const text = await response.text();
    assert.match(text, /^http_requests_total\{method="POST",route="\/api\/links",status="201"\} \d+$/m);
    assert.match(text, /^http_requests_total\{method="GET",route="\/:code",status="302"\} \d+$/m);
    assert.match(text, /^http_requests_total\{method="GET",route="\/api\/links\/:code",status="200"\} \d+$/m);
    assert.match(text, /^http_request_duration_seconds_bucket\{le="0.005",method="GET",route="\/:code",status="302"\} \d+$/m);
    assert.match(text, /^redis_errors_total\{operation="create"\} 0$/m);
    assert.match(text, /^process_cpu_user_seconds_total \d/m);
    assert.ok(!text.includes(code), "no series is labelled with a link's code");
  });

  it("never logs a query string", async () => {
    const { code } = await shorten("https://example.com/private?token=target-secret");
    await fetch(`${app.baseUrl}/${code}?session=query-secret`, { redirect: "manual" });
    const log = app.logLines.join("");
    assert.ok(log.includes(`"path":"/${code}"`));
    assert.ok(!log.includes("query-secret") && !log.includes("target-secret"));
  });

  it("logs one JSON object per request", async () => {
    await fetch(`${app.baseUrl}/healthz`);
    const entries = app.logLines.map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.ok(app.logLines.every((line) => line.endsWith("\n") && !line.slice(0, -1).includes("\n")));
    assert.ok(entries.some((entry) => entry.message === "request" && entry.route === "/healthz" && entry.status === 200 && typeof entry.durationMs === "number"));
  });
});
