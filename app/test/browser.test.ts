import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { chromium, type Browser, type Page } from "playwright-core";
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

describe("the page, in headless Chromium", () => {
  let redis: RedisServer;
  let app: TestApp;
  let destination: Server;
  let destinationUrl: string;
  let browser: Browser;
  let page: Page;
  const browserErrors: string[] = [];

  before(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install it with \`apt-get install chromium\` to run the browser test.`);
    redis = await RedisServer.start();
    app = await startTestApp(redis);
    // A page on loopback for the short link to lead to.
    destination = createServer((_req, res) => res.writeHead(200, { "Content-Type": "text/html" }).end("<title>Destination</title><h1>Arrived</h1>"));
    await new Promise<void>((resolve) => destination.listen(0, "127.0.0.1", resolve));
    destinationUrl = `http://127.0.0.1:${(destination.address() as AddressInfo).port}/landing`;
    // playwright-core gives every launch a fresh temporary profile.
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    page = await browser.newPage();
    // A Content-Security-Policy violation or a script error shows up here.
    page.on("console", (message) => {
      if (message.type() === "error") browserErrors.push(message.text());
    });
    page.on("pageerror", (error) => browserErrors.push(error.message));
  });

  after(async () => {
    await browser?.close();
    await new Promise((resolve) => destination?.close(resolve));
    await app?.stop();
    await redis?.destroy();
  });

  const visitsShown = (): Promise<string | null> => page.locator("#links tbody tr td.visits").first().textContent();

  async function waitForVisitsShown(expected: string): Promise<void> {
    const deadline = Date.now() + 5000;
    while ((await visitsShown()) !== expected) {
      if (Date.now() > deadline) assert.fail(`the page shows ${await visitsShown()} visits, expected ${expected}`);
      await page.waitForTimeout(50);
    }
  }

  it("shortens a link through the form, follows it, and shows the count rise", async () => {
    await page.goto(app.baseUrl);
    assert.equal(await page.title(), "Link shortener");

    await page.fill("#url", destinationUrl);
    await page.click("button[type=submit]");
    const shortLink = page.locator("#links tbody tr a").first();
    await shortLink.waitFor();
    const shortUrl = await shortLink.textContent();
    assert.match(String(shortUrl), new RegExp(`^${app.baseUrl}/[0-9A-Za-z]{8}$`));
    assert.equal(await visitsShown(), "0");

    await shortLink.click();
    await page.waitForURL(destinationUrl);
    assert.equal(await page.textContent("h1"), "Arrived");

    await page.goBack();
    await waitForVisitsShown("1");

    await page.goto(String(shortUrl));
    await page.waitForURL(destinationUrl);
    await page.goBack();
    await waitForVisitsShown("2");
  });

  it("shows the API's error for a URL it refuses", async () => {
    await page.goto(app.baseUrl);
    await page.fill("#url", "ftp://example.com/file");
    await page.click("button[type=submit]");
    await page.locator("#error").waitFor({ state: "visible" });
    assert.equal(await page.textContent("#error"), "url must use http or https");
  });

  it("runs without script errors or Content-Security-Policy violations", () => {
    // HTTP errors (the 400 above, the browser's own /favicon.ico 404) are expected; anything else is not.
    assert.deepEqual(browserErrors.filter((text) => !text.startsWith("Failed to load resource")), []);
  });
});
