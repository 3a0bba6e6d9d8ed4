import { createHash } from "node:crypto";
import { breakingChanges, type Break, type JsonSchema } from "./compat.ts";

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
}

/** Trigger kind → its versions, oldest first. */
export type VersionRecord = Readonly<Record<string, readonly IntentVersion[]>>;

export interface IntentSchemas {
  readonly kind: string;
  readonly stored: JsonSchema;
  readonly accepted: JsonSchema;
  /** `hashOf(stored, accepted)`, computed once with them. */
  readonly hash: string;
  /** The spec's `dropIntentsBefore`: the version from which stored intents are kept. */
  readonly dropIntentsBefore: number | undefined;
}

export interface Refused {
  readonly kind: string;
  /** The version the change would have made. */
  readonly version: number;
  readonly breaks: readonly Break[];
}

export interface VersionPlan {
  readonly record: VersionRecord;
  /** Each declared trigger's current version. */
  readonly current: ReadonlyMap<string, number>;
  /** For triggers whose record drops older intents: the version stored intents must be at least. */
  readonly droppedBefore: ReadonlyMap<string, number>;
  readonly refused: readonly Refused[];
}

/**
 * The record after this run: unchanged schemas keep their version, compatible
 * changes and declared drops add one, breaking changes are refused. Kinds no
 * spec declares any more keep their history.
 */
export function planVersions(previous: VersionRecord, intents: readonly IntentSchemas[]): VersionPlan {
  const record: Record<string, readonly IntentVersion[]> = { ...previous };
  const current = new Map<string, number>();
  const refused: Refused[] = [];
  for (const { kind, stored, accepted, hash, dropIntentsBefore } of intents) {
    const versions = previous[kind] ?? [];
    const last = versions.at(-1);
    if (last?.hash === hash) {
      current.set(kind, last.version);
      continue;
    }
    const version = (last?.version ?? 0) + 1;
    const breaks = last === undefined ? [] : breakingChanges(last.stored, accepted);
    const drops = breaks.length > 0 && dropIntentsBefore === version;
    if (breaks.length > 0 && !drops) {
      refused.push({ kind, version, breaks });
      if (last) current.set(kind, last.version);
      continue;
    }
    record[kind] = [...versions, { version, hash, stored: canonical(stored), accepted: canonical(accepted), ...(drops ? { dropsOlder: true as const } : {}) }];
    current.set(kind, version);
  }
  const droppedBefore = new Map<string, number>();
  for (const kind of current.keys()) {
    const drop = record[kind]?.findLast((version) => version.dropsOlder);
    if (drop) droppedBefore.set(kind, drop.version);
  }
  return { record, current, droppedBefore, refused };
}

/** The record as committed: sorted keys, two-space JSON, so that it diffs well and is the same every run. */
export function renderRecord(record: VersionRecord): string {
  return `${JSON.stringify(canonical(record), null, 2)}\n`;
}

/** The committed record, or an empty one; a record that is not one is an error, since guessing would lose history. */
export function parseRecord(text: string | null): VersionRecord | string {
  if (text === null) return {};
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return `not JSON: ${(error as Error).message}`;
  }
  const ok =
    typeof json === "object" &&
    json !== null &&
    !Array.isArray(json) &&
    Object.values(json).every(
      (versions) =>
        Array.isArray(versions) &&
        versions.every((v: Partial<IntentVersion>, i) => v.version === i + 1 && typeof v.hash === "string" && v.stored !== undefined && v.accepted !== undefined),
    );
  return ok ? (json as VersionRecord) : "not a record of intent versions (each kind a list of { version, hash, stored, accepted }, numbered from 1)";
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

function canonical<T>(value: T): T {
  if (Array.isArray(value)) return value.map(canonical) as T;
  if (typeof value !== "object" || value === null) return value;
  const { $schema: _, ...rest } = value as Record<string, unknown>;
  return Object.fromEntries(
    Object.keys(rest)
      .sort()
      .map((key) => [key, canonical(rest[key])]),
  ) as T;
}
