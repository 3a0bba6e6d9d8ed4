import { createHash } from "node:crypto";

/**
 * How the version record stores its JSON Schemas: each large subtree once.
 * zod inlines a shared schema at every use, and the record keeps every
 * version of every intent, so the same subtrees recur thousands of times
 * (Stripe's `invoice` spec: 10.9 MB inline; 1 000 similar triggers: 14.5 MB).
 *
 * The rule is local and purely from content: every object whose compact JSON,
 * fully inline, is at least `SHARED_AT` characters long is stored once, in the
 * record's top-level `shared` table, under an id, and `{ "$shared": "<id>" }`
 * stands at each place it occurs. Table entries hold markers for their own large
 * children, so an id is a hash over its children's ids (a Merkle tree): equal
 * content, equal id, whatever else is in the record. Being local, a value's
 * form depends on nothing around it, so a large value's is computed once per
 * object and kept (`encoded`): a run re-encodes only the schemas it changed, and a record
 * read back shares one object per id, so it costs the table's size, not the
 * inline size. (A global rule, "occurs twice", would read better for a
 * one-off schema but must be recounted over the whole record every run.)
 *
 * Unambiguous: a genuine object with a single key `$shared` or `$literal`
 * (a `const`, `default` or `enum` value, a property so named) is written as
 * `{ "$literal": { … } }`, its own keys taken as they are and its values
 * encoded as any other.
 */
export const SHARED_AT = 128; // 256 left small payloads inline (1.14 MB, not 0.61, at 1 000 triggers); bench/README.md

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
  if (typeof value !== "object" || value === null) return value;
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

function encode(value: object): Encoded {
  const known = encoded.get(value);
  if (known) return known;
  // Plain loops, and a small value's own object kept as its form: a cold run walks every schema of
  // every trigger here, and copying each (0.5 million values at 1 000 triggers) was most of its cost.
  const array = Array.isArray(value) ? (value as unknown[]) : undefined;
  const keys = array ? undefined : Object.keys(value);
  const count = array ? array.length : keys!.length;
  let forms: unknown[] | undefined; // made when a child's form first differs from the child
  let length = 1;
  let kept = 0;
  let refs: Entry[] | undefined;
  for (let i = 0; i < count; i++) {
    const key = keys?.[i];
    const item = array ? array[i] : (value as Record<string, unknown>)[key!];
    let form: unknown = item;
    if (typeof item === "object" && item !== null) {
      const child = encode(item);
      form = child.value;
      length += child.length;
      if (child.refs.length > 0) (refs ??= []).push(...child.refs);
    } else if (item === undefined && key !== undefined)
      form = undefined; // JSON leaves the key out
    else length += scalarLength(item);
    if (form !== item || (item === undefined && key !== undefined)) forms ??= childrenBefore(value, keys, i);
    forms?.push(form);
    if (form === undefined && key !== undefined) continue;
    length += key === undefined ? 1 : keyLength(key) + 2;
    kept++;
  }
  length = Math.max(length, 2);
  let form: unknown = value;
  if (array) form = forms ?? value;
  else if (forms) {
    const own: Record<string, unknown> = {};
    for (let i = 0; i < count; i++)
      if (forms[i] !== undefined)
        Object.defineProperty(own, keys![i]!, { value: forms[i], enumerable: true, writable: true, configurable: true });
    form = own;
  }
  if (!array && kept === 1) {
    const only = Object.keys(form as object)[0];
    if (only === MARKER || only === LITERAL) form = { [LITERAL]: form };
  }
  let result: Encoded;
  if (!array && length >= SHARED_AT) {
    const id = createHash("sha256").update(JSON.stringify(form)).digest("hex").slice(0, ID_LENGTH);
    result = { value: { [MARKER]: id }, length, refs: [{ id, body: form, refs: refs ?? NONE }] };
  } else result = { value: form, length, refs: refs ?? NONE };
  // Only large values are met again (an entry named at many places); a small one is reached once per walk of its parent.
  if (length >= SHARED_AT) encoded.set(value, result);
  return result;
}

/** The children of `value` before the `end`th, as they are. */
function childrenBefore(value: object, keys: readonly string[] | undefined, end: number): unknown[] {
  return keys ? keys.slice(0, end).map((key) => (value as Record<string, unknown>)[key]) : (value as unknown[]).slice(0, end);
}

/** The length of a scalar as JSON (what JSON writes as null for a number it cannot write). */
function scalarLength(value: unknown): number {
  if (typeof value === "string") return JSON.stringify(value).length;
  if (typeof value === "number") return Number.isFinite(value) ? String(value).length : 4;
  return value === false ? 5 : 4;
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
