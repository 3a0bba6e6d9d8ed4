import { RequestError } from "../contract/errors.ts";
import { assertKinds } from "../store/ledger.ts";
import type { StreamRunner } from "./streams.ts";
import type { WorkRow } from "../store/work-table.ts";
import type { Watchers } from "./watch.ts";
import type { OpenStreamRequest } from "../contract/types.ts";
import { stateFrames } from "./watch.ts";

/** What the object's HTTP face reads: the watchers, and an intent's row to start its watch with. */
export interface HttpScope {
  readonly watchers: Watchers;
  readonly store: { readonly work: { get(intentId: number): WorkRow | null } };
}

/**
 * The object's own HTTP face: the three server-sent-event endpoints. They are
 * served over `fetch`, not RPC, because only a request carries the client's
 * disconnect (its `signal`) into the object. A Worker forwards the request
 * as it came; routes match the end of the path, so any prefix works:
 *
 *   GET  …/intents/:id/watch      the intent's phase, progress, then its terminal frame
 *   GET  …/intents/watch          every intent's phase, progress and terminal frames from now on
 *   GET  …/events/stream          the ledger after `Last-Event-ID` (or `?afterId=`), then live; `?kinds=a,b`
 *   POST …/streams/:kind          opens an attached stream; the body is its JSON start payload
 */
export async function serveEventStreams(request: Request, scope: HttpScope, streams: StreamRunner): Promise<Response> {
  const { pathname, searchParams } = new URL(request.url);
  try {
    if (/\/intents\/watch$/.test(pathname) && request.method === "GET") return scope.watchers.watchScope(request.signal);
    const watch = /\/intents\/([^/]+)\/watch$/.exec(pathname);
    if (watch && request.method === "GET") {
      const row = scope.store.work.get(positiveInteger(watch[1]!, "intent id"));
      if (row === null) return Response.json({ error: `no intent ${watch[1]} in this scope` }, { status: 404 });
      return scope.watchers.watchIntent(row.intentId, stateFrames(row), request.signal);
    }
    if (/\/events\/stream$/.test(pathname) && request.method === "GET") {
      const after = request.headers.get("last-event-id") ?? searchParams.get("afterId") ?? "0";
      const kinds = searchParams.get("kinds")?.split(",").filter(Boolean);
      assertKinds(kinds);
      return scope.watchers.tail(after === "0" ? 0 : positiveInteger(after, "Last-Event-ID"), kinds, request.signal);
    }
    const open = /\/streams\/([^/]+)$/.exec(pathname);
    if (open && request.method === "POST") {
      const start: unknown = await request.json().catch(() => {
        throw new RequestError("the body must be the stream's JSON start payload");
      });
      const streamKind = decoded(open[1]!, "the stream kind");
      return streams.open({ streamKind, start } as OpenStreamRequest, request.signal);
    }
    return Response.json({ error: `no route for ${request.method} ${pathname}` }, { status: 404 });
  } catch (error) {
    if (error instanceof RequestError) return Response.json({ error: error.message }, { status: 400 });
    throw error;
  }
}

/** A decimal integer of 1 or more, as written: `Number()` would also take " 5", "0x10" and "1e3". */
function positiveInteger(text: string, what: string): number {
  const n = /^[1-9][0-9]*$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(n))
    throw new RequestError(`${what} must be a positive decimal integer (got ${JSON.stringify(text.slice(0, 40))})`);
  return n;
}

function decoded(segment: string, what: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new RequestError(`${what} is not valid percent-encoded UTF-8`);
  }
}
