import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { startTestApp, type TestApp } from "./support/app";
import { RedisServer } from "./support/redis-server";

// Debian's Chromium: playwright-core never downloads a browser of its own.
const CHROMIUM = "/usr/bin/chromium";
const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
const PHONE_VIEWPORT = { width: 390, height: 844 };

/** A fresh browser context (its own storage and clipboard) and page, with what went wrong on it. */
interface Visit {
  context: BrowserContext;
  page: Page;
  /** Script errors, Content-Security-Policy violations and failed requests, with their status. */
  problems: string[];
}

// Each test opens its own context and makes its own links, so none depends on another having run.
describe("the page, in headless Chromium", () => {
  let redis: RedisServer;
  let app: TestApp;
  let destination: Server;
  let destinationUrl: string;
  let browser: Browser;

  before(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install it with \`apt-get install chromium\` to run the browser test.`);
    redis = await RedisServer.start();
    app = await startTestApp(redis);
    // A page on loopback for the short link to lead to.
    destination = createServer((_req, res) => res.writeHead(200, { "Content-Type": "text/html" }).end("<title>Destination</title><h1>Arrived</h1>"));
    await new Promise<void>((resolve) => destination.listen(0, "127.0.0.1", resolve));
    destinationUrl = `http://127.0.0.1:${(destination.address() as AddressInfo).port}/landing`;
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  });

  after(async () => {
    await browser?.close();
    await new Promise((resolve) => destination?.close(resolve));
    await app?.stop();
    await redis?.destroy();
  });

  async function open(baseUrl: string, viewport = { width: 1280, height: 800 }): Promise<Visit> {
    const context = await browser.newContext({ viewport });
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: baseUrl });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on("console", (message) => {
      // A failed API call is reported by the page itself; what remains is a script or policy error.
      if (message.type() === "error" && !message.text().startsWith("Failed to load resource")) problems.push(message.text());
    });
    page.on("pageerror", (error) => problems.push(error.message));
    page.on("response", (response) => {
      if (response.status() === 404) problems.push(`404 for ${response.url()}`);
    });
    await page.goto(baseUrl);
    return { context, page, problems };
  }

  async function shortenOnPage(page: Page, url: string): Promise<string> {
    const rowsBefore = await page.locator("#links tbody tr").count();
    await page.fill("#url", url);
    await page.click("button[type=submit]");
    await page.locator("#links tbody tr").nth(rowsBefore).waitFor();
    return String(await page.locator("#links tbody tr a").first().textContent());
  }

  async function waitForText(page: Page, selector: string, expected: string): Promise<void> {
    const deadline = Date.now() + 5000;
    while ((await page.locator(selector).first().textContent()) !== expected) {
      if (Date.now() > deadline) assert.fail(`${selector} shows ${await page.locator(selector).first().textContent()}, expected ${expected}`);
      await page.waitForTimeout(50);
    }
  }

  it("shortens a link through the form, follows it, and shows the count rise", async () => {
    const { context, page, problems } = await open(app.baseUrl);
    try {
      assert.equal(await page.title(), "Link shortener");
      const shortUrl = await shortenOnPage(page, destinationUrl);
      assert.match(shortUrl, new RegExp(`^${app.baseUrl}/[0-9A-Za-z]{8}$`));
      assert.equal(await page.locator("td.visits").first().textContent(), "0");

      await page.locator("#links tbody tr a").first().click();
      await page.waitForURL(destinationUrl);
      assert.equal(await page.textContent("h1"), "Arrived");
      await page.goBack();
      await waitForText(page, "td.visits", "1");

      await page.goto(shortUrl);
      await page.waitForURL(destinationUrl);
      await page.goBack();
      await waitForText(page, "td.visits", "2");
      assert.deepEqual(problems, [], "no script error, policy violation or 404 (the favicon included)");
    } finally {
      await context.close();
    }
  });

  it("shows the API's error for a URL it refuses", async () => {
    const { context, page } = await open(app.baseUrl);
    try {
      await page.fill("#url", "ftp://example.com/file");
      await page.click("button[type=submit]");
      await page.locator("#error").waitFor({ state: "visible" });
      assert.equal(await page.textContent("#error"), "url must use http or https");
    } finally {
      await context.close();
    }
  });

  it("fits a 390 px wide phone without sideways scrolling, long links included", async () => {
    const { context, page, problems } = await open(app.baseUrl, PHONE_VIEWPORT);
    try {
      await shortenOnPage(page, `https://example.com/${"a-very-long-path-segment/".repeat(12)}?q=${"x".repeat(200)}`);
      await shortenOnPage(page, "https://example.com/short");
      // Expressions as strings: they run in the page, and this project does not compile against the DOM's types.
      const widths = (await page.evaluate("({ scroll: document.documentElement.scrollWidth, viewport: window.innerWidth })")) as { scroll: number; viewport: number };
      assert.equal(widths.viewport, PHONE_VIEWPORT.width);
      assert.ok(widths.scroll <= widths.viewport, `the page is ${widths.scroll} px wide on a ${widths.viewport} px screen`);
      const copyBox = await page.locator("button.copy").first().boundingBox();
      assert.ok(copyBox !== null && copyBox.x + copyBox.width <= PHONE_VIEWPORT.width, "the copy button is on screen");
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  it("copies a short link with the button next to it", async () => {
    const { context, page } = await open(app.baseUrl);
    try {
      const shortUrl = await shortenOnPage(page, "https://example.com/copy-me");
      const button = page.locator("#links tbody tr").first().locator("button.copy");
      await button.click();
      await waitForText(page, "#links tbody tr button.copy", "Copied");
      assert.equal(await page.evaluate("navigator.clipboard.readText()"), shortUrl);
    } finally {
      await context.close();
    }
  });

  it("says the counts could not be refreshed while Redis is down, and keeps the last ones seen", async () => {
    // Its own Redis and app: stopping them leaves the other tests alone.
    const ownRedis = await RedisServer.start();
    const ownApp = await startTestApp(ownRedis);
    const { context, page } = await open(ownApp.baseUrl);
    try {
      await shortenOnPage(page, "https://example.com/outage");
      await ownRedis.stop();
      await page.click("#refresh");
      await page.locator("#refresh-status").waitFor({ state: "visible" });
      assert.match(String(await page.textContent("#refresh-status")), /Could not refresh the counts \(storage unavailable/);
      assert.equal(await page.locator("td.target").first().textContent(), "https://example.com/outage");
      assert.equal(await page.locator("td.visits").first().textContent(), "0");
    } finally {
      await context.close();
      await ownApp.stop();
      await ownRedis.destroy();
    }
  });
});
