import type { z } from "zod";
import { canonicalJson } from "../runtime/contract/canonical-json.ts";
import { noMemo, type Memo } from "./cache.ts";
import { checkEvents } from "./check-events.ts";
import { checkTime } from "./check-time.ts";
import type { CheckedSpec } from "./checked-spec.ts";
import { declaredEventNames, KIND_PATTERN, MAX_KIND_LENGTH, pascalCase, RUNTIME_EVENT_PREFIX, suggest } from "./names.ts";
import { quoted } from "./quoted.ts";
import { inlinePointers } from "./pointers.ts";
import { formatError, type SpecDocument, type SpecError } from "./read.ts";
import {
  declaredEventSpec,
  isIgnoredKey,
  UNSUPPORTED_KEYWORDS,
  KNOWN_FORMATS,
  payloadKeywords,
  payloadSchema,
  SCHEMA_TYPES,
  schemaOrRef,
  specFile,
  streamSpec,
  subschemas,
  triggerSpec,
  type PayloadSchema,
  type SchemaOrRef,
  type SpecFile,
} from "./spec-format.ts";
import { ANNOTATIONS, discriminates, isNull, REF_PREFIXES, referenceOf, refName, tagValues } from "./zod-ir.ts";

const SCHEMA_KEYWORDS = Object.keys(payloadKeywords.shape);
const REF_BUILTINS = ["intent", "outcome", "progress"];
/** What a generated module imports by name, which a shared schema's type may not take. */
const RESERVED_TYPES = [
  "JsonValue",
  "JsonObject",
  "DurableTrigger",
  "FollowUp",
  "FollowUps",
  "ParseResult",
  "AttachedStream",
  "StartParseResult",
  "DeclaredEvent",
  "PayloadParseResult",
];

/**
 * Stage 2: documents → typed specs. Every error is collected, each with its
 * `file:line:col`, what was expected, and a suggestion when a typo is likely.
 */
export function checkSpecs(
  documents: readonly SpecDocument[],
  memo: Memo = noMemo,
): { specs: CheckedSpec[]; errors: SpecError[]; warnings: SpecError[] } {
  const errors: SpecError[] = [];
  const warnings: SpecError[] = [];
  const specs: CheckedSpec[] = [];
  // In file order, so that "already declared at" points at the first file whatever parsed.
  const everyFile: CheckedSpec[] = [];
  for (const document of documents) {
    // A document is a function of its file's path and text and the files it brings in: what one file says on its own depends on them alone.
    const result = memo("check", [document.file, document.source, JSON.stringify(document.referenced ?? {})], () =>
      checkDocument(document),
    );
    errors.push(...result.errors);
    warnings.push(...result.warnings);
    if (result.checked) specs.push(result.checked);
    everyFile.push(result.checked ?? result.salvaged);
  }
  errors.push(...checkAcrossFiles(everyFile));
  // Facts and cancelOn rules name each other across files; an unknown kind is only certain when every file parsed whole.
  errors.push(...checkEvents(everyFile, { complete: specs.length === documents.length }));
  const byPlace = (a: SpecError, b: SpecError) => a.file.localeCompare(b.file) || a.line - b.line || a.col - b.col;
  return { specs, errors: errors.sort(byPlace), warnings: warnings.sort(byPlace) };
}

type DocumentCheck =
  | { readonly checked: CheckedSpec; readonly errors: SpecError[]; readonly warnings: SpecError[] }
  /** A file with structural errors: what of it did parse, checked further so that its other errors show in the same run. */
  | { readonly checked: null; readonly salvaged: CheckedSpec; readonly errors: SpecError[]; readonly warnings: SpecError[] };

/**
 * A checked spec's `source`: its text, or when it brings files in, its text and theirs. Later
 * stages key their memos by it, so an edited brought-in file is never served from an unchanged spec's.
 */
const sourceOf = ({ source, referenced }: SpecDocument): string =>
  referenced === undefined || Object.keys(referenced).length === 0 ? source : JSON.stringify([source, referenced]);

/** What one file says on its own; `checkAcrossFiles` does the rest. */
function checkDocument(document: SpecDocument): DocumentCheck {
  // Pointers into named schemas are replaced by what they point at first: the rest sees inline schemas.
  const pointers = inlinePointers(document.doc.toJS(), document.file, document.referenced ?? {});
  if (pointers.errors.length > 0) {
    const errors = pointers.errors.map(({ path, message }) => ({ file: document.file, ...document.locate(path), message }));
    return {
      checked: null,
      salvaged: { file: document.file, source: sourceOf(document), spec: salvage({}), locate: document.locate },
      errors: [...new Map(errors.map((e) => [formatError(e), e])).values()],
      warnings: [],
    };
  }
  const raw: unknown = pointers.file;
  const parsed = specFile.safeParse(raw);
  const at = (spec: SpecFile): CheckedSpec => ({ file: document.file, source: sourceOf(document), spec, locate: document.locate });
  if (parsed.success) {
    const checked = at(parsed.data);
    const semantics = checkSemantics(checked, document);
    return { checked, errors: [...semantics.errors, ...checkTime(checked)], warnings: semantics.warnings };
  }
  const salvaged = at(salvage(raw));
  const structural = parsed.error.issues.flatMap((issue) => describeIssue(document, issue));
  const semantics = checkSemantics(salvaged, document);
  return { checked: null, salvaged, errors: [...structural, ...semantics.errors, ...checkTime(salvaged)], warnings: semantics.warnings };
}

/**
 * The parts of a file that parse on their own: every shared schema, trigger
 * and stream that is well formed, so that a reference to an unknown schema or
 * a duplicate kind is reported in the same run as a structural error
 * elsewhere, not only once that is fixed. Lists stay sparse, a refused entry
 * a hole, so that every index still points at its node (`forEach`, `flatMap`
 * and `Object.entries` skip holes). A schema that does not parse still counts
 * as declared, so that naming it is not reported as well.
 */
function salvage(raw: unknown): SpecFile {
  const file = isRecord(raw) ? raw : {};
  const entries = <T>(list: unknown, item: z.ZodType<T>): T[] | undefined => {
    if (!Array.isArray(list)) return undefined;
    const kept: T[] = new Array<T>(list.length);
    list.forEach((value, index) => {
      const parsed = item.safeParse(value);
      if (parsed.success) kept[index] = parsed.data;
    });
    return kept;
  };
  const schemas = isRecord(file.schemas)
    ? Object.fromEntries(Object.entries(file.schemas).map(([name, value]) => [name, payloadSchema.safeParse(value).data ?? {}]))
    : undefined;
  // A declared event that does not parse still counts as declared, its payload as any object.
  const events = isRecord(file.events)
    ? Object.fromEntries(
        Object.entries(file.events).map(([kind, value]) => [kind, declaredEventSpec.safeParse(value).data ?? { payload: {} }]),
      )
    : undefined;
  return { schemas, triggers: entries(file.triggers, triggerSpec), streams: entries(file.streams, streamSpec), events };
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

function describeIssue(document: SpecDocument, issue: z.core.$ZodIssue): SpecError[] {
  const path = issue.path as PropertyKey[];
  const where = (p: readonly PropertyKey[], at?: "key" | "value") => ({ file: document.file, ...document.locate(p, at) });
  if (issue.code === "unrecognized_keys") {
    const inSchema = isSchemaPath(path) && path.at(-1) !== "discriminator";
    const known = inSchema ? SCHEMA_KEYWORDS : knownFields(path);
    return issue.keys.map((key) => {
      if (key === "<<")
        return { ...where([...path, key], "key"), message: `YAML merge keys ("<<") are not supported; write the fields out` };
      if (inSchema && (UNSUPPORTED_KEYWORDS as readonly string[]).includes(key)) {
        return {
          ...where([...path, key], "key"),
          message: `schema keyword "${key}" is not supported: ignoring it would accept what the schema refuses; expected one of ${known.join(", ")}`,
        };
      }
      const hint = suggest(key, known);
      const what = inSchema ? `unknown schema keyword "${key}"` : `unknown field "${key}"`;
      return {
        ...where([...path, key], "key"),
        message: `${what}; expected one of ${known.join(", ")}${hint ? `. Did you mean "${hint}"?` : ""}`,
      };
    });
  }
  const field = path.length > 0 ? `${path.map(String).join(".")}: ` : "";
  // A field that is not there is missing, whatever type it would have had: said at its parent.
  if (path.length > 0 && !document.doc.hasIn(path)) {
    return [
      {
        ...where(path.slice(0, -1)),
        message: `${path.slice(0, -1).map(String).join(".")}: missing the required field "${String(path.at(-1))}"`,
      },
    ];
  }
  // A type that is not one: name the types, and the likely one.
  const value: unknown = document.doc.getIn(path);
  if (path.at(-1) === "type" && isSchemaPath(path) && typeof value === "string" && !(SCHEMA_TYPES as readonly string[]).includes(value)) {
    const hint = suggest(value, SCHEMA_TYPES);
    return [
      {
        ...where(path),
        message: `${JSON.stringify(value)} is not a type; expected one of ${SCHEMA_TYPES.join(", ")}${hint ? `. Did you mean "${hint}"?` : ""}`,
      },
    ];
  }
  if (issue.code === "invalid_union" && issue.errors.length > 0) {
    // A schema is a name or an object of keywords, items a schema or a list, …: the alternative that
    // got furthest into the value says what is wrong, where it is; if none got in, say what each wanted.
    const branches = issue.errors.map((issues) =>
      issues.map((inner) => ({ ...inner, path: [...path, ...inner.path] }) as z.core.$ZodIssue),
    );
    const depth = (issues: readonly z.core.$ZodIssue[]) => Math.max(...issues.map((inner) => inner.path.length));
    const best = branches.reduce((a, b) => (depth(b) > depth(a) ? b : a));
    if (depth(best) > path.length) return best.flatMap((inner) => describeIssue(document, inner));
    const wanted = (issues: readonly z.core.$ZodIssue[]): string[] =>
      issues.flatMap((inner) =>
        inner.code === "invalid_union" && inner.errors.length > 0
          ? inner.errors.flatMap(wanted)
          : [inner.message.replace(/^Invalid (input|option): /, "").replace(/, received .*$/, "")],
      );
    return [{ ...where(path), message: `${field}${[...new Set(branches.flatMap(wanted))].join(", or ")}` }];
  }
  const message = issue.message.replace(/^Invalid input: /, "").replace(/^Invalid option: /, "");
  return [{ ...where(path), message: `${field}${message}` }];
}

function isSchemaPath(path: readonly PropertyKey[]): boolean {
  // A schedule's payload is a value, not a schema.
  if (path[0] === "triggers" && path[2] === "schedules") return false;
  return path[0] === "schemas" || path.some((segment) => typeof segment === "string" && SCHEMA_FIELDS.has(segment));
}

/** The fields of a trigger, a stream or an event whose value is a payload schema (`intent`, `start`, `payload`, …), read from the format. */
const SCHEMA_FIELDS = new Set(
  [triggerSpec, streamSpec, formatAt(triggerSpec, ["events", ""])!].flatMap((object) =>
    Object.entries((object._zod.def as z.core.$ZodObjectDef).shape)
      .filter(
        ([, field]) => (field._zod.def.type === "optional" ? (field._zod.def as z.core.$ZodOptionalDef).innerType : field) === schemaOrRef,
      )
      .map(([name]) => name),
  ),
);

/** The fields the format allows where `path` leads: read from the zod schema, so a new field is known here at once. */
function knownFields(path: readonly PropertyKey[]): string[] {
  const node = formatAt(specFile, path);
  return node?._zod.def.type === "object" ? Object.keys((node._zod.def as z.core.$ZodObjectDef).shape) : [];
}

/** The zod schema at `path` in `schema`, through optional fields, lists, records, preprocessing and the branches of a union. */
function formatAt(schema: z.core.$ZodType, path: readonly PropertyKey[]): z.core.$ZodType | undefined {
  const def = schema._zod.def as z.core.$ZodTypeDef & Record<string, unknown>;
  switch (def.type) {
    case "optional":
    case "nullable":
    case "default":
      return formatAt(def["innerType"] as z.core.$ZodType, path);
    case "pipe":
      return formatAt(def["out"] as z.core.$ZodType, path);
    case "lazy":
      return formatAt((def["getter"] as () => z.core.$ZodType)(), path);
    case "union":
      for (const option of def["options"] as z.core.$ZodType[]) {
        const found = formatAt(option, path);
        if (found) return found;
      }
      return undefined;
  }
  if (path.length === 0) return schema;
  const [segment, ...rest] = path;
  if (def.type === "object") {
    const field = (def["shape"] as Record<string, z.core.$ZodType>)[String(segment)];
    return field && formatAt(field, rest);
  }
  if (def.type === "array" && typeof segment === "number") return formatAt(def["element"] as z.core.$ZodType, rest);
  if (def.type === "record") return formatAt(def["valueType"] as z.core.$ZodType, rest);
  return undefined;
}

/**
 * What zod cannot say: kind spelling, references, `required` names, regexes, defaults that fit; and
 * what is accepted with a warning (a key that is no keyword, a format the generator does not know).
 */
function checkSemantics({ file, spec, locate }: CheckedSpec, document: SpecDocument): { errors: SpecError[]; warnings: SpecError[] } {
  const errors: SpecError[] = [];
  const warnings: SpecError[] = [];
  const at = (path: readonly PropertyKey[], message: string, key?: "key") => errors.push({ file, ...locate(path, key), message });
  const warn = (path: readonly PropertyKey[], message: string, key?: "key") =>
    warnings.push({ file, ...locate(path, key), message: `warning: ${message}` });
  const raw = (path: readonly PropertyKey[]): unknown => document.doc.getIn(path);
  const where = (path: readonly PropertyKey[]) => {
    const { line, col } = locate(path);
    return `${file}:${line}:${col}`;
  };
  const shared: Record<string, SchemaOrRef> = spec.schemas ?? {};
  const named = Object.keys(shared);
  const resolveIn = (own: Record<string, SchemaOrRef | undefined>) => (name: string) => own[name] ?? shared[name];

  const typeNames = new Map<string, string>();
  Object.entries(shared).forEach(([name, schema]) => {
    // Vendors' names (`invoice_line_item`, `simple-user`) become identifiers: InvoiceLineItem, SimpleUser.
    if (!/^[A-Za-z][A-Za-z0-9]*(?:[._-][A-Za-z0-9]+)*$/.test(name)) {
      at(
        ["schemas", name],
        `schema name "${name}" must be words of letters and digits joined by "_", "-" or ".", starting with a letter`,
        "key",
      );
    } else {
      const typeName = pascalCase(name);
      const first = typeNames.get(typeName);
      if (first !== undefined)
        at(
          ["schemas", name],
          `schema name "${name}" makes the type name ${typeName}, as "${first}" does at ${where(["schemas", first])}`,
          "key",
        );
      else typeNames.set(typeName, name);
      if (RESERVED_TYPES.includes(typeName))
        at(["schemas", name], `schema name "${name}" makes the type name ${typeName}, which the generated module imports`, "key");
    }
    if (REF_BUILTINS.includes(name)) at(["schemas", name], `schema name "${name}" is reserved for the trigger's own ${name} schema`, "key");
    // Shared schemas may name each other in any order, themselves too: a recursion goes through z.lazy.
    walkSchema(schema, ["schemas", name], { at, where, warn, raw, refs: named, builtins: [], resolve: resolveIn({}) });
  });
  for (const name of endless(shared)) {
    at(
      ["schemas", name],
      `schema "${name}" never ends: every value of it must hold another ${name}; make the reference that leads back optional, nullable, or an array that may be empty`,
      "key",
    );
  }
  for (const [kind, event] of Object.entries(spec.events ?? {})) {
    const path = ["events", kind];
    if (!KIND_PATTERN.test(kind))
      at(
        path,
        `event kind ${quoted(kind)} must be words of letters and digits joined by ".", "_", ":" or "-" (like "payment.refunded")`,
        "key",
      );
    else if (kind.startsWith(RUNTIME_EVENT_PREFIX))
      at(path, `event kind "${kind}" is reserved: the runtime writes the ${RUNTIME_EVENT_PREFIX}* kinds itself`, "key");
    else if (kind.length > MAX_KIND_LENGTH) at(path, tooLong("event kind", kind), "key");
    walkSchema(event.payload, [...path, "payload"], { at, where, warn, raw, refs: named, builtins: [], resolve: resolveIn({}) });
  }
  (spec.streams ?? []).forEach((stream, index) => {
    const base = ["streams", index];
    if (!KIND_PATTERN.test(stream.kind))
      at([...base, "kind"], `kind ${JSON.stringify(stream.kind)} must be words of letters and digits joined by ".", "_", ":" or "-"`);
    if (stream.kind.length > MAX_KIND_LENGTH) at([...base, "kind"], tooLong("stream kind", stream.kind));
    const builtins = ["start", "result", ...(stream.progress ? ["progress"] : []), ...(stream.output ? ["output"] : [])];
    for (const field of ["start", "progress", "output", "result"] as const) {
      const schema = stream[field];
      if (schema !== undefined)
        walkSchema(schema, [...base, field], {
          at,
          where,
          warn,
          raw,
          refs: named,
          builtins: field === "start" ? [] : ["start"],
          resolve: resolveIn({ start: stream.start }),
        });
    }
    const streamResolve = resolveIn({ start: stream.start, result: stream.result, progress: stream.progress, output: stream.output });
    for (const [eventKind, event] of Object.entries(stream.events)) {
      if (!KIND_PATTERN.test(eventKind))
        at(
          [...base, "events", eventKind],
          `event kind ${JSON.stringify(eventKind)} must be words of letters and digits joined by ".", "_", ":" or "-"`,
          "key",
        );
      walkSchema(event.payload, [...base, "events", eventKind, "payload"], {
        at,
        where,
        warn,
        raw,
        refs: named,
        builtins,
        resolve: streamResolve,
      });
    }
  });
  (spec.triggers ?? []).forEach((trigger, index) => {
    const base = ["triggers", index];
    for (const field of ["kind", "intentEventKind"] as const) {
      if (!KIND_PATTERN.test(trigger[field])) {
        at(
          [...base, field],
          `${field} ${JSON.stringify(trigger[field])} must be words of letters and digits joined by ".", "_", ":" or "-" (like "tutorial.cancelable")`,
        );
      }
    }
    if (trigger.kind.length > MAX_KIND_LENGTH) at([...base, "kind"], tooLong("kind", trigger.kind));
    const builtins = trigger.progress === undefined ? ["intent", "outcome"] : REF_BUILTINS;
    const resolve = resolveIn({ intent: trigger.intent, outcome: trigger.outcome, progress: trigger.progress });
    walkSchema(trigger.intent, [...base, "intent"], { at, where, warn, raw, refs: named, builtins: [], resolve });
    walkSchema(trigger.outcome, [...base, "outcome"], { at, where, warn, raw, refs: named, builtins: ["intent"], resolve });
    if (trigger.progress !== undefined)
      walkSchema(trigger.progress, [...base, "progress"], { at, where, warn, raw, refs: named, builtins: ["intent", "outcome"], resolve });
    for (const [eventKind, event] of Object.entries(trigger.events)) {
      if (!KIND_PATTERN.test(eventKind))
        at(
          [...base, "events", eventKind],
          `event kind ${JSON.stringify(eventKind)} must be words of letters and digits joined by ".", "_", ":" or "-"`,
          "key",
        );
      if (eventKind === trigger.intentEventKind)
        at([...base, "events", eventKind], `event "${eventKind}" is the trigger's intentEventKind; the runtime writes it`, "key");
      walkSchema(event.payload, [...base, "events", eventKind, "payload"], { at, where, warn, raw, refs: named, builtins, resolve });
    }
  });
  return { errors, warnings };
}

const tooLong = (what: string, kind: string) =>
  `${what} ${JSON.stringify(kind)} is ${kind.length} characters long; a kind names its handler file, so it is at most ${MAX_KIND_LENGTH}`;

interface Walk {
  at: (path: readonly PropertyKey[], message: string, key?: "key") => void;
  /** A warning at a node: accepted, but the user should know. */
  warn: (path: readonly PropertyKey[], message: string, key?: "key") => void;
  /** The node at a path as the file has it, before the keys the format ignores were set aside. */
  raw: (path: readonly PropertyKey[]) => unknown;
  /** `file:line:col` of a path. */
  where: (path: readonly PropertyKey[]) => string;
  refs: readonly string[];
  builtins: readonly string[];
  /** The schema a name stands for, to see through references (a discriminated union's branches). */
  resolve: (name: string) => SchemaOrRef | undefined;
}

const COMBINATORS = ["$ref", "anyOf", "oneOf", "allOf"] as const;
const BESIDE_COMBINATOR: readonly string[] = ANNOTATIONS;

function checkReference(ref: string, path: readonly PropertyKey[], walk: Walk): void {
  const candidates = [...walk.builtins, ...walk.refs];
  const name = refName(ref);
  if (candidates.includes(name)) return;
  if (ref.startsWith("#") && !REF_PREFIXES.some((prefix) => ref.startsWith(prefix))) {
    const last = ref.slice(ref.lastIndexOf("/") + 1);
    const hint = suggest(last, candidates);
    walk.at(
      path,
      `"${ref}" points outside this file's schemas; expected "#/schemas/<name>" (or ${REF_PREFIXES.slice(1)
        .map((p) => `"${p}<name>"`)
        .join(", ")}) or a name: one of ${candidates.join(", ") || "(none declared)"}${hint ? `. Did you mean "${hint}"?` : ""}`,
    );
    return;
  }
  const hint = suggest(name, candidates);
  walk.at(
    path,
    `"${name}" names no schema; expected an inline schema or one of ${candidates.join(", ") || "(none declared)"}${hint ? `. Did you mean "${hint}"?` : ""}`,
  );
}

function walkSchema(schema: SchemaOrRef, path: readonly PropertyKey[], walk: Walk, inAllOf = false): void {
  if (typeof schema === "string") {
    checkReference(schema, path, walk);
    return;
  }
  const s: PayloadSchema = schema;
  const node = walk.raw(path);
  // YAML's own maps (`getIn` gives a node) or a plain object: its keys as the file has them.
  const keys =
    node !== null && typeof node === "object" && "items" in node
      ? (node as { items: { key: unknown }[] }).items.map((pair) => String((pair.key as { value?: unknown })?.value ?? pair.key))
      : [];
  for (const key of keys.filter(isIgnoredKey)) {
    const hint = suggest(key, SCHEMA_KEYWORDS);
    walk.warn(
      [...path, key],
      `"${key}" is not a JSON Schema keyword; ignored, as JSON Schema ignores it${hint ? `. Did you mean "${hint}"?` : ""}`,
      "key",
    );
  }
  if (s.format !== undefined && !KNOWN_FORMATS.includes(s.format)) {
    walk.warn(
      [...path, "format"],
      `format ${JSON.stringify(s.format)} is not one the generator knows (${KNOWN_FORMATS.join(", ")}); accepted and not checked`,
    );
  }
  const combinators = COMBINATORS.filter((keyword) => s[keyword] !== undefined);
  if (combinators.length > 1)
    walk.at(
      [...path, combinators[1]!],
      `"${combinators[1]}" beside "${combinators[0]}": a schema takes one of ${COMBINATORS.join(", ")}; nest one inside the other`,
      "key",
    );
  if (s.$ref !== undefined) checkReference(s.$ref, [...path, "$ref"], walk);
  const combinator = combinators[0];
  // Beside a union, other keywords hold as well (the generator makes them a part of an allOf); beside
  // $ref, draft-07 ignores them and later drafts apply them: refused, so neither reading is guessed.
  if (combinator === "$ref") {
    for (const key of Object.keys(s)) {
      if (key !== combinator && !BESIDE_COMBINATOR.includes(key) && !(COMBINATORS as readonly string[]).includes(key)) {
        walk.at(
          [...path, key],
          `"${key}" beside "$ref": only annotations (${BESIDE_COMBINATOR.join(", ")}) go with it; put "${key}" in the schema it names, or use allOf`,
          "key",
        );
      }
    }
  }

  if (s.discriminator !== undefined) {
    const branches = s.oneOf ?? s.anyOf;
    if (branches === undefined)
      walk.at([...path, "discriminator"], `discriminator tells the branches of a oneOf or anyOf apart; this schema has none`, "key");
    else {
      const nonNull = branches.map((branch, index) => ({ branch, index })).filter(({ branch }) => !isNull(branch));
      const problem = discriminates(
        nonNull.map((b) => b.branch),
        s.discriminator.propertyName,
        { resolve: walk.resolve, opaque: () => false },
      );
      if (problem)
        walk.at(
          [...path, s.oneOf ? "oneOf" : "anyOf", nonNull[problem.index]!.index],
          `branch ${nonNull[problem.index]!.index} cannot be told apart by "${s.discriminator.propertyName}": ${problem.problem}`,
        );
      // OpenAPI's mapping says which branch a value picks: the branches' own consts must say the same.
      else {
        const tag = s.discriminator.propertyName;
        for (const [value, ref] of Object.entries(s.discriminator.mapping ?? {})) {
          const at = [...path, "discriminator", "mapping", value];
          const index = branches.findIndex((branch) => referenceOf(branch) === refName(ref));
          if (index < 0)
            walk.at(at, `mapping "${value}" names "${refName(ref)}", which is not a branch; expected one of the schemas the branches name`);
          else if (!tagValues(branches[index]!, tag, { resolve: walk.resolve, opaque: () => false })?.includes(value)) {
            walk.at(at, `mapping "${value}" picks branch ${index}, whose "${tag}" is never ${JSON.stringify(value)}`);
          }
        }
      }
    }
  }
  if (s.pattern !== undefined) checkRegex(s.pattern, [...path, "pattern"], "pattern", walk);
  const patterns = Object.keys(s.patternProperties ?? {});
  for (const pattern of patterns) checkRegex(pattern, [...path, "patternProperties", pattern], "patternProperties key", walk, "key");
  if (
    patterns.length > 1 ||
    (patterns.length === 1 && (s.properties !== undefined || (s.additionalProperties !== undefined && s.additionalProperties !== false)))
  ) {
    walk.at(
      [...path, "patternProperties"],
      `patternProperties is supported as one pattern that every key must match, with no properties or additionalProperties beside it`,
      "key",
    );
  }
  if (Array.isArray(s.items) && s.prefixItems !== undefined)
    walk.at(
      [...path, "items"],
      `a tuple is either prefixItems (with items for the rest) or a list under items (with additionalItems), not both`,
      "key",
    );
  if (s.additionalItems !== undefined && !Array.isArray(s.items))
    walk.at(
      [...path, "additionalItems"],
      `additionalItems applies only after a list under items (a tuple); expected items: [..] beside it`,
      "key",
    );
  for (const bound of ["exclusiveMinimum", "exclusiveMaximum"] as const) {
    const limit = bound === "exclusiveMinimum" ? "minimum" : "maximum";
    if (s[bound] === true && s[limit] === undefined)
      walk.at(
        [...path, bound],
        `${bound}: true makes ${limit} exclusive, and there is no ${limit}; expected ${limit} beside it, or ${bound} as a number`,
      );
  }
  // A value listed twice is a slip; equal means equal as JSON, an object's keys in any order.
  const listed = new Map<string, number>();
  s.enum?.forEach((value, index) => {
    const first = listed.get(canonicalJson(value));
    if (first === undefined) listed.set(canonicalJson(value), index);
    else
      walk.at([...path, "enum", index], `enum value ${JSON.stringify(value)} is already listed at ${walk.where([...path, "enum", first])}`);
  });
  // Inside allOf, another part may declare what this one requires.
  if (!inAllOf) {
    for (const name of s.required ?? []) {
      if (!(s.properties && name in s.properties))
        walk.at([...path, "required"], `required names "${name}", which is not under properties`);
    }
  }
  // Inside allOf or a conditional (if, then, else, not, a dependent schema), the schema beside it may declare what this one requires.
  for (const [suffix, inner] of subschemas(s))
    walkSchema(inner, [...path, ...suffix], walk, ["allOf", "if", "then", "else", "not", "dependentSchemas"].includes(String(suffix[0])));
}

function checkRegex(source: string, path: readonly PropertyKey[], what: string, walk: Walk, key?: "key"): void {
  try {
    new RegExp(source, "u");
  } catch (error) {
    walk.at(path, `${what} is not a valid regular expression: ${(error as Error).message}`, key);
  }
}

/**
 * Shared schemas no finite value satisfies: every value must hold another of itself. What a value
 * must hold, to a fixed point: a required property's, an allOf part's, what every branch must, an
 * array's items when it may not be empty; never through a nullable or optional one.
 */
function endless(schemas: Readonly<Record<string, SchemaOrRef>>): string[] {
  const must = new Map<string, Set<string>>(Object.keys(schemas).map((name) => [name, new Set()]));
  const of = (schema: SchemaOrRef | boolean | undefined): Set<string> => {
    if (schema === undefined || typeof schema === "boolean") return new Set();
    if (typeof schema === "string" || schema.$ref !== undefined) {
      if (typeof schema === "object" && schema.nullable === true) return new Set();
      const name = refName(typeof schema === "string" ? schema : schema.$ref!);
      return new Set([name, ...(must.get(name) ?? [])]);
    }
    const s = schema;
    const types = s.type === undefined ? [] : Array.isArray(s.type) ? s.type : [s.type];
    if (s.nullable === true || types.includes("null") || s.const !== undefined || s.enum !== undefined) return new Set();
    const branches = s.anyOf ?? s.oneOf;
    if (branches !== undefined) {
      const sets = branches.map(of);
      return new Set([...sets[0]!].filter((name) => sets.every((set) => set.has(name))));
    }
    const found = new Set<string>();
    const add = (inner: SchemaOrRef | boolean | undefined) => of(inner).forEach((name) => found.add(name));
    s.allOf?.forEach(add);
    for (const name of s.required ?? []) add(s.properties?.[name]);
    const prefix = s.prefixItems ?? (Array.isArray(s.items) ? s.items : undefined);
    if (prefix !== undefined) prefix.slice(0, s.minItems ?? 0).forEach(add);
    else if ((s.minItems ?? 0) > 0 && !Array.isArray(s.items)) add(s.items);
    return found;
  };
  for (let changed = true; changed; ) {
    changed = false;
    for (const [name, schema] of Object.entries(schemas)) {
      const next = of(schema);
      if (next.size > must.get(name)!.size) {
        must.set(name, next);
        changed = true;
      }
    }
  }
  return Object.keys(schemas).filter((name) => must.get(name)!.has(name));
}

/** Kinds and intent event kinds are unique across every file; so are the names derived from them. */
function checkAcrossFiles(specs: readonly CheckedSpec[]): SpecError[] {
  const errors: SpecError[] = [];
  const seen = new Map<string, { where: string; what: string }>();
  for (const { file, spec, locate } of specs) {
    for (const claims of claimsOf(spec)) {
      let kindTaken = false;
      for (const { key, what, path, at } of claims) {
        const position = locate(path, at);
        const first = seen.get(key);
        if (!first) seen.set(key, { where: `${file}:${position.line}:${position.col}`, what });
        // A kind declared twice makes the same name twice as well: one error says it.
        else if (!(kindTaken && key.startsWith("name:")))
          errors.push({ file, ...position, message: `${what} is already declared at ${first.where}` });
        kindTaken ||= first !== undefined && !key.startsWith("name:");
      }
    }
  }
  return errors;
}

/** What each stream and trigger takes for itself across every file: its kinds and the names generated from them. */
function claimsOf(spec: SpecFile): { key: string; what: string; path: PropertyKey[]; at?: "key" }[][] {
  // flatMap, not map: a salvaged file's lists have holes where an entry did not parse.
  const streams = (spec.streams ?? []).flatMap((stream, index) => {
    const path = ["streams", index, "kind"];
    const name = `${pascalCase(stream.kind)}Stream`;
    return [
      [
        { key: `stream:${stream.kind}`, what: `stream kind "${stream.kind}"`, path },
        { key: `name:${name}`, what: `the name ${name} (from stream kind "${stream.kind}")`, path },
      ],
    ];
  });
  const triggers = (spec.triggers ?? []).flatMap((trigger, index) => {
    const path = (field: string) => ["triggers", index, field];
    const name = pascalCase(trigger.kind);
    return [
      [
        { key: `kind:${trigger.kind}`, what: `kind "${trigger.kind}"`, path: path("kind") },
        { key: `event:${trigger.intentEventKind}`, what: `intentEventKind "${trigger.intentEventKind}"`, path: path("intentEventKind") },
        { key: `name:${name}`, what: `the name ${name} (from kind "${trigger.kind}")`, path: path("kind") },
        // `unscheduleTrigger(key)` names a schedule by its key alone: keys are unique across the project.
        ...(trigger.schedules ?? []).map((schedule, s) => ({
          key: `schedule:${schedule.key}`,
          what: `schedule key ${JSON.stringify(schedule.key)}`,
          path: ["triggers", index, "schedules", s, "key"],
        })),
      ],
    ];
  });
  // A declared event takes its kind from the intent event kinds and the other declared events, and its names.
  const events = Object.keys(spec.events ?? {}).map((kind) => {
    const path = ["events", kind];
    const name = declaredEventNames(kind).constName;
    return [
      { key: `event:${kind}`, what: `event kind "${kind}"`, path, at: "key" as const },
      { key: `name:${name}`, what: `the name ${name} (from event kind "${kind}")`, path, at: "key" as const },
    ];
  });
  return [...streams, ...triggers, ...events];
}
