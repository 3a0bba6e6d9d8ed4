import { existsSync, mkdirSync } from "node:fs";
import { chromium, type Browser, type BrowserContext, type Dialog, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exportedJsonSchemaOf } from "../../generator/emit/schema";
import { schemasOf } from "../generator/spec-schemas";
import { startWranglerDev, type DevServer } from "./wrangler-dev";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
/** Screenshots land in docs/ (the README shows them) when SCREENSHOTS=1, else in test-results/. */
const SHOTS = process.env.SCREENSHOTS ? "docs" : "test-results";
// CI installs Chromium (.ci/run) and must run this; a developer without it is told, not failed.
const available = existsSync(CHROMIUM);
if (!available && process.env.CI) throw new Error(`${CHROMIUM} is missing; .ci/run installs Debian's chromium`);
if (!available) console.warn(`skipping the browser test: no Chromium at ${CHROMIUM} (apt-get install chromium)`);

/**
 * A trigger whose intent is a shared schema, and a recursive one, whose fields are shared schemas too: the
 * module's JSON Schema constant is then `$ref`s into its `definitions` (issue 21), which the form resolves.
 */
const SHARED = `
schemas:
  Kind: { type: string, enum: [debit, credit] }
  Amount: { type: integer, minimum: 1, description: "In cents." }
  Entry:
    type: object
    required: [name, kind, amount]
    properties:
      name: { type: string }
      kind: { $ref: Kind }
      amount: { $ref: Amount }
      settled: { type: boolean }
      children: { type: array, items: { $ref: Entry } }
triggers:
  - kind: ledger.post
    intentEventKind: ledger.post.requested
    cancellation: ignored
    intent: Entry
    outcome: { type: object }
    events: {}
`;
const ledgerIntentSchema = () => {
  const { schema, resolve } = schemasOf("ledger.yaml", SHARED).find((s) => s.exported)!;
  return exportedJsonSchemaOf(schema, resolve);
};

/** The token test/browser/guarded/wrangler.jsonc gives the README's hook. */
const TOKEN = "browser-test-token";
const auth = { authorization: `Bearer ${TOKEN}` };

describe.skipIf(!available)("the operator console in a real browser, behind the README's token hook", () => {
  let server: DevServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let confirming = true;
  const asked: string[] = [];

  beforeAll(async () => {
    [server, browser] = await Promise.all([
      startWranglerDev(60_000, { config: "test/browser/guarded/wrangler.jsonc" }),
      chromium.launch({
        executablePath: CHROMIUM,
        args: [
          "--headless",
          "--no-sandbox",
          "--disable-gpu",
          "--disable-quic",
          "--no-first-run",
          "--disable-background-networking",
          "--disable-component-update",
          "--disable-sync",
        ],
      }),
    ]);
    context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
    page = await context.newPage();
    // Cancel asks first: the test answers as \`confirming\` says, and keeps what was asked.
    const answer = (dialog: Dialog) => {
      asked.push(dialog.message());
      void (confirming ? dialog.accept() : dialog.dismiss());
    };
    context.on("page", (opened) => opened.on("dialog", answer));
    page.on("dialog", answer);
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  const form = (kind: string) => page.getByTestId(`enqueue-${kind}`);
  const row = (id: string | null) => page.locator(`tr[data-intent="${id}"]`);
  const newestId = () => page.locator("tr[data-intent]").first().getAttribute("data-intent");

  it("loads behind the hook, asks for the token, and keeps it across tabs", async () => {
    // A navigation sends no token: the page itself must still load, and say what it needs.
    const shell = await page.goto(`${server.url}/?scope=browser-${Date.now()}`);
    expect(shell!.status()).toBe(200);
    await expect.poll(() => page.getByTestId("message").textContent(), { timeout: 10_000 }).toMatch(/token required/);
    expect(await page.locator("#token:focus").count()).toBe(1);
    await page.getByTestId("token").fill(TOKEN);
    await Promise.all([page.waitForEvent("load"), page.getByTestId("token").press("Enter")]);
    await expect.poll(() => form("timer.countdown").count(), { timeout: 10_000 }).toBe(1);

    const tab = await context.newPage();
    await tab.goto(page.url());
    await expect.poll(() => tab.getByTestId("enqueue-timer.countdown").count(), { timeout: 10_000 }).toBe(1);
    expect(await tab.getByTestId("token").inputValue()).toBe(TOKEN);
    await tab.close();
  });

  it("builds an enqueue form per trigger from its JSON Schema, and shows a refusal next to the field it names", async () => {
    const countdown = form("timer.countdown");
    await expect.poll(() => countdown.count(), { timeout: 10_000 }).toBe(1);
    expect(await form("report.fetch").getByTestId("field-source").locator("option").allTextContents()).toEqual([
      "orders",
      "inventory",
      "payments",
    ]);

    await countdown.getByTestId("field-seconds").fill("0");
    await countdown.getByTestId("enqueue-timer.countdown-submit").click();
    const error = countdown.getByTestId("error-seconds");
    await expect.poll(() => error.textContent(), { timeout: 10_000 }).toMatch(/Too small: expected number to be >=1/);
    expect(await countdown.getByTestId("field-seconds").getAttribute("aria-invalid")).toBe("true");
    expect(await countdown.getByTestId("error-id").textContent()).toBe("");
    expect(await page.locator("tr[data-intent]").count()).toBe(0);
  });

  it("builds the enqueue form of an intent whose JSON Schema is references to shared, recursive schemas, and sends what it reads", async () => {
    const intentSchema = ledgerIntentSchema();
    expect(intentSchema).toMatchObject({ $ref: "#/definitions/Entry" });
    const tab = await context.newPage();
    await tab.addInitScript(`localStorage.setItem("durable-triggers-token", ${JSON.stringify(TOKEN)})`);
    // The example app's registration, with the ledger trigger added; its enqueue is answered here.
    await tab.route(
      (url) => url.pathname.endsWith("/registration"),
      async (route) => {
        const response = await route.fetch();
        const registration = (await response.json()) as { triggers: Record<string, unknown>[] };
        registration.triggers.push({ ...registration.triggers[0], kind: "ledger.post", description: "", schedules: [], intentSchema });
        await route.fulfill({ response, json: registration });
      },
    );
    const sent: unknown[] = [];
    await tab.route(
      (url) => url.pathname.endsWith("/intents"),
      async (route) => {
        const body = route.request().postDataJSON() as { triggerKind?: string } | null;
        if (route.request().method() !== "POST" || body?.triggerKind !== "ledger.post") return route.continue();
        sent.push(body);
        await route.fulfill({ status: 201, json: { id: 424242 } });
      },
    );
    await tab.goto(`${server.url}/?scope=ledger-${Date.now()}`);
    const ledger = tab.getByTestId("enqueue-ledger.post");
    await expect.poll(() => ledger.count(), { timeout: 10_000 }).toBe(1);
    // One field per property, each as its referenced schema says: a select for the enum, a number for the integer.
    expect(await ledger.getByTestId("field-kind").locator("option").allTextContents()).toEqual(["debit", "credit"]);
    expect(await ledger.getByTestId("field-amount").getAttribute("type")).toBe("number");
    expect(await ledger.getByTestId("field-amount").getAttribute("min")).toBe("1");
    expect(await ledger.getByTestId("field-settled").getAttribute("type")).toBe("checkbox");
    expect(await ledger.locator("label.field > span:first-child").allTextContents()).toEqual([
      "name *",
      "kind *",
      "amount * · integer",
      "settled",
      "children · JSON",
    ]);

    await ledger.getByTestId("field-name").fill("rent");
    await ledger.getByTestId("field-kind").selectOption({ label: "credit" });
    await ledger.getByTestId("field-amount").fill("1200");
    await ledger.getByTestId("field-children").fill('[{ "name": "deposit", "kind": "debit", "amount": 300 }]');
    await ledger.getByTestId("enqueue-ledger.post-submit").click();
    await expect.poll(() => sent.length, { timeout: 10_000 }).toBe(1);
    expect(sent[0]).toEqual({
      triggerKind: "ledger.post",
      payload: { name: "rent", kind: "credit", amount: 1200, settled: false, children: [{ name: "deposit", kind: "debit", amount: 300 }] },
    });
    await tab.close();
  });

  it("enqueues a countdown, shows its progress moving, cancels it and shows the cancelled fact", async () => {
    const countdown = form("timer.countdown");
    await countdown.getByTestId("field-seconds").fill("30");
    await countdown.getByTestId("enqueue-timer.countdown-submit").click();
    await expect.poll(() => page.locator("tr[data-intent]").count(), { timeout: 10_000 }).toBe(1);
    expect(await countdown.getByTestId("error-seconds").textContent()).toBe("");
    const id = await newestId();
    await expect.poll(() => row(id).getAttribute("data-phase"), { timeout: 10_000 }).toBe("claimed");
    const progress = async () => Number((await row(id).getAttribute("data-progress")) ?? 0);
    await expect.poll(progress, { timeout: 10_000 }).toBeGreaterThan(0);
    const first = await progress();
    await expect.poll(progress, { timeout: 10_000 }).toBeGreaterThan(first);

    // Cancel asks first; saying no leaves the countdown running.
    confirming = false;
    await row(id).getByTestId("cancel").click();
    expect(asked.at(-1)).toBe(`Cancel intent ${id} (timer.countdown)?`);
    const before = await progress();
    await expect.poll(progress, { timeout: 10_000 }).toBeGreaterThan(before);
    expect(await row(id).getAttribute("data-phase")).toBe("claimed");
    confirming = true;

    await row(id).getByTestId("cancel").click();
    await expect.poll(() => row(id).getAttribute("data-phase"), { timeout: 10_000 }).toBe("cancelled");
    await expect.poll(() => row(id).getByTestId("why").textContent(), { timeout: 5_000 }).toBe("cancelled from the console");
    const fact = page.locator('#ledger li[data-kind="timer.countdown.stopped"]');
    await expect.poll(() => fact.count(), { timeout: 10_000 }).toBe(1);
    expect(await fact.textContent()).toContain(`"reason":"cancelled from the console"`);
  });

  it("shows a failed intent with the error of its last attempt", async () => {
    const report = form("report.fetch");
    await report.getByTestId("field-reportId").fill("weekly-sales");
    await report.getByTestId("field-down").check();
    await report.getByTestId("enqueue-report.fetch-submit").click();
    await expect.poll(() => page.locator("tr[data-intent]").count(), { timeout: 10_000 }).toBe(2);
    const id = await newestId();
    // Four attempts with 250, 500 and 1 000 ms of backoff between them.
    await expect.poll(() => row(id).getAttribute("data-phase"), { timeout: 15_000 }).toBe("failed");
    await expect
      .poll(() => row(id).getByTestId("why").textContent(), { timeout: 5_000 })
      .toBe("UpstreamUnavailable: 503 from orders for weekly-sales");
    expect(await row(id).getByTestId("cancel").isDisabled()).toBe(true);
  });

  it("opens a failed intent's details (payload, attempts, error, facts) and runs it again as a new intent", async () => {
    const failed = page.locator('tr[data-phase="failed"]').first();
    const id = await failed.getAttribute("data-intent");
    await failed.getByTestId("open-detail").click();
    const detail = page.getByTestId("detail");
    await expect
      .poll(() => detail.getByTestId("detail-payload").textContent(), { timeout: 10_000 })
      .toContain('"reportId": "weekly-sales"');
    const text = (await detail.textContent())!;
    expect(text).toContain(`Intent ${id}`);
    expect(text).toContain("attempts4");
    expect(text).toContain("last errorUpstreamUnavailable: 503 from orders for weekly-sales");
    expect(JSON.parse((await detail.getByTestId("detail-facts").textContent())!)).toBeInstanceOf(Array);

    await detail.getByTestId("run-again").click();
    await expect.poll(() => page.locator("tr[data-intent]").count(), { timeout: 10_000 }).toBe(3);
    const again = await newestId();
    expect(await page.getByTestId("message").textContent()).toBe(`enqueued ${again} again from ${id}`);
    expect(await row(again).locator("td").nth(1).textContent()).toBe("report.fetch");
  });

  it("describes each trigger as its spec does, with timeouts and schedules in words", async () => {
    const card = page.getByTestId("trigger-report.fetch");
    expect(await card.locator("h3 small").textContent()).toMatch(/start within 10 min, finish within 2 min, every hour$/);
    expect(await card.locator("p").textContent()).toBe(
      "Fetches a report from an upstream service (simulated), retried with backoff, reporting each stage.",
    );
  });

  it("opens the registered attached stream from its own form and shows its output", async () => {
    const stream = page.getByTestId("open-text.generate");
    await stream.getByTestId("field-prompt").fill("durable work");
    await stream.getByTestId("open-text.generate-submit").click();
    const output = page.getByTestId("output-text.generate");
    await expect.poll(async () => (await output.textContent())!.trim().split(/\s+/).length, { timeout: 10_000 }).toBeGreaterThan(5);

    mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: `${SHOTS}/console.png`, fullPage: true });
    // At 390 px (a phone) nothing is wider than the screen: wide tables scroll inside their card.
    await page.setViewportSize({ width: 390, height: 844 });
    expect(await page.evaluate("document.documentElement.scrollWidth")).toBeLessThanOrEqual(390);
    mkdirSync("test-results", { recursive: true });
    await page.screenshot({ path: "test-results/console-390.png", fullPage: true });
    await page.setViewportSize({ width: 1360, height: 900 });
  });

  it("appends a declared event from its form, and shows a refusal next to the field it names", async () => {
    const refund = page.getByTestId("emit-payment.refunded");
    await refund.getByTestId("field-orderId").fill(crypto.randomUUID());
    await refund.getByTestId("field-amount").fill("0");
    await refund.getByTestId("emit-payment.refunded-submit").click();
    await expect
      .poll(() => refund.getByTestId("error-amount").textContent(), { timeout: 10_000 })
      .toMatch(/Too small: expected number to be >=1/);
    expect(await page.locator('li[data-kind="payment.refunded"]').count()).toBe(0);

    await refund.getByTestId("field-amount").fill("250");
    await refund.getByTestId("emit-payment.refunded-submit").click();
    await expect.poll(() => page.locator('li[data-kind="payment.refunded"]').count(), { timeout: 10_000 }).toBe(1);
    expect(await page.getByTestId("message").textContent()).toMatch(/^appended payment\.refunded \d+$/);
  });

  it("lists a schedule made through the API and removes it from its row", async () => {
    const scope = new URL(page.url()).searchParams.get("scope")!;
    const schedules = `${server.url}/scopes/${scope}/schedules`;
    const put = await fetch(`${schedules}/nightly`, {
      method: "PUT",
      headers: { "content-type": "application/json", ...auth },
      body: JSON.stringify({
        triggerKind: "timer.countdown",
        payload: { id: "nightly", seconds: 5 },
        cron: "0 3 * * *",
        timezone: "Europe/Paris",
      }),
    });
    expect(put.status).toBe(200);
    await page.reload();
    const scheduled = page.locator('tr[data-schedule="nightly"]');
    await expect.poll(() => scheduled.count(), { timeout: 10_000 }).toBe(1);
    expect(await scheduled.textContent()).toContain("0 3 * * * (Europe/Paris)");

    await scheduled.getByTestId("remove-schedule").click();
    await expect.poll(() => scheduled.count(), { timeout: 10_000 }).toBe(0);
    expect(await page.getByTestId("message").textContent()).toBe("schedule nightly removed");
    // The spec's default stays, and offers no button: it is changed in the spec.
    expect(((await (await fetch(schedules, { headers: auth })).json()) as { key: string }[]).map((s) => s.key)).toEqual([
      "hourly-inventory",
    ]);
    expect(await page.locator('tr[data-schedule="hourly-inventory"]').getByTestId("remove-schedule").count()).toBe(0);
  });

  it("stays usable with 50 unsettled intents: one stream for them all, and enqueue, cancel and append still leave the page", async () => {
    const scope = `crowded-${Date.now()}`;
    const later = Date.now() + 3_600_000;
    for (let n = 0; n < 50; n++) {
      const answer = await fetch(`${server.url}/scopes/${scope}/intents`, {
        method: "POST",
        headers: { "content-type": "application/json", ...auth },
        body: JSON.stringify({ triggerKind: "timer.countdown", payload: { id: `later-${n}`, seconds: 5 }, at: later }),
      });
      expect(answer.status).toBe(201);
    }
    const tab = await context.newPage();
    await tab.goto(`${server.url}/?scope=${scope}`);
    const rows = tab.locator("tr[data-intent]");
    await expect.poll(() => rows.count(), { timeout: 10_000 }).toBe(50);

    const countdown = tab.getByTestId("enqueue-timer.countdown");
    await countdown.getByTestId("field-seconds").fill("30");
    await countdown.getByTestId("enqueue-timer.countdown-submit").click();
    await expect.poll(() => rows.count(), { timeout: 10_000 }).toBe(51);
    const newest = await rows.first().getAttribute("data-intent");
    await expect.poll(() => tab.locator(`tr[data-intent="${newest}"]`).getAttribute("data-progress"), { timeout: 10_000 }).not.toBeNull();

    const oldest = tab.locator('tr[data-intent="1"]');
    await oldest.getByTestId("cancel").click();
    await expect.poll(() => oldest.getAttribute("data-phase"), { timeout: 10_000 }).toBe("cancelled");
    await expect.poll(() => oldest.getByTestId("why").textContent(), { timeout: 5_000 }).toBe("cancelled from the console");

    const refund = tab.getByTestId("emit-payment.refunded");
    await refund.getByTestId("field-orderId").fill(crypto.randomUUID());
    await refund.getByTestId("field-amount").fill("250");
    await refund.getByTestId("emit-payment.refunded-submit").click();
    await expect.poll(() => tab.locator('li[data-kind="payment.refunded"]').count(), { timeout: 10_000 }).toBe(1);
    await tab.close();
  });
});
