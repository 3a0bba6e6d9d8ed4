import type { z } from "zod";
import { KIND_PATTERN, MAX_KIND_LENGTH, pascalCase, suggest } from "./names.ts";
import type { SpecDocument, SpecError } from "./read.ts";
import { payloadSchema, specFile, type JsonValue, type PayloadSchema, type SchemaOrRef, type SpecFile } from "./spec-format.ts";

export interface CheckedSpec {
  readonly file: string;
  /** The spec's text: what everything generated from it depends on. */
  readonly source: string;
  readonly spec: SpecFile;
  readonly locate: SpecDocument["locate"];
}

const SCHEMA_KEYWORDS = Object.keys((payloadSchema as unknown as { shape: object }).shape);
const REF_BUILTINS = ["intent", "outcome", "progress"];

/**
 * Stage 2: documents → typed specs. Every error is collected, each with its
 * `file:line:col`, what was expected, and a suggestion when a typo is likely.
 */
export function checkSpecs(documents: readonly SpecDocument[]): { specs: CheckedSpec[]; errors: SpecError[] } {
  const errors: SpecError[] = [];
  const specs: CheckedSpec[] = [];
  for (const document of documents) {
    const result = checkDocument(document);
    errors.push(...result.errors);
    if (result.checked) specs.push(result.checked);
  }
  errors.push(...checkAcrossFiles(specs));
  errors.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.col - b.col);
  return { specs, errors };
}

// A document is immutable, and `--watch` hands back the same one while its file is unchanged.
const checkedDocuments = new WeakMap<SpecDocument, { checked: CheckedSpec | null; errors: SpecError[] }>();

/** What one file says on its own; `checkAcrossFiles` does the rest. */
function checkDocument(document: SpecDocument): { checked: CheckedSpec | null; errors: SpecError[] } {
  const known = checkedDocuments.get(document);
  if (known) return known;
  const parsed = specFile.safeParse(document.doc.toJS());
  let result: { checked: CheckedSpec | null; errors: SpecError[] };
  if (parsed.success) {
    const checked = { file: document.file, source: document.source, spec: parsed.data, locate: document.locate };
    result = { checked, errors: checkSemantics(checked) };
  } else {
    result = { checked: null, errors: parsed.error.issues.flatMap((issue) => describeIssue(document, issue)) };
  }
  checkedDocuments.set(document, result);
  return result;
}

function describeIssue(document: SpecDocument, issue: z.core.$ZodIssue): SpecError[] {
  const path = issue.path as PropertyKey[];
  const where = (p: readonly PropertyKey[], at?: "key" | "value") => ({ file: document.file, ...document.locate(p, at) });
  if (issue.code === "unrecognized_keys") {
    const inSchema = isSchemaPath(path);
    const known = inSchema ? SCHEMA_KEYWORDS : knownFields(path);
    return issue.keys.map((key) => {
      const hint = suggest(key, known);
      const what = inSchema ? `unknown schema keyword "${key}"` : `unknown field "${key}"`;
      return {
        ...where([...path, key], "key"),
        message: `${what}; expected one of ${known.join(", ")}${hint ? `. Did you mean "${hint}"?` : ""}`,
      };
    });
  }
  const field = path.length > 0 ? `${path.map(String).join(".")}: ` : "";
  const message = issue.message.replace(/^Invalid input: /, "").replace(/^Invalid option: /, "");
  return [{ ...where(path), message: `${field}${message}` }];
}

function isSchemaPath(path: readonly PropertyKey[]): boolean {
  const schemaFields = ["intent", "outcome", "progress", "payload", "start", "output", "result"];
  return path[0] === "schemas" || path.some((segment) => typeof segment === "string" && schemaFields.includes(segment));
}

function knownFields(path: readonly PropertyKey[]): string[] {
  if (path.length === 0) return ["schemas", "triggers", "streams"];
  if (path[0] === "streams" && path.length === 2) {
    return ["kind", "mode", "cancellation", "onDetach", "description", "start", "progress", "output", "result", "events"];
  }
  if (path[0] === "triggers" && path.length === 2) {
    return ["kind", "intentEventKind", "cancellation", "description", "acquireDeadlineMs", "concurrency", "retry", "dropIntentsBefore", "intent", "outcome", "progress", "events"];
  }
  if (path.at(-1) === "retry") return ["maxAttempts", "backoffMs", "maxBackoffMs"];
  if (path.at(-2) === "events") return ["payload", "description"];
  return [];
}

/** What zod cannot say: kind spelling, references, `required` names, regexes, defaults that fit. */
function checkSemantics({ file, spec, locate }: CheckedSpec): SpecError[] {
  const errors: SpecError[] = [];
  const at = (path: readonly PropertyKey[], message: string, key?: "key") => errors.push({ file, ...locate(path, key), message });
  const where = (path: readonly PropertyKey[]) => {
    const { line, col } = locate(path);
    return `${file}:${line}:${col}`;
  };
  const named = Object.keys(spec.schemas ?? {});

  Object.entries(spec.schemas ?? {}).forEach(([name, schema], index) => {
    if (!/^[A-Za-z][A-Za-z0-9]*$/.test(name)) at(["schemas", name], `schema name "${name}" must be letters and digits, starting with a letter`, "key");
    if (REF_BUILTINS.includes(name)) at(["schemas", name], `schema name "${name}" is reserved for the trigger's own ${name} schema`, "key");
    // Each is a constant in the generated module: naming one declared below would read it before it exists.
    walkSchema(schema, ["schemas", name], { at, where, refs: named.slice(0, index), builtins: [], below: named.slice(index) });
  });
  (spec.streams ?? []).forEach((stream, index) => {
    const base = ["streams", index];
    if (!KIND_PATTERN.test(stream.kind)) at([...base, "kind"], `kind ${JSON.stringify(stream.kind)} must be words of letters and digits joined by ".", "_", ":" or "-"`);
    if (stream.kind.length > MAX_KIND_LENGTH) at([...base, "kind"], tooLong("stream kind", stream.kind));
    const builtins = ["start", "result", ...(stream.progress ? ["progress"] : []), ...(stream.output ? ["output"] : [])];
    for (const field of ["start", "progress", "output", "result"] as const) {
      const schema = stream[field];
      if (schema !== undefined) walkSchema(schema, [...base, field], { at, where, refs: named, builtins: field === "start" ? [] : ["start"] });
    }
    for (const [eventKind, event] of Object.entries(stream.events)) {
      if (!KIND_PATTERN.test(eventKind)) at([...base, "events", eventKind], `event kind ${JSON.stringify(eventKind)} must be words of letters and digits joined by ".", "_", ":" or "-"`, "key");
      walkSchema(event.payload, [...base, "events", eventKind, "payload"], { at, where, refs: named, builtins });
    }
  });
  (spec.triggers ?? []).forEach((trigger, index) => {
    const base = ["triggers", index];
    for (const field of ["kind", "intentEventKind"] as const) {
      if (!KIND_PATTERN.test(trigger[field])) {
        at([...base, field], `${field} ${JSON.stringify(trigger[field])} must be words of letters and digits joined by ".", "_", ":" or "-" (like "tutorial.cancelable")`);
      }
    }
    if (trigger.kind.length > MAX_KIND_LENGTH) at([...base, "kind"], tooLong("kind", trigger.kind));
    const builtins = trigger.progress === undefined ? ["intent", "outcome"] : REF_BUILTINS;
    walkSchema(trigger.intent, [...base, "intent"], { at, where, refs: named, builtins: [] });
    walkSchema(trigger.outcome, [...base, "outcome"], { at, where, refs: named, builtins: ["intent"] });
    if (trigger.progress !== undefined) walkSchema(trigger.progress, [...base, "progress"], { at, where, refs: named, builtins: ["intent", "outcome"] });
    for (const [eventKind, event] of Object.entries(trigger.events)) {
      if (!KIND_PATTERN.test(eventKind)) at([...base, "events", eventKind], `event kind ${JSON.stringify(eventKind)} must be words of letters and digits joined by ".", "_", ":" or "-"`, "key");
      if (eventKind === trigger.intentEventKind) at([...base, "events", eventKind], `event "${eventKind}" is the trigger's intentEventKind; the runtime writes it`, "key");
      walkSchema(event.payload, [...base, "events", eventKind, "payload"], { at, where, refs: named, builtins });
    }
  });
  return errors;
}

const tooLong = (what: string, kind: string) =>
  `${what} ${JSON.stringify(kind)} is ${kind.length} characters long; a kind names its handler file, so it is at most ${MAX_KIND_LENGTH}`;

interface Walk {
  at: (path: readonly PropertyKey[], message: string, key?: "key") => void;
  /** `file:line:col` of a path. */
  where: (path: readonly PropertyKey[]) => string;
  refs: readonly string[];
  builtins: readonly string[];
  /** Shared schemas this one may not name: itself and those declared after it. */
  below?: readonly string[];
}

function walkSchema(schema: SchemaOrRef, path: readonly PropertyKey[], walk: Walk): void {
  if (typeof schema === "string") {
    const candidates = [...walk.builtins, ...walk.refs];
    if (walk.below?.includes(schema)) {
      const problem = schema === walk.below[0] ? `a schema cannot name itself` : `"${schema}" is declared below it`;
      walk.at(path, `${problem}; a shared schema may only name schemas declared above it${candidates.length > 0 ? ` (${candidates.join(", ")})` : ""}`);
    } else if (!candidates.includes(schema)) {
      const hint = suggest(schema, candidates);
      walk.at(path, `"${schema}" names no schema; expected an inline schema or one of ${candidates.join(", ") || "(none declared)"}${hint ? `. Did you mean "${hint}"?` : ""}`);
    }
    return;
  }
  const s: PayloadSchema = schema;
  if (s.pattern !== undefined) {
    try {
      new RegExp(s.pattern, "u");
    } catch (error) {
      walk.at([...path, "pattern"], `pattern is not a valid regular expression: ${(error as Error).message}`);
    }
  }
  // A value listed twice is a slip; equal means equal as JSON, an object's keys in any order.
  const listed = new Map<string, number>();
  s.enum?.forEach((value, index) => {
    const first = listed.get(canonicalJson(value));
    if (first === undefined) listed.set(canonicalJson(value), index);
    else walk.at([...path, "enum", index], `enum value ${JSON.stringify(value)} is already listed at ${walk.where([...path, "enum", first])}`);
  });
  for (const name of s.required ?? []) {
    if (!(s.properties && name in s.properties)) walk.at([...path, "required"], `required names "${name}", which is not under properties`);
  }
  for (const [name, property] of Object.entries(s.properties ?? {})) walkSchema(property, [...path, "properties", name], walk);
  if (s.items !== undefined) walkSchema(s.items, [...path, "items"], walk);
  if (typeof s.additionalProperties === "object" || typeof s.additionalProperties === "string") {
    walkSchema(s.additionalProperties, [...path, "additionalProperties"], walk);
  }
}

/** A JSON value as text, an object's keys sorted: two values are equal when their texts are. */
function canonicalJson(value: JsonValue): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const keys = Object.keys(value).sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key]!)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/** Kinds and intent event kinds are unique across every file; so are the names derived from them. */
function checkAcrossFiles(specs: readonly CheckedSpec[]): SpecError[] {
  const errors: SpecError[] = [];
  const seen = new Map<string, { where: string; what: string }>();
  for (const { file, spec, locate } of specs) {
    for (const claims of claimsOf(spec)) {
      let kindTaken = false;
      for (const { key, what, path } of claims) {
        const position = locate(path);
        const first = seen.get(key);
        if (!first) seen.set(key, { where: `${file}:${position.line}:${position.col}`, what });
        // A kind declared twice makes the same name twice as well: one error says it.
        else if (!(kindTaken && key.startsWith("name:"))) errors.push({ file, ...position, message: `${what} is already declared at ${first.where}` });
        kindTaken ||= first !== undefined && !key.startsWith("name:");
      }
    }
  }
  return errors;
}

/** What each stream and trigger takes for itself across every file: its kinds and the names generated from them. */
function claimsOf(spec: SpecFile): { key: string; what: string; path: PropertyKey[] }[][] {
  const streams = (spec.streams ?? []).map((stream, index) => {
    const path = ["streams", index, "kind"];
    const name = `${pascalCase(stream.kind)}Stream`;
    return [
      { key: `stream:${stream.kind}`, what: `stream kind "${stream.kind}"`, path },
      { key: `name:${name}`, what: `the name ${name} (from stream kind "${stream.kind}")`, path },
    ];
  });
  const triggers = (spec.triggers ?? []).map((trigger, index) => {
    const path = (field: string) => ["triggers", index, field];
    const name = pascalCase(trigger.kind);
    return [
      { key: `kind:${trigger.kind}`, what: `kind "${trigger.kind}"`, path: path("kind") },
      { key: `event:${trigger.intentEventKind}`, what: `intentEventKind "${trigger.intentEventKind}"`, path: path("intentEventKind") },
      { key: `name:${name}`, what: `the name ${name} (from kind "${trigger.kind}")`, path: path("kind") },
    ];
  });
  return [...streams, ...triggers];
}
