import { existsSync, mkdirSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWranglerDev, type DevServer } from "./wrangler-dev";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const ARTIFACTS = "test-results";
// CI installs Chromium (.ci/run) and must run this; a developer without it is told, not failed.
const available = existsSync(CHROMIUM);
if (!available && process.env.CI) throw new Error(`${CHROMIUM} is missing; .ci/run installs Debian's chromium`);
if (!available) console.warn(`skipping the browser test: no Chromium at ${CHROMIUM} (apt-get install chromium)`);

describe.skipIf(!available)("the ops page in a real browser", () => {
  let server: DevServer;
  let browser: Browser;

  beforeAll(async () => {
    [server, browser] = await Promise.all([
      startWranglerDev(),
      chromium.launch({
        executablePath: CHROMIUM,
        args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
      }),
    ]);
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it("enqueues a countdown, shows its progress bar moving, cancels it and shows the cancelled fact", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 760 } });
    const scope = `browser-${Date.now()}`;
    await page.goto(`${server.url}/?scope=${scope}`);

    await page.getByTestId("seconds").fill("30");
    await page.getByTestId("enqueue").click();
    // Rows are prepended as work arrives, so pin this one by its intent id.
    const id = await page.locator("tr[data-intent]").first().getAttribute("data-intent");
    const row = page.locator(`tr[data-intent="${id}"]`);
    await expect.poll(() => row.getAttribute("data-phase"), { timeout: 10_000 }).toBe("claimed");

    const progress = async () => Number((await row.getAttribute("data-progress")) ?? 0);
    await expect.poll(progress, { timeout: 10_000 }).toBeGreaterThan(0);
    const first = await progress();
    await expect.poll(progress, { timeout: 10_000 }).toBeGreaterThan(first);

    await page.getByTestId("enqueue").click(); // a second countdown keeps running behind the cancelled one
    await expect.poll(() => page.locator("tr[data-intent]").count()).toBe(2);
    const other = page.locator(`tr[data-intent]:not([data-intent="${id}"])`);
    await row.getByTestId("cancel").click();
    await expect.poll(() => row.getAttribute("data-phase"), { timeout: 10_000 }).toBe("cancelled");
    const fact = page.locator('#ledger li[data-kind="timer.countdown.stopped"]');
    await expect.poll(() => fact.count(), { timeout: 10_000 }).toBe(1);
    expect(await fact.textContent()).toContain(`"reason":"cancelled from the ops page"`);
    expect(await other.getAttribute("data-phase")).toBe("claimed");

    // The attached stream: words arrive one by one while its bar fills.
    await page.getByRole("button", { name: "Generate" }).click();
    await expect.poll(async () => (await page.getByTestId("generated").textContent())!.trim().split(/\s+/).length, { timeout: 10_000 }).toBeGreaterThan(8);

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: `${ARTIFACTS}/ops-page.png`, fullPage: true });
  });
});
