import { createHash } from "node:crypto";

/**
 * How the version record stores its JSON Schemas: each large subtree once.
 * zod inlines a shared schema at every use, and the record keeps every
 * version of every intent, so the same subtrees recur thousands of times
 * (Stripe's `invoice` spec: 2.6 MB inline; 1 000 similar triggers: 14.5 MB).
 *
 * The rule is local and purely from content: every object whose compact JSON,
 * fully inline, is at least `SHARED_AT` characters long is stored once, in the
 * record's top-level `shared` table, under an id, and `{ "$shared": "<id>" }`
 * stands at each place it occurs. Table entries hold markers for their own large
 * children, so an id is a hash over its children's ids (a Merkle tree): equal
 * content, equal id, whatever else is in the record. Being local, a value's
 * form depends on nothing around it, so it is computed once per object and
 * kept (`encoded`): a run re-encodes only the schemas it changed, and a record
 * read back shares one object per id, so it costs the table's size, not the
 * inline size. (A global rule, "occurs twice", would read better for a
 * one-off schema but must be recounted over the whole record every run.)
 *
 * Unambiguous: a genuine object with a single key `$shared` or `$literal`
 * (a `const`, `default` or `enum` value, a property so named) is written as
 * `{ "$literal": { … } }`, its own keys taken as they are and its values
 * encoded as any other.
 */
export const SHARED_AT = 128;

const MARKER = "$shared";
const LITERAL = "$literal";
/** Hex digits of an id: 64 bits of SHA-256, plenty for the thousands of entries a record holds. */
const ID_LENGTH = 16;

/** A table entry: its id, its value as written (markers inside), and the entries that value names. */
interface Entry {
  readonly id: string;
  readonly body: unknown;
  readonly refs: readonly Entry[];
}

interface Encoded {
  /** What stands in the value's place: a marker, or the value with markers inside. */
  readonly value: unknown;
  /** The length of the value's compact JSON, fully inline (what `SHARED_AT` is compared with). */
  readonly length: number;
  /** The entries `value` names (none for a small value: a value holding an entry is large itself). */
  readonly refs: readonly Entry[];
}

const NONE: readonly Entry[] = [];
const encoded = new WeakMap<object, Encoded>();

/** `value` in the record's form, and the table entries it needs, added to `table` (with the ones they need). */
export function encodeShared(value: unknown, table: Map<string, unknown>): unknown {
  const { value: form, refs } = encode(value);
  const add = (entries: readonly Entry[]) => {
    for (const entry of entries)
      if (!table.has(entry.id)) {
        table.set(entry.id, entry.body);
        add(entry.refs);
      }
  };
  add(refs);
  return form;
}

function encode(value: unknown): Encoded {
  if (typeof value !== "object" || value === null) return { value, length: (JSON.stringify(value) ?? "null").length, refs: NONE };
  const known = encoded.get(value);
  if (known) return known;
  // Plain loops: on a record read back this runs once per distinct object of the table, each run.
  let length = 1;
  let refs: Entry[] | undefined;
  let result: Encoded;
  if (Array.isArray(value)) {
    const items: unknown[] = [];
    for (const item of value) {
      const child = encode(item);
      items.push(child.value);
      length += child.length + 1;
      if (child.refs.length > 0) (refs ??= []).push(...child.refs);
    }
    result = { value: items, length: Math.max(length, 2), refs: refs ?? NONE };
  } else {
    // No prototype, so that a key "__proto__" is a key like any other.
    const own: Record<string, unknown> = Object.create(null);
    let keys = 0;
    let only: string | undefined;
    for (const key of Object.keys(value)) {
      const item = (value as Record<string, unknown>)[key];
      if (item === undefined) continue;
      const child = encode(item);
      own[key] = child.value;
      length += keyLength(key) + child.length + 2;
      if (child.refs.length > 0) (refs ??= []).push(...child.refs);
      keys++;
      only = key;
    }
    length = Math.max(length, 2);
    const body = keys === 1 && (only === MARKER || only === LITERAL) ? { [LITERAL]: own } : own;
    if (length >= SHARED_AT) {
      const id = createHash("sha256").update(JSON.stringify(body)).digest("hex").slice(0, ID_LENGTH);
      result = { value: { [MARKER]: id }, length, refs: [{ id, body, refs: refs ?? NONE }] };
    } else result = { value: body, length, refs: refs ?? NONE };
  }
  encoded.set(value, result);
  return result;
}

/** The length of a key as JSON: quoted, escapes counted. */
function keyLength(key: string): number {
  return /^[\w$@#/.:-]*$/.test(key) ? key.length + 2 : JSON.stringify(key).length;
}

/** A value of the record's form made inline again, or why it cannot be; each entry is decoded once and shared, frozen. */
export function sharedDecoder(table: Readonly<Record<string, unknown>>): (value: unknown) => unknown {
  const done = new Map<string, unknown>();
  const open = new Set<string>();
  const decode = (value: unknown): unknown => {
    if (typeof value !== "object" || value === null) return value;
    if (Array.isArray(value)) return Object.freeze(value.map(decode));
    const keys = Object.keys(value);
    const only = keys.length === 1 ? keys[0] : undefined;
    if (only === MARKER) return entry((value as Record<string, unknown>)[MARKER]);
    const own = only === LITERAL ? (value as Record<string, unknown>)[LITERAL] : value;
    if (typeof own !== "object" || own === null || Array.isArray(own)) throw new RecordFormError(`"${LITERAL}" holds no object`);
    return Object.freeze(Object.fromEntries(Object.entries(own).map(([key, child]) => [key, decode(child)])));
  };
  const entry = (id: unknown): unknown => {
    if (typeof id !== "string" || !Object.hasOwn(table, id))
      throw new RecordFormError(`${JSON.stringify({ [MARKER]: id })} names no entry of "shared"`);
    if (done.has(id)) return done.get(id);
    if (open.has(id)) throw new RecordFormError(`the entry "${id}" of "shared" contains itself`);
    open.add(id);
    const value = decode(table[id]);
    open.delete(id);
    done.set(id, value);
    return value;
  };
  return decode;
}

/** A record of the shared form that does not hold together. */
export class RecordFormError extends Error {}
