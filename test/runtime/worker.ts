import { Hono } from "hono";
import { cron } from "../../runtime/cron.ts";
import { operatorConsole } from "../../runtime/operator/console.ts";
import { operatorApi, type Authorize } from "../../runtime/operator/index.ts";
import {
  CancellationError,
  defineAgentDO,
  NonRetryableError,
  type AcquireContext,
  type AnyStream,
  type AttachedStream,
  type DurableTrigger,
  type KindName,
  type ParseResult,
} from "../../runtime";
import { kitTrigger } from "./kit-triggers";
import { enter, evolving, leave, seenModes, streamSteps, waitAtGate } from "./gates";

/**
 * A scripted intent: the payload says how acquire and commit behave, so each
 * test reaches a behaviour through a real enqueue.
 */
export interface ScriptIntent {
  id: string;
  /**
   * `return` at once; `throw`; `gate`: wait for the gate named `gate` (or `id`), honouring the
   * abort; `ignoreAbort`: wait for the gate and return even if aborted; `throwCancellation`:
   * throw the runtime's CancellationError without any request; `throwNonRetryable`: throw a
   * NonRetryableError.
   */
  acquire: "return" | "throw" | "gate" | "ignoreAbort" | "throwCancellation" | "throwNonRetryable";
  gate?: string;
  /**
   * The acquire answers synchronously (a value, or a throw) instead of returning a promise;
   * only for `return`, `throw` and `throwCancellation`, the modes that do not wait.
   */
  sync?: boolean;
  /** Each attempt waits at its own gate, `<gate>#<attempt>`, so one attempt can be released alone. */
  gatePerAttempt?: boolean;
  /** Attempts up to this number throw before doing anything. */
  failAttempts?: number;
  commit?: "ok" | "throwAfterSideWrite" | "promise" | "enqueueFollowUp";
  /** With `commit: "enqueueFollowUp"`: the follow-up's `at`. */
  followUpAt?: number;
  /** The acquire reads `ctx.events({ kinds: readKinds })` and reports the kinds it saw as `seenKinds`. */
  readKinds?: string[];
  /** Progress frames `{ step }` sent after the acquire's wait, before it returns. */
  progress?: number;
  /** Each progress frame also carries this many bytes of padding. */
  progressPadding?: number;
  version?: number;
}

export interface ScriptOutcome {
  id: string;
  attempt: number;
  mode: string;
  commit: NonNullable<ScriptIntent["commit"]>;
  followUpAt?: number;
  seenKinds?: string[];
}

const ACQUIRE_MODES = ["return", "throw", "gate", "ignoreAbort", "throwCancellation", "throwNonRetryable"];

function parseScript(raw: unknown): ParseResult<ScriptIntent> {
  const value = raw as Partial<ScriptIntent> | null;
  if (typeof value !== "object" || value === null) return { ok: false, reason: "$: expected an object" };
  if (typeof value.id !== "string" || value.id === "") return { ok: false, reason: "id: expected a non-empty string" };
  if (!ACQUIRE_MODES.includes(value.acquire as string)) {
    return { ok: false, reason: `acquire: expected one of ${ACQUIRE_MODES.join(", ")}` };
  }
  if ((value.version ?? 1) < evolving.minVersion) {
    return { ok: false, reason: `version: expected at least ${evolving.minVersion}, got ${value.version ?? 1}` };
  }
  return { ok: true, intent: value as ScriptIntent };
}

const gateOf = (intent: ScriptIntent, attempt: number) => `${intent.gate ?? intent.id}${intent.gatePerAttempt ? `#${attempt}` : ""}`;

function runScript(kind: string, intent: ScriptIntent, ctx: AcquireContext): ScriptOutcome | Promise<ScriptOutcome> {
  const waits = intent.acquire === "gate" || intent.acquire === "ignoreAbort";
  return intent.sync && !waits ? runScriptNow(kind, intent, ctx) : runScriptLater(kind, intent, ctx);
}

/** The script, answering synchronously: never waits. */
function runScriptNow(kind: string, intent: ScriptIntent, ctx: AcquireContext): ScriptOutcome {
  seenModes.set(intent.id, [...(seenModes.get(intent.id) ?? []), ctx.acquireMode]);
  enter(kind);
  try {
    failOrStop(intent, ctx);
    return outcomeOf(intent, ctx);
  } finally {
    leave(kind);
  }
}

async function runScriptLater(kind: string, intent: ScriptIntent, ctx: AcquireContext): Promise<ScriptOutcome> {
  seenModes.set(intent.id, [...(seenModes.get(intent.id) ?? []), ctx.acquireMode]);
  enter(kind);
  try {
    failOrStop(intent, ctx);
    switch (intent.acquire) {
      case "gate":
        await waitAtGate(gateOf(intent, ctx.attempt), ctx.signal);
        break;
      case "ignoreAbort":
        await waitAtGate(gateOf(intent, ctx.attempt));
        break;
    }
    return outcomeOf(intent, ctx);
  } finally {
    leave(kind);
  }
}

function failOrStop(intent: ScriptIntent, ctx: AcquireContext): void {
  if (ctx.attempt <= (intent.failAttempts ?? 0)) throw new Error(`attempt ${ctx.attempt} failed on purpose`);
  if (intent.acquire === "throw") throw new Error(`acquire of ${intent.id} failed`);
  if (intent.acquire === "throwCancellation") throw new CancellationError("acquire gave up");
  if (intent.acquire === "throwNonRetryable") throw new NonRetryableError(`${intent.id}: the address does not exist`);
}

function outcomeOf(intent: ScriptIntent, ctx: AcquireContext): ScriptOutcome {
  const padding = intent.progressPadding ? { padding: "x".repeat(intent.progressPadding) } : {};
  for (let step = 1; step <= (intent.progress ?? 0); step++) ctx.progress({ step, ...padding });
  const followUpAt = intent.followUpAt === undefined ? {} : { followUpAt: intent.followUpAt };
  const seen = intent.readKinds === undefined ? {} : { seenKinds: ctx.events({ kinds: intent.readKinds }).map((e) => e.kind) };
  return { id: intent.id, attempt: ctx.attempt, mode: ctx.acquireMode, commit: intent.commit ?? "ok", ...followUpAt, ...seen };
}

type ScriptTrigger = DurableTrigger<ScriptIntent, ScriptOutcome>;
type Options = Pick<
  ScriptTrigger,
  | "cancellation"
  | "retry"
  | "concurrency"
  | "acquireDeadlineMs"
  | "commitFailed"
  | "intentVersion"
  | "intentsDroppedBefore"
  | "intentUpgrades"
>;

function scripted<const Kind extends KindName>(kind: Kind, options: Partial<Options> = {}) {
  return {
    kind,
    intentEventKind: `${kind}.requested` as KindName,
    cancellation: "cooperative",
    parseIntent: parseScript,
    acquire: (intent, ctx) => runScript(kind, intent, ctx),
    commit(outcome, tx) {
      if (outcome.commit === "promise") return Promise.resolve();
      if (outcome.commit === "enqueueFollowUp") {
        const at = outcome.followUpAt === undefined ? {} : { at: outcome.followUpAt };
        tx.enqueue({ triggerKind: "test.script", payload: { id: `${outcome.id}.next`, acquire: "return" }, ...at });
      }
      if (outcome.commit === "throwAfterSideWrite") {
        tx.sql.exec("CREATE TABLE IF NOT EXISTS side_effects (id TEXT NOT NULL)");
        tx.sql.exec("INSERT INTO side_effects (id) VALUES (?)", outcome.id);
        tx.insertEvent({ kind: `${kind}.done`, payload: outcome });
        throw new Error(`commit of ${outcome.id} exploded`);
      }
      tx.insertEvent({ kind: `${kind}.done`, payload: outcome });
    },
    commitCancelled(intent, cancellation, tx) {
      tx.insertEvent({ kind: `${kind}.cancelled`, payload: { id: intent.id, reason: cancellation.reason ?? null } });
    },
    ...options,
  } satisfies ScriptTrigger;
}

const fastRetry = { maxAttempts: 3, backoffMs: 20, maxBackoffMs: 100 };

/** Accepts any payload, for the hostile-payload tests: the runtime's own checks are what is tested. */
const anyPayload = {
  kind: "test.any",
  intentEventKind: "test.any.requested",
  cancellation: "cooperative",
  parseIntent: (raw: unknown) => ({ ok: true, intent: raw }),
  acquire: () => ({}),
  commit() {},
  commitCancelled() {},
} satisfies DurableTrigger<unknown, object>;

export const triggers = [
  anyPayload,
  kitTrigger,
  scripted("test.script", { retry: fastRetry }),
  scripted("test.ignored", { cancellation: "ignored" }),
  scripted("test.pool", { concurrency: 2 }),
  scripted("test.short", { acquireDeadlineMs: 300, retry: { ...fastRetry, maxAttempts: 2 } }),
  // Claims that outlast any test: only recovery at start can bring such work back in time.
  scripted("test.long", { acquireDeadlineMs: 900_000, retry: { ...fastRetry, maxAttempts: 2 } }),
  // Its intent schema is at version 3, and stored intents from before version 2 are dropped.
  scripted("test.versioned", { intentVersion: 3, intentsDroppedBefore: 2 }),
  // Version 5; breaking changes at 3 and 5 upgrade stored intents: v1–v2 stored `{ name }`, v3–v4 `{ label }`.
  // Each upgrade leaves its mark in the id, so the outcome shows the path an intent took.
  scripted("test.upgraded", {
    intentVersion: 5,
    intentUpgrades: {
      3: (old: { name: string }) => ({ label: `${old.name}>3` }),
      5: (old: { label: string }) => {
        if (old.label.startsWith("boom")) throw new Error(`cannot upgrade ${old.label}`);
        return old.label.startsWith("junk") ? { id: old.label } : { id: `${old.label}>5`, acquire: "return" };
      },
    },
  }),
  scripted("test.slowRetry", { retry: { maxAttempts: 2, backoffMs: 60_000, maxBackoffMs: 60_000 } }),
  scripted("test.failing", {
    retry: { maxAttempts: 2, backoffMs: 10, maxBackoffMs: 10 },
    commitFailed(intent, failure, tx) {
      tx.insertEvent({ kind: "test.failing.failed", payload: { id: intent.id, ...failure } });
    },
  }),
];

export interface StreamStart {
  id: string;
  steps: number;
  /** After its steps: `complete`, end with no terminal (`none`), `throw`, or `gate` (wait, honouring the abort, then complete). */
  end: "complete" | "none" | "throw" | "gate";
  failCommit?: boolean;
  /** commitTerminal also enqueues a `test.script` intent with id `<id>.next`. */
  followUp?: boolean;
  /** Each output frame also carries this many bytes of padding. */
  padding?: number;
}

function scriptedStream<const Kind extends KindName>(kind: Kind, options: Pick<AnyStream, "cancellation" | "onDetach">) {
  return {
    kind,
    mode: "output_only",
    ...options,
    parseStart(raw) {
      const value = raw as Partial<StreamStart> | null;
      if (typeof value?.id !== "string") return { ok: false, reason: "id: expected a string" };
      if (!Number.isInteger(value.steps)) return { ok: false, reason: "steps: expected an integer" };
      return { ok: true, start: value as StreamStart };
    },
    async *run(start, ctx) {
      for (let step = 1; step <= start.steps; step++) {
        yield { type: "progress", payload: { step, of: start.steps } };
        yield { type: "output", payload: { text: `chunk ${step}`, ...(start.padding ? { padding: "x".repeat(start.padding) } : {}) } };
        streamSteps.set(start.id, step);
      }
      if (start.end === "none") return;
      if (start.end === "throw") throw new Error("run exploded");
      if (start.end === "gate") await waitAtGate(start.id, ctx.signal);
      yield { type: "completed", payload: { id: start.id, steps: start.steps } };
    },
    commitTerminal(start, terminal, tx) {
      if (start.failCommit) throw new Error("commitTerminal exploded");
      tx.insertEvent({ kind: `${kind}.${terminal.type}`, payload: { id: start.id, streamRef: tx.streamRef, terminal } });
      if (start.followUp) tx.enqueue({ triggerKind: "test.script", payload: { id: `${start.id}.next`, acquire: "return" } });
    },
  } satisfies AttachedStream<StreamStart, { step: number; of: number }, { text: string; padding?: string }, { id: string; steps: number }>;
}

export const streams = [
  scriptedStream("test.stream", { cancellation: "cooperative", onDetach: "abort" }),
  scriptedStream("test.stream.continue", { cancellation: "cooperative", onDetach: "continue" }),
  scriptedStream("test.stream.ignored", { cancellation: "ignored", onDetach: "continue" }),
];

export const TestAgentDO = defineAgentDO({ triggers, streams, cron });
export { EventsAgentDO } from "./events-worker";

/**
 * The operator surface under /ops, guarded by bearer tokens: "reader" may
 * read, "operator" may do anything; no token is asked for with a 401.
 */
type TestEnv = { AGENT: DurableObjectNamespace<InstanceType<typeof TestAgentDO>> };
const authorize: Authorize<TestEnv> = (request, { action }) => {
  const token = /^Bearer (.+)$/.exec(request.headers.get("authorization") ?? "")?.[1];
  if (token === undefined)
    return Response.json({ error: "a bearer token is required" }, { status: 401, headers: { "www-authenticate": "Bearer" } });
  return token === "operator" || (token === "reader" && action === "read");
};
const operator = operatorApi<TestEnv>({ namespace: (env) => env.AGENT, basePath: "/ops", authorize, console: operatorConsole });

/** The same surface mounted inside a user's own hono app, as the README shows. */
const app = new Hono<{ Bindings: TestEnv }>();
app.get("/", (c) => c.text("the user's own app"));
app.mount("/mounted", operatorApi<TestEnv>({ namespace: (env) => env.AGENT, authorize, console: operatorConsole }).fetch);

export default {
  fetch: (request, env, ctx) =>
    new URL(request.url).pathname.startsWith("/ops") ? operator.fetch(request, env as never, ctx) : app.fetch(request, env as TestEnv, ctx),
} satisfies ExportedHandler;
export { ClockLab, TimeAgentDO } from "./time-worker";
