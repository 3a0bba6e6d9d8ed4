import * as toml from "@decimalturn/toml-patch";
import { applyEdits, findNodeAtLocation, modify, parse, parseTree, printParseErrorCode, type FormattingOptions, type ParseError } from "jsonc-parser";

/** What a Worker needs to run a class built by `defineAgentDO`. */
export interface AgentSetup {
  /** The Durable Object binding, `env.AGENT`. */
  readonly binding: string;
  /** The exported class, `AgentDO`. */
  readonly className: string;
}

/**
 * The runtime reads a client's disconnect from `request.signal`, and the
 * Worker's forwarded request must carry it into the object.
 */
export const REQUIRED_FLAGS = ["enable_request_signal", "request_signal_passthrough"] as const;

/** The config files wrangler reads, in the order it prefers them. */
export const WRANGLER_FILES = ["wrangler.jsonc", "wrangler.json", "wrangler.toml"] as const;

export type Edited =
  | { readonly ok: true; readonly text: string; readonly added: readonly string[] }
  | { readonly ok: false; readonly error: string; readonly at?: { readonly line: number; readonly col: number } };

type Path = (string | number)[];
/** One change to the config: a value set at `path`, or inserted into the array at `path` when `insert`. */
interface Edit {
  readonly path: Path;
  readonly value: unknown;
  readonly insert?: boolean;
  readonly says: string;
}

/**
 * Adds the binding, the SQLite migration and the compatibility flags to a
 * wrangler config, keeping its comments and formatting; what is already there
 * is left alone, so running it twice changes nothing. `file` decides the format.
 */
export function addAgentToWranglerConfig(file: string, text: string, setup: AgentSetup): Edited {
  return file.endsWith(".toml") ? editToml(text, setup) : editJsonc(text, setup);
}

function editJsonc(text: string, setup: AgentSetup): Edited {
  const errors: ParseError[] = [];
  const config: unknown = parse(text, errors, { allowTrailingComma: true, disallowComments: false });
  if (errors.length > 0) {
    const { error: code, offset } = errors[0]!;
    const words = printParseErrorCode(code).replace(/(?<=[a-z])(?=[A-Z])/g, " ").toLowerCase();
    return { ok: false, error: `not valid JSONC (${words}); nothing was changed`, at: lineCol(text, offset) };
  }
  const planned = plan(config, setup);
  if (!planned.ok) return planned;
  const unit = /^([ \t]+)\S/m.exec(text)?.[1] ?? "  ";
  const formattingOptions: FormattingOptions = {
    insertSpaces: !unit.startsWith("\t"),
    tabSize: unit.startsWith("\t") ? 1 : unit.length,
    eol: text.includes("\r\n") ? "\r\n" : "\n",
  };
  let edited = text;
  for (const edit of planned.edits) {
    edited = edit.insert ? appendToArray(edited, edit, unit, formattingOptions.eol!) : applyEdits(edited, modify(edited, edit.path, edit.value, { formattingOptions }));
  }
  return { ok: true, text: edited, added: planned.edits.map((e) => e.says) };
}

/**
 * Appends after an array's last element in the array's own layout: inline
 * when it is written on one line, else on a new line at its elements' indent.
 * (jsonc-parser's own insertion reformats the elements already there.)
 */
function appendToArray(text: string, { path, value }: Edit, unit: string, eol: string): string {
  const array = findNodeAtLocation(parseTree(text)!, path.slice(0, -1))!;
  const last = array.children?.at(-1);
  if (last === undefined) return applyEdits(text, modify(text, path.slice(0, -1), [value], {}));
  const end = last.offset + last.length;
  if (!text.slice(array.offset, array.offset + array.length).includes("\n")) {
    return `${text.slice(0, end)}, ${JSON.stringify(value, null, 1).replace(/\n\s*/g, " ")}${text.slice(end)}`;
  }
  const indent = /[ \t]*$/.exec(text.slice(0, last.offset))![0];
  const printed = JSON.stringify(value, null, unit).replace(/\n/g, `${eol}${indent}`);
  return `${text.slice(0, end)},${eol}${indent}${printed}${text.slice(end)}`;
}

function editToml(text: string, setup: AgentSetup): Edited {
  let config: unknown;
  try {
    config = toml.parse(text);
  } catch (error) {
    // toml-patch says "Error parsing TOML (line, column):", then the line, a caret, and what is wrong.
    const { message, line, column } = error as Error & { line?: number; column?: number };
    const at = typeof line === "number" && typeof column === "number" ? { line, col: column + 1 } : undefined;
    return { ok: false, error: `not valid TOML (${message.split("\n").at(-1)}); nothing was changed`, ...(at ? { at } : {}) };
  }
  const planned = plan(config, setup);
  if (!planned.ok) return planned;
  const updated = structuredClone(config) as Record<string, unknown>;
  for (const edit of planned.edits) apply(updated, edit);
  // toml-patch cannot add a new array of tables as a section ("Node not found"); inline, it can.
  const patched = patchToml(text, updated) ?? patchToml(text, updated, { inlineTableStart: 0 });
  if (patched === undefined) return { ok: false, error: `cannot change it safely; add by hand:\n${toml.stringify(updated)}` };
  return { ok: true, text: patched, added: planned.edits.map((e) => e.says) };
}

/** toml-patch's result, only when it reads back as exactly what was asked for. */
function patchToml(text: string, updated: unknown, format?: Parameters<typeof toml.patch>[2]): string | undefined {
  try {
    const patched = toml.patch(text, updated, format);
    return JSON.stringify(toml.parse(patched)) === JSON.stringify(updated) ? patched : undefined;
  } catch {
    return undefined;
  }
}

/** Sets or inserts one value in a plain object tree, creating what is missing on the way. */
function apply(root: Record<string, unknown>, { path, value, insert }: Edit): void {
  let node: Record<string | number, unknown> = root;
  for (const key of path.slice(0, -1)) {
    node[key] ??= {};
    node = node[key] as Record<string | number, unknown>;
  }
  const last = path.at(-1)!;
  if (insert && Array.isArray(node)) node.splice(last as number, 0, value);
  else node[last] = value;
}

type Planned = { ok: true; edits: Edit[] } | { ok: false; error: string };

/** The edits a parsed config needs; refusals for what cannot be fixed without the user. */
function plan(config: unknown, { binding, className }: AgentSetup): Planned {
  if (!isObject(config)) return { ok: false, error: "the config is not an object; nothing was changed" };
  const edits: Edit[] = [];

  const flags = config["compatibility_flags"];
  if (flags !== undefined && !isStringArray(flags)) return { ok: false, error: "compatibility_flags is not a list of strings; nothing was changed" };
  const missingFlags = REQUIRED_FLAGS.filter((flag) => !flags?.includes(flag));
  if (flags === undefined) edits.push({ path: ["compatibility_flags"], value: [...REQUIRED_FLAGS], says: `compatibility flags ${REQUIRED_FLAGS.join(", ")}` });
  else missingFlags.forEach((flag, i) => edits.push({ path: ["compatibility_flags", flags.length + i], value: flag, insert: true, says: `compatibility flag ${flag}` }));

  const durableObjects = config["durable_objects"];
  const bindings = isObject(durableObjects) ? durableObjects["bindings"] : undefined;
  if (bindings !== undefined && !Array.isArray(bindings)) return { ok: false, error: "durable_objects.bindings is not a list; nothing was changed" };
  const sameName = bindings?.find((b) => isObject(b) && b["name"] === binding);
  if (isObject(sameName) && sameName["class_name"] !== className) {
    return { ok: false, error: `binding ${binding} already names class ${String(sameName["class_name"])}; pass --binding to choose another name. Nothing was changed` };
  }
  const newBinding = { name: binding, class_name: className };
  if (!sameName) {
    if (bindings === undefined) edits.push({ path: ["durable_objects", "bindings"], value: [newBinding], says: `Durable Object binding ${binding} → ${className}` });
    else edits.push({ path: ["durable_objects", "bindings", bindings.length], value: newBinding, insert: true, says: `Durable Object binding ${binding} → ${className}` });
  }

  const migrations = config["migrations"];
  if (migrations !== undefined && !Array.isArray(migrations)) return { ok: false, error: "migrations is not a list; nothing was changed" };
  const declaredIn = (field: string) => migrations?.some((m) => isObject(m) && isStringArray(m[field]) && m[field].includes(className));
  if (declaredIn("new_classes")) {
    return { ok: false, error: `${className} is declared under new_classes (key-value storage); the runtime needs SQLite storage (new_sqlite_classes). Nothing was changed` };
  }
  if (!declaredIn("new_sqlite_classes")) {
    const migration = { tag: nextTag(migrations ?? []), new_sqlite_classes: [className] };
    const says = `migration ${migration.tag}: new_sqlite_classes ${className}`;
    if (migrations === undefined) edits.push({ path: ["migrations"], value: [migration], says });
    else edits.push({ path: ["migrations", migrations.length], value: migration, insert: true, says });
  }
  return { ok: true, edits };
}

/** `v<n+1>` after the highest `v<n>` tag, skipping any tag already taken. */
function nextTag(migrations: readonly unknown[]): string {
  const tags = new Set(migrations.map((m) => (isObject(m) ? String(m["tag"]) : "")));
  let n = Math.max(0, ...[...tags].map((tag) => Number(/^v(\d+)$/.exec(tag)?.[1] ?? 0))) + 1;
  while (tags.has(`v${n}`)) n++;
  return `v${n}`;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);
const isStringArray = (value: unknown): value is string[] => Array.isArray(value) && value.every((v) => typeof v === "string");

function lineCol(text: string, offset: number): { line: number; col: number } {
  const before = text.slice(0, offset).split("\n");
  return { line: before.length, col: before.at(-1)!.length + 1 };
}
