import { createHash } from "node:crypto";
import { sortedKeys } from "../runtime/contract/canonical-json.ts";
import { breakingChanges, type Break, type JsonSchema } from "./compat.ts";
import { encodeShared, RecordFormError, sharedDecoder } from "./record-form.ts";

/**
 * The record of every trigger's intent schema versions, committed in the out
 * folder as `intent-versions.json`. Intents are durable: one stored today runs
 * under whatever code is deployed when it fires, so a new version is recorded
 * only when the check finds that every intent stored under the last one still
 * parses, or the spec says stored intents of older versions are dropped.
 */
export const RECORD_FILE = "intent-versions.json";

export interface IntentVersion {
  readonly version: number;
  /** Of the two schemas below, with annotations left out: a description edit is not a new version. */
  readonly hash: string;
  /** What `parseIntent` stored under this version (its output), and what it accepted (its input). */
  readonly stored: JsonSchema;
  readonly accepted: JsonSchema;
  /** Stored intents of every older version are dropped (settle `rejected`), as the spec declared. */
  readonly dropsOlder?: true;
  /** Stored intents of older versions are upgraded to this one by the handlers' `upgradeToV<n>`, as the spec declared. */
  readonly upgradesOlder?: true;
  /**
   * Not released: no deployed code has stored an intent under it yet, so a
   * later run rewrites it in place, whatever the change. Only a record's last
   * version can be one; `trigger-codegen release` (the deploy script's first
   * step) clears the mark, and from then on a breaking change needs a new version.
   */
  readonly draft?: true;
}

/**
 * An event kind's payload as last recorded: facts already in a ledger were
 * written under it, so a change that readers of those facts would refuse is
 * worth a warning.
 */
export interface EventVersion {
  readonly hash: string;
  /** The payload's output schema: what handlers wrote. */
  readonly stored: JsonSchema;
}

export interface VersionRecord {
  /** Trigger kind → its intent's versions, oldest first. */
  readonly intents: Readonly<Record<string, readonly IntentVersion[]>>;
  /** Event kind → its payload as last recorded. */
  readonly events: Readonly<Record<string, EventVersion>>;
}

export interface IntentSchemas {
  readonly kind: string;
  readonly stored: JsonSchema;
  readonly accepted: JsonSchema;
  /** `hashOf(stored, accepted)`, computed once with them. */
  readonly hash: string;
  /** The spec's `dropIntentsBefore`: the version from which stored intents are kept. */
  readonly dropIntentsBefore: number | undefined;
  /** The spec's `upgradeIntentsTo`: the version older stored intents are upgraded to. */
  readonly upgradeIntentsTo?: number | undefined;
}

export interface EventSchemas {
  readonly kind: string;
  /** The trigger or stream that declares it. */
  readonly owner: string;
  readonly stored: JsonSchema;
  readonly accepted: JsonSchema;
  readonly hash: string;
}

export interface Refused {
  readonly kind: string;
  /** The version the change would have made. */
  readonly version: number;
  readonly breaks: readonly Break[];
  /** The spec declares both a drop and an upgrade for this version. */
  readonly conflict?: true;
}

/**
 * One upgrade the handlers must supply: `upgradeToV<to>`, taking an intent
 * stored under any of `from` and answering one as `target` stores it (or, for
 * the current version, one its parser accepts).
 */
export interface UpgradeStep {
  readonly to: number;
  /** The versions whose stored intents reach this step, oldest first. */
  readonly from: readonly IntentVersion[];
  readonly target: IntentVersion;
  readonly toCurrent: boolean;
}

/** An event payload changed so that facts already written under the last recorded one would no longer parse. */
export interface EventWarning {
  readonly kind: string;
  readonly owner: string;
  readonly breaks: readonly Break[];
}

export interface VersionPlan {
  readonly record: VersionRecord;
  /** Each declared trigger's current version. */
  readonly current: ReadonlyMap<string, number>;
  /** For triggers whose record drops older intents: the version stored intents must be at least. */
  readonly droppedBefore: ReadonlyMap<string, number>;
  /** For triggers whose stored intents cross an upgrade: the steps, in order (only those after the last drop). */
  readonly upgrades: ReadonlyMap<string, readonly UpgradeStep[]>;
  readonly refused: readonly Refused[];
  readonly eventWarnings: readonly EventWarning[];
}

/**
 * The record after this run: unchanged schemas keep their version; a draft
 * (the last version, not released) is rewritten in place, or dropped when the
 * schema is back to the released one; compatible changes, declared drops and
 * declared upgrades after a released version add a draft one; other breaking
 * changes are refused. Kinds no spec declares any more keep their history.
 *
 * Compatible means: every intent that can reach the new version without an
 * upgrade still parses. Those are the intents stored since the last drop or
 * upgrade (and what that upgrade answered), so the new schema is checked
 * against each of those versions' stored schemas, not only the last: that is
 * what lets the runtime pass such intents on unchanged. A draft stored none,
 * so it is checked against the released versions alone.
 */
export function planVersions(
  previous: VersionRecord,
  intents: readonly IntentSchemas[],
  events: readonly EventSchemas[] = [],
): VersionPlan {
  const record: Record<string, readonly IntentVersion[]> = { ...previous.intents };
  const current = new Map<string, number>();
  const refused: Refused[] = [];
  for (const { kind, stored, accepted, hash, dropIntentsBefore, upgradeIntentsTo } of intents) {
    const all = previous.intents[kind] ?? [];
    const draft = all.at(-1)?.draft ? all.at(-1) : undefined;
    const versions = draft ? all.slice(0, -1) : all;
    const last = versions.at(-1);
    if (last?.hash === hash) {
      if (draft) record[kind] = versions;
      current.set(kind, last.version);
      continue;
    }
    const version = (last?.version ?? 0) + 1;
    const upgrades = last !== undefined && upgradeIntentsTo === version;
    const breaks = last === undefined || upgrades ? [] : breaksSince(versions, accepted);
    const drops = breaks.length > 0 && dropIntentsBefore === version;
    if ((breaks.length > 0 && !drops) || (upgrades && dropIntentsBefore === version)) {
      refused.push({ kind, version, breaks, ...(upgrades ? { conflict: true as const } : {}) });
      if (last) current.set(kind, last.version);
      continue;
    }
    const marks = drops ? { dropsOlder: true as const } : upgrades ? { upgradesOlder: true as const } : {};
    const entry =
      draft?.hash === hash && Boolean(draft.dropsOlder) === drops && Boolean(draft.upgradesOlder) === upgrades
        ? draft
        : canonical({ version, hash, stored, accepted, ...marks, draft: true as const });
    record[kind] = [...versions, entry];
    current.set(kind, version);
  }
  const droppedBefore = new Map<string, number>();
  const upgrades = new Map<string, UpgradeStep[]>();
  for (const [kind, version] of current) {
    const versions = record[kind]!.slice(0, version);
    const drop = versions.findLast((v) => v.dropsOlder);
    if (drop) droppedBefore.set(kind, drop.version);
    const steps = upgradeSteps(versions.slice((drop?.version ?? 1) - 1), version);
    if (steps.length > 0) upgrades.set(kind, steps);
  }
  const { events: recordedEvents, warnings } = planEvents(previous.events, events);
  return { record: { intents: record, events: recordedEvents }, current, droppedBefore, upgrades, refused, eventWarnings: warnings };
}

/** The ways `accepted` refuses intents that reach it unchanged: of the latest version since the last drop or upgrade that has any. */
function breaksSince(versions: readonly IntentVersion[], accepted: JsonSchema): Break[] {
  for (let i = versions.length - 1; i >= 0; i--) {
    const breaks = breakingChanges(versions[i]!.stored, accepted);
    if (breaks.length > 0) return breaks;
    if (versions[i]!.dropsOlder || versions[i]!.upgradesOlder) break;
  }
  return [];
}

/** The upgrades among `versions` (the kept ones, oldest first), each with the versions whose intents it takes. */
function upgradeSteps(versions: readonly IntentVersion[], current: number): UpgradeStep[] {
  const steps: UpgradeStep[] = [];
  let from: IntentVersion[] = [];
  for (const version of versions) {
    if (version.upgradesOlder && from.length > 0) {
      steps.push({ to: version.version, from, target: version, toCurrent: version.version === current });
      from = [];
    }
    from.push(version);
  }
  return steps;
}

/** Every declared event's payload recorded as it now is; a change that breaks facts already written is a warning. */
function planEvents(
  previous: VersionRecord["events"],
  events: readonly EventSchemas[],
): { events: Record<string, EventVersion>; warnings: EventWarning[] } {
  const recorded: Record<string, EventVersion> = { ...previous };
  const warnings: EventWarning[] = [];
  for (const { kind, owner, stored, accepted, hash } of events) {
    const last = previous[kind];
    if (last?.hash === hash) continue;
    const breaks = last === undefined ? [] : breakingChanges(last.stored, accepted);
    if (breaks.length > 0) warnings.push({ kind, owner, breaks });
    recorded[kind] = { hash, stored: canonical(stored) };
  }
  return { events: recorded, warnings };
}

/**
 * The record as committed: sorted keys, two-space JSON, so that it diffs well and is the same every
 * run, each large schema subtree stored once in `shared` (`record-form.ts`), its entries sorted by
 * id. Every entry is canonical when it is made, and one read back was written canonical, so only
 * the kinds need sorting here: canonicalizing the whole record again was most of a `--watch`
 * run's time at 1 000 triggers. A schema's form is kept per object, so only new ones are encoded.
 */
export function renderRecord(record: VersionRecord): string {
  const table = new Map<string, unknown>();
  const byKind = <T>(entries: Readonly<Record<string, T>>, form: (entry: T) => T) =>
    Object.fromEntries(
      Object.keys(entries)
        .sort()
        .map((kind) => [kind, form(entries[kind]!)]),
    );
  const events = byKind(record.events, (event) => ({ ...event, stored: encodeShared(event.stored, table) as JsonSchema }));
  const intents = byKind(record.intents, (versions) =>
    versions.map((v) => ({
      ...v,
      stored: encodeShared(v.stored, table) as JsonSchema,
      accepted: encodeShared(v.accepted, table) as JsonSchema,
    })),
  );
  const shared = Object.fromEntries([...table].sort(([a], [b]) => (a < b ? -1 : 1)));
  return `${JSON.stringify({ events, intents, shared }, null, 2)}\n`;
}

/** A version `release` marked released, or `release --undo` made a draft again. */
export interface Released {
  readonly kind: string;
  readonly version: number;
}

/** Every draft released: what the deploy about to run will store intents under. */
export function releaseRecord(record: VersionRecord): { record: VersionRecord; released: Released[] } {
  const released: Released[] = [];
  const intents = Object.fromEntries(
    Object.entries(record.intents).map(([kind, versions]) => {
      const last = versions.at(-1);
      if (!last?.draft) return [kind, versions];
      released.push({ kind, version: last.version });
      const { draft: _, ...kept } = last;
      return [kind, [...versions.slice(0, -1), kept]];
    }),
  );
  return { record: { ...record, intents }, released };
}

/**
 * A kind's last version made a draft again, for a release that never
 * shipped: no intent was stored under it, so it may change freely. An error
 * says why not (no such kind, or it is a draft already).
 */
export function unreleaseRecord(record: VersionRecord, kind: string): { record: VersionRecord; unreleased: Released } | string {
  const versions = record.intents[kind];
  const last = versions?.at(-1);
  if (!versions || !last) return `no trigger "${kind}" in the record`;
  if (last.draft) return `version ${last.version} of "${kind}" is a draft already`;
  const intents = { ...record.intents, [kind]: [...versions.slice(0, -1), canonical({ ...last, draft: true as const })] };
  return { record: { ...record, intents }, unreleased: { kind, version: last.version } };
}

const EMPTY: VersionRecord = { intents: {}, events: {} };

/**
 * The committed record, or an empty one; a record that is not one is an
 * error, since guessing would lose history. Two forms are read alike: with a
 * `shared` table (what `renderRecord` writes), its markers resolved, and
 * without (every record written before it, its schemas inline, taken as they
 * are). The first layout (trigger kind → versions, before event payloads were
 * recorded) is read as the intents.
 */
export function parseRecord(text: string | null): VersionRecord | string {
  if (text === null) return EMPTY;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return `not JSON: ${(error as Error).message}`;
  }
  const isObject = (value: unknown): value is Record<string, unknown> =>
    typeof value === "object" && value !== null && !Array.isArray(value);
  const intentsOk = (value: unknown) =>
    isObject(value) &&
    Object.values(value).every(
      (versions) =>
        Array.isArray(versions) &&
        versions.every(
          (v: Partial<IntentVersion>, i) =>
            v.version === i + 1 && typeof v.hash === "string" && v.stored !== undefined && v.accepted !== undefined,
        ),
    );
  const eventsOk = (value: unknown) =>
    isObject(value) && Object.values(value).every((v) => isObject(v) && typeof v["hash"] === "string" && v["stored"] !== undefined);
  const shared = isObject(json) ? json["shared"] : undefined;
  if (isObject(json) && isObject(json["intents"]) && intentsOk(json["intents"]) && eventsOk(json["events"] ?? {})) {
    const record = { intents: json["intents"] as VersionRecord["intents"], events: (json["events"] ?? {}) as VersionRecord["events"] };
    if (shared === undefined) return record;
    if (isObject(shared)) return inline(record, shared);
  }
  if (intentsOk(json)) return { intents: json as VersionRecord["intents"], events: {} };
  return "not a record of intent versions ({ intents: each kind a list of { version, hash, stored, accepted }, numbered from 1; events: each kind { hash, stored }; shared: id → schema })";
}

/** A record of the shared form with every schema inline again (each entry one object, frozen, wherever it is named). */
function inline(record: VersionRecord, shared: Readonly<Record<string, unknown>>): VersionRecord | string {
  const decode = sharedDecoder(shared);
  const schema = (value: JsonSchema) => decode(value) as JsonSchema;
  try {
    return {
      intents: Object.fromEntries(
        Object.entries(record.intents).map(([kind, versions]) => [
          kind,
          versions.map((v) => ({ ...v, stored: schema(v.stored), accepted: schema(v.accepted) })),
        ]),
      ),
      events: Object.fromEntries(Object.entries(record.events).map(([kind, event]) => [kind, { ...event, stored: schema(event.stored) }])),
    };
  } catch (error) {
    if (error instanceof RecordFormError) return `not a record of intent versions: ${error.message}`;
    throw error;
  }
}

/** Keywords that describe without constraining: editing them is not a new version. */
const ANNOTATIONS = new Set(["description", "title", "examples", "deprecated", "$comment", "$schema"]);

/** What identifies a version: both schemas, annotations left out, keys in order. */
export function hashOf(stored: JsonSchema, accepted: JsonSchema): string {
  const text = JSON.stringify(canonical({ stored: withoutAnnotations(stored), accepted: withoutAnnotations(accepted) }));
  return `sha256:${createHash("sha256").update(text).digest("hex").slice(0, 32)}`;
}

function withoutAnnotations(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutAnnotations);
  if (typeof value !== "object" || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => !ANNOTATIONS.has(key) && !key.startsWith("x-"))
      .map(([key, child]) => [key, withoutAnnotations(child)]),
  );
}

/** Sorted keys, without `$schema` (at any depth): the dialect a schema names is not part of its shape. */
function canonical<T>(value: T): T {
  return sortedKeys(value, NOT_SHAPE);
}

const NOT_SHAPE: ReadonlySet<string> = new Set(["$schema"]);
