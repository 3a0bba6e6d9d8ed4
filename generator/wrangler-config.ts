import type { Node, ParseError } from "jsonc-parser";

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

/**
 * The runtime's methods are JavaScript RPC on a Durable Object stub
 * (`enqueueTrigger`, `cancelTrigger`, …), which the Workers runtime turns on
 * from this compatibility date, or earlier with the `rpc` flag.
 */
export const RPC_SINCE = "2024-04-03";

/** The config files wrangler reads, in the order it prefers them. */
export const WRANGLER_FILES = ["wrangler.jsonc", "wrangler.json", "wrangler.toml"] as const;

export type Edited =
  | {
      readonly ok: true;
      readonly text: string;
      readonly added: readonly string[];
      /** The Worker's main module as the config names it (relative to the config), if it does. */
      readonly main: string | undefined;
    }
  | { readonly ok: false; readonly error: string; readonly at?: { readonly line: number; readonly col: number } };

type Path = readonly string[];

/** One addition into the object (under `key`) or the array (at its end) at `container`, which exists. */
interface Edit {
  readonly container: Path;
  readonly key?: string;
  readonly value: unknown;
  /** What it adds, in the words init reports. */
  readonly says: string;
}

/**
 * Adds the binding, the SQLite migration and the compatibility flags to a
 * wrangler config, keeping its comments and formatting; what is already there
 * is left alone, so running it twice changes nothing. `file` decides the format.
 */
export async function addAgentToWranglerConfig(file: string, text: string, setup: AgentSetup): Promise<Edited> {
  // The parsers load here, not with the CLI: `--help` and `generate` never need them.
  return file.endsWith(".toml") ? editToml(text, setup) : editJsonc(text, setup, await import("jsonc-parser"));
}

type Jsonc = typeof import("jsonc-parser");

function editJsonc(text: string, setup: AgentSetup, { parse, printParseErrorCode, parseTree, findNodeAtLocation }: Jsonc): Edited {
  const errors: ParseError[] = [];
  const config: unknown = parse(text, errors, { allowTrailingComma: true, disallowComments: false });
  if (errors.length > 0) {
    const { error: code, offset } = errors[0]!;
    const words = printParseErrorCode(code)
      .replace(/(?<=[a-z])(?=[A-Z])/g, " ")
      .toLowerCase();
    return { ok: false, error: `not valid JSONC (${words}); nothing was changed`, at: lineCol(text, offset) };
  }
  const planned = plan(config, setup);
  if (!planned.ok) return planned;
  // The indent of the first entry, not of a comment's continuation (` * …` under `/**`).
  const layout = { unit: /^([ \t]+)["{[\]}\d\-tfn]/m.exec(text)?.[1] ?? "  ", eol: text.includes("\r\n") ? "\r\n" : "\n" };
  let edited = text;
  for (const edit of planned.edits) edited = insertJsonc(edited, edit, layout, { parseTree, findNodeAtLocation });
  return { ok: true, text: edited, added: planned.edits.map((e) => e.says), main: mainOf(config) };
}

/**
 * Inserts one entry after the container's last one, in the container's own
 * layout: inline when it is written on one line, else on a line of its own at
 * its siblings' indent, after any comment that ends the previous line.
 * (jsonc-parser's `modify` reformats the siblings around what it inserts.)
 */
function insertJsonc(
  text: string,
  edit: Edit,
  { unit, eol }: { unit: string; eol: string },
  { parseTree, findNodeAtLocation }: Pick<Jsonc, "parseTree" | "findNodeAtLocation">,
): string {
  const container = findNodeAtLocation(parseTree(text)!, [...edit.container])!;
  const print = (value: unknown, indent: string) => JSON.stringify(value, null, unit).replace(/\n/g, `${eol}${indent}`);
  const entry = (indent: string) => (edit.key === undefined ? "" : `${JSON.stringify(edit.key)}: `) + print(edit.value, indent);
  const start = container.offset;
  const end = container.offset + container.length;
  const last: Node | undefined = container.children?.at(-1);

  if (last === undefined) {
    const indent = indentAt(text, start);
    return `${text.slice(0, start + 1)}${eol}${indent}${unit}${entry(indent + unit)}${eol}${indent}${text.slice(end - 1)}`;
  }
  if (!text.slice(start, end).includes("\n")) {
    const inline = entry("").replace(new RegExp(`${eol}\\s*`, "g"), " ");
    return `${text.slice(0, last.offset + last.length)}, ${inline}${text.slice(last.offset + last.length)}`;
  }
  // After the last entry: its own trailing comma, if it has one, and then the rest of its line when that is only a comment.
  let after = last.offset + last.length;
  const comma = /^[ \t]*,/.exec(text.slice(after));
  if (comma) after += comma[0].length;
  const lineEnd = text.slice(after).search(/\r?\n/);
  const rest = lineEnd === -1 ? "" : text.slice(after, after + lineEnd);
  if (/^[ \t]*(\/\/.*|\/\*.*\*\/[ \t]*)?$/.test(rest)) after += rest.length;
  const indent = indentAt(text, last.offset);
  return `${text.slice(0, last.offset + last.length)}${comma ? "" : ","}${text.slice(last.offset + last.length, after)}${eol}${indent}${entry(indent)}${text.slice(after)}`;
}

/** The whitespace that starts the line holding `offset`. */
function indentAt(text: string, offset: number): string {
  const lineStart = text.lastIndexOf("\n", offset - 1) + 1;
  return /^[ \t]*/.exec(text.slice(lineStart))![0];
}

async function editToml(text: string, setup: AgentSetup): Promise<Edited> {
  const toml = await import("@decimalturn/toml-patch");
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
  for (const { container, key, value } of planned.edits) {
    const target = container.reduce<Record<string, unknown>>((node, segment) => node[segment] as Record<string, unknown>, updated);
    if (key === undefined) (target as unknown as unknown[]).push(value);
    else target[key] = value;
  }
  const readsBack = (candidate: string | undefined) => {
    if (candidate === undefined) return undefined;
    try {
      return sortedJson(toml.parse(candidate)) === sortedJson(updated) ? candidate : undefined;
    } catch {
      return undefined;
    }
  };
  // Written as a person would: new top-level keys beside the others, new entries of a list of tables as
  // `[[...]]` sections at the end. toml-patch is the fallback for shapes that cannot take those (an
  // inline `migrations = [...]`); it keeps comments but moves tables around.
  const patched =
    readsBack(insertToml(text, planned.edits, toml)) ??
    readsBack(attempt(() => toml.patch(text, updated))) ??
    readsBack(attempt(() => toml.patch(text, updated, { inlineTableStart: 0 })));
  if (patched === undefined) {
    const additions = planned.edits.map((edit) => tomlSnippet(edit, toml.stringify)).join("\n");
    return { ok: false, error: `cannot add these safely; add them by hand:\n${additions}` };
  }
  return { ok: true, text: patched, added: planned.edits.map((e) => e.says), main: mainOf(config) };
}

const attempt = <T>(run: () => T): T | undefined => {
  try {
    return run();
  } catch {
    return undefined;
  }
};

type Toml = typeof import("@decimalturn/toml-patch");

/**
 * The edits made in the text, located with toml-patch's syntax tree: a new
 * top-level key after the last top-level one (before the first table, where
 * TOML needs it); a value added to a top-level inline list after its last
 * item; anything else (a table, an entry of a list of tables) appended at the
 * end as `[[path]]` sections, which is valid wherever the list is spelled as
 * sections or absent. The caller checks that the result reads back right.
 */
function insertToml(text: string, edits: readonly Edit[], toml: Toml): string | undefined {
  const eol = text.includes("\r\n") ? "\r\n" : "\n";
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === "\n") lineStarts.push(i + 1);
  const offset = ({ line, column }: { line: number; column: number }) => lineStarts[line - 1]! + column;
  const endOfLine = (at: number) => {
    const next = text.indexOf("\n", at);
    return next === -1 ? text.length : next > 0 && text[next - 1] === "\r" ? next - 1 : next;
  };
  const blocks = toml.parseDocument(text).cst;
  const firstTable = blocks.findIndex((block) => block.type === "Table" || block.type === "TableArray");
  const topLevel = blocks.slice(0, firstTable === -1 ? blocks.length : firstTable);
  const topKey = (name: string) =>
    topLevel.find((block) => block.type === "KeyValue" && block.key.value.length === 1 && block.key.value[0] === name);

  const inserts: { at: number; text: string }[] = [];
  let appended = "";
  for (const edit of edits) {
    const { container, key, value } = edit;
    if (container.length === 0 && key !== undefined && !isTableLike(value)) {
      const lastKey = topLevel.findLast((block) => block.type === "KeyValue");
      const line = toml.stringify({ [key]: value }).trim();
      if (lastKey) inserts.push({ at: endOfLine(offset(lastKey.loc.end)), text: `${eol}${line}` });
      else inserts.push({ at: firstTable === -1 ? text.length : offset(blocks[firstTable]!.loc.start), text: `${line}${eol}` });
    } else if (container.length === 1 && key === undefined && !isTableLike(value)) {
      const list = topKey(container[0]!);
      if (list?.type !== "KeyValue" || list.value.type !== "InlineArray") return undefined;
      const last = list.value.items.at(-1);
      const item = toml.stringify({ x: value }).trim().replace(/^x = /, "");
      if (last) inserts.push({ at: offset(last.item.loc.end), text: `, ${item}` });
      else inserts.push({ at: offset(list.value.loc.start) + 1, text: item });
    } else {
      appended += eol + tomlSnippet(edit, toml.stringify).replace(/\n/g, eol);
    }
  }
  let edited = text;
  // From the end, so that offsets hold; of two at one place, the later first, so that they end up in order.
  const ordered = inserts.map((insert, i) => ({ ...insert, i })).sort((a, b) => b.at - a.at || b.i - a.i);
  for (const { at, text: added } of ordered) edited = edited.slice(0, at) + added + edited.slice(at);
  if (appended !== "") edited = `${edited.replace(/(\r?\n)*$/, "")}${eol}${appended}`;
  return edited;
}

/** Key order and prototypes aside (toml-patch's tables have none), the same data. */
const sortedJson = (value: unknown): string =>
  JSON.stringify(value, (_, v: unknown) =>
    typeof v === "bigint"
      ? `${v}n`
      : isObject(v) && !(v instanceof Date)
        ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1)))
        : v,
  );

const isTableLike = (value: unknown) => isObject(value) || (Array.isArray(value) && value.some(isObject));

/** One edit as TOML a person would write: `[[path]]` sections for tables in a list, `key = value` otherwise. */
function tomlSnippet({ container, key, value }: Edit, stringify: Toml["stringify"]): string {
  const path = key === undefined ? container : [...container, key];
  const sections = (at: readonly string[], node: unknown): string[] => {
    if (Array.isArray(node) && node.every(isObject)) return node.flatMap((entry) => [`[[${at.join(".")}]]`, ...keyLines(entry), ""]);
    if (isObject(node) && Object.values(node).every(isTableLike)) return Object.entries(node).flatMap(([k, v]) => sections([...at, k], v));
    if (at.length === 1) return [...keyLines({ [at[0]!]: node }), ""];
    return [`[${at.slice(0, -1).join(".")}]`, ...keyLines({ [at.at(-1)!]: node }), ""];
  };
  const keyLines = (entry: Record<string, unknown>) => stringify(entry).trim().split("\n");
  if (key === undefined && !isTableLike(value))
    return `${container.join(".")} gets ${stringify({ x: value }).trim().replace(/^x = /, "")}\n`;
  return sections(path, key === undefined ? [value] : value).join("\n");
}

const mainOf = (config: unknown) => (isObject(config) && typeof config["main"] === "string" ? config["main"] : undefined);

type Planned = { ok: true; edits: Edit[] } | { ok: false; error: string };

/** The additions a parsed config needs, each into a container that exists; refusals for what only the user can fix. */
function plan(config: unknown, setup: AgentSetup): Planned {
  const { className } = setup;
  if (!isObject(config)) return refuse("the config is not an object");
  const edits: Edit[] = [];

  const flags = config["compatibility_flags"];
  if (flags !== undefined && !isStringArray(flags)) return refuse("compatibility_flags is not a list of strings");
  const date = config["compatibility_date"];
  const dateText = date instanceof Date ? date.toISOString().slice(0, 10) : date;
  if (dateText !== undefined && typeof dateText !== "string") return refuse("compatibility_date is not a date");
  if (dateText !== undefined && dateText < RPC_SINCE && !flags?.includes("rpc")) {
    return refuse(
      `compatibility_date ${dateText} is before ${RPC_SINCE}, when Durable Object stubs gained the JavaScript RPC the runtime is called by; ` +
        `set compatibility_date to ${RPC_SINCE} or later, or add "rpc" to compatibility_flags`,
    );
  }
  if (flags === undefined)
    edits.push({
      container: [],
      key: "compatibility_flags",
      value: [...REQUIRED_FLAGS],
      says: `compatibility flags ${REQUIRED_FLAGS.join(", ")}`,
    });
  else
    for (const flag of REQUIRED_FLAGS.filter((f) => !flags.includes(f)))
      edits.push({ container: ["compatibility_flags"], value: flag, says: `compatibility flag ${flag}` });

  const added = addBinding(config, [], "", setup);
  if (typeof added === "string") return refuse(added);
  edits.push(...added);

  // Bindings are not inherited: an environment (`wrangler deploy --env production`) without its own has no AGENT.
  const environments = config["env"];
  if (environments !== undefined && !isObject(environments)) return refuse("env is not a table of environments");
  for (const [name, environment] of Object.entries(environments ?? {})) {
    if (!isObject(environment)) return refuse(`env.${name} is not a table`);
    const added = addBinding(environment, ["env", name], `env.${name}: `, setup);
    if (typeof added === "string") return refuse(`env.${name}: ${added}`);
    edits.push(...added);
  }

  const migrations = config["migrations"];
  if (migrations !== undefined && !Array.isArray(migrations)) return refuse("migrations is not a list");
  const declaredIn = (field: string) => migrations?.some((m) => isObject(m) && isStringArray(m[field]) && m[field].includes(className));
  if (declaredIn("new_classes"))
    return refuse(`${className} is declared under new_classes (key-value storage); the runtime needs SQLite storage (new_sqlite_classes)`);
  if (!declaredIn("new_sqlite_classes")) {
    const value = { tag: nextTag(migrations ?? []), new_sqlite_classes: [className] };
    const says = `migration ${value.tag}: new_sqlite_classes ${className}`;
    edits.push(
      migrations === undefined ? { container: [], key: "migrations", value: [value], says } : { container: ["migrations"], value, says },
    );
  }
  // wrangler bundles unminified unless told; the runtime and zod are most of a bundle, and minified it is about half
  // (bench/README.md). A `minify` the user wrote, either way, is theirs.
  if (config["minify"] === undefined)
    edits.push({ container: [], key: "minify", value: true, says: "minify: true (about half the bundle)" });
  return { ok: true, edits };
}

/** The Durable Object binding added to the config or environment at `at`, unless it has it; a string says what only the user can fix. */
function addBinding(config: Record<string, unknown>, at: Path, prefix: string, { binding, className }: AgentSetup): Edit[] | string {
  const durableObjects = config["durable_objects"];
  if (durableObjects !== undefined && !isObject(durableObjects)) return "durable_objects is not an object";
  const bindings = durableObjects?.["bindings"];
  if (bindings !== undefined && !Array.isArray(bindings)) return "durable_objects.bindings is not a list";
  const sameName = bindings?.find((b) => isObject(b) && b["name"] === binding);
  if (isObject(sameName) && sameName["class_name"] !== className) {
    return `binding ${binding} already names class ${String(sameName["class_name"])}; pass --binding to choose another name`;
  }
  if (sameName) return [];
  const value = { name: binding, class_name: className };
  const says = `${prefix}Durable Object binding ${binding} → ${className}`;
  if (durableObjects === undefined) return [{ container: at, key: "durable_objects", value: { bindings: [value] }, says }];
  if (bindings === undefined) return [{ container: [...at, "durable_objects"], key: "bindings", value: [value], says }];
  return [{ container: [...at, "durable_objects", "bindings"], value, says }];
}

const refuse = (problem: string): Planned => ({ ok: false, error: `${problem}; nothing was changed` });

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
