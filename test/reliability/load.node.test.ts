import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWranglerDev, type DevServer } from "../browser/wrangler-dev";

/**
 * 50 HTTP clients against `wrangler dev` on 127.0.0.1, enqueueing countdowns
 * across 10 scopes and cancelling most of them at random moments. Bounded in
 * time (LOAD_SECONDS, 10 by default: `npm run soak` gives it 120) and by construction in count. Afterwards
 * every intent must be settled exactly once, and no request may have failed.
 */
const SECONDS = Number(process.env.LOAD_SECONDS ?? 10);
const CLIENTS = 50;
const SCOPES = Array.from({ length: 10 }, (_, i) => `load-${Date.now()}-${i}`);

interface Sent {
  scope: string;
  intentEventId: number;
  name: string;
  cancel: string | null;
}

describe("load against wrangler dev", () => {
  let server: DevServer;
  beforeAll(async () => {
    server = await startWranglerDev();
  }, 90_000);
  afterAll(() => server?.stop());

  /** Every row of a paged GET: `pathAfter` answers the path of the page after `last` (the first page when undefined). */
  async function readAll<T>(pathAfter: (last: T | undefined) => string): Promise<T[]> {
    const rows: T[] = [];
    for (let last: T | undefined; ; ) {
      const page = (await (await fetch(`${server.url}${pathAfter(last)}`)).json()) as T[];
      rows.push(...page);
      if (page.length < 1000) return rows;
      last = page.at(-1);
    }
  }

  it(
    `keeps every intent settled exactly once under ${CLIENTS} clients for ${SECONDS} s`,
    async () => {
      const statuses = new Map<number, number>();
      const failures: string[] = [];
      const sent: Sent[] = [];
      let retries = 0;
      // A client as the contract expects one: enqueues carry an idempotency key, so a request
      // can be sent again safely when wrangler dev's proxy answers 503 with Retry-After
      // (it does when it restarts the Worker mid-request).
      const call = async (path: string, body: unknown): Promise<Record<string, unknown> | null> => {
        for (let attempt = 1; ; attempt++) {
          try {
            const response = await fetch(`${server.url}${path}`, {
              method: "POST",
              headers: { "content-type": "application/json" },
              body: JSON.stringify(body),
            });
            statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
            if (response.status === 503 && response.headers.has("retry-after") && attempt < 4) {
              retries++;
              await response.body?.cancel();
              continue;
            }
            const text = await response.text();
            if (!response.ok) failures.push(`${response.status} ${path}: ${text}`);
            return JSON.parse(text) as Record<string, unknown>;
          } catch (error) {
            failures.push(`${path}: ${String(error)}`);
            return null;
          }
        }
      };

      const deadline = Date.now() + SECONDS * 1_000;
      const client = async (n: number) => {
        for (let i = 0; Date.now() < deadline; i++) {
          const scope = SCOPES[(n + i) % SCOPES.length]!;
          const name = `c${n}-${i}`;
          const enqueued = await call(`/scopes/${scope}/intents`, {
            triggerKind: "timer.countdown",
            payload: { id: name, seconds: 1 },
            idempotencyKey: name,
          });
          if (!enqueued) continue;
          const entry: Sent = { scope, intentEventId: enqueued.id as number, name, cancel: null };
          sent.push(entry);
          await new Promise((resolve) => setTimeout(resolve, Math.random() * 300));
          if (Math.random() < 0.9) {
            const answer = await call(`/scopes/${scope}/intents/${entry.intentEventId}/cancel`, {
              triggerKind: "timer.countdown",
              reason: "load",
            });
            entry.cancel = (answer?.status as string) ?? null;
          }
        }
      };
      await Promise.all(Array.from({ length: CLIENTS }, (_, n) => client(n)));

      expect(failures).toEqual([]);
      expect(sent.length).toBeGreaterThan(CLIENTS * 10);

      // Afterwards: every intent settles, once, with the fact its settlement names.
      const settledPhases = new Set(["completed", "cancelled", "completed_after_cancel_requested"]);
      for (const scope of SCOPES) {
        const mine = sent.filter((s) => s.scope === scope);
        const deadlineSettle = Date.now() + 60_000;
        let intents: { intentEventId: number; phase: string }[] = [];
        do {
          // Newest first: each page continues below the last id seen.
          intents = await readAll<(typeof intents)[number]>(
            (last) => `/scopes/${scope}/intents?limit=1000${last ? `&beforeId=${last.intentEventId}` : ""}`,
          );
          if (intents.every((i) => settledPhases.has(i.phase))) break;
          await new Promise((resolve) => setTimeout(resolve, 250));
        } while (Date.now() < deadlineSettle);
        expect(intents).toHaveLength(mine.length);
        expect(intents.filter((i) => !settledPhases.has(i.phase))).toEqual([]);

        const facts = await readAll<{ id: number; kind: string; payload: { id: string } }>(
          (last) => `/scopes/${scope}/events?afterId=${last?.id ?? 0}&kinds=timer.countdown.finished,timer.countdown.stopped&limit=1000`,
        );
        const byName = new Map<string, string[]>();
        for (const fact of facts) byName.set(fact.payload.id, [...(byName.get(fact.payload.id) ?? []), fact.kind]);
        for (const entry of mine) {
          const kinds = byName.get(entry.name) ?? [];
          expect(kinds, `facts of ${entry.name}`).toHaveLength(1);
          if (entry.cancel === "cancelled") expect(kinds[0]).toBe("timer.countdown.stopped");
        }
      }
      console.log(
        `load: ${sent.length} intents, responses by status ${JSON.stringify(Object.fromEntries(statuses))}, ${retries} retried after a dev-server restart`,
      );
    },
    (SECONDS + 150) * 1_000,
  );
});
