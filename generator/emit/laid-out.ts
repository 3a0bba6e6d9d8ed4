/**
 * Declarations written as text, laid out as ts-morph's printer and TypeScript's formatter would lay
 * them out, so that `render` need not run the formatter over them: on a module of hundreds of schemas
 * or a project of a thousand triggers, formatting was most of a run. `bench/same-output.ts` holds
 * the two ways to the same bytes.
 *
 * No spec text is joined in raw: values and types come from TypeScript's printer and zod-to-ts (which
 * escape literals), JSON from `printJson`, comments through commentSafe, and the names declared are
 * identifiers the model derived, which each factory checks.
 */

/** A named import: its name, or a name that is only a type, or one renamed. */
export type ImportedName = string | { readonly name: string; readonly alias?: string; readonly typeOnly?: boolean };

/** Where a declaration stands between others: what decides the blank line before the next one. */
export class LaidOut {
  private constructor(
    readonly text: string,
    /** An import: imports stay together, with no blank line between. */
    readonly isImport: boolean,
    /** An undocumented type: it follows a constant with no blank line, as the type of the schema before it. */
    readonly pairsWithConst: boolean,
    /** Its last declaration is a constant. */
    readonly endsWithConst: boolean,
  ) {}

  /** `export const <name>[: <type>] = <value>;`: `value` laid out already (see `twoSpaced`, `printJson`). */
  static constant(name: string, value: string, { doc, type }: { doc?: string | undefined; type?: string | undefined } = {}): LaidOut {
    identifier(name);
    return new LaidOut(`${docComment(doc)}export const ${name}${type === undefined ? "" : `: ${type}`} = ${value};`, false, false, true);
  }

  /** `export type <name> = <type>;`, the type as TypeScript's printer or zod-to-ts print it. */
  static type(name: string, type: string, doc?: string): LaidOut {
    identifier(name);
    return new LaidOut(`${docComment(doc)}export type ${name} = ${twoSpaced(type)};`, false, doc === undefined, false);
  }

  /** `export function <name>(<parameters>)[: <returns>] { <body> }`, the body's statements printed as TypeScript's printer does. */
  static function(name: string, parameters: string, body: string, { doc, returns }: { doc?: string; returns?: string } = {}): LaidOut {
    identifier(name);
    const signature = `export function ${name}(${parameters})${returns === undefined ? "" : `: ${returns}`}`;
    const indented = twoSpaced(body).replace(/^(?=.)/gm, "  ");
    return new LaidOut(`${docComment(doc)}${signature} {\n${indented}\n}`, false, false, false);
  }

  /**
   * `import … from "<specifier>";` as ts-morph writes it: a namespace, or named imports, each of which
   * may be type-only (`type X`) or renamed (`handlers as x`). A specifier or name it would have to
   * quote or escape is not laid out here (undefined): the caller leaves that import to ts-morph.
   */
  static import(
    specifier: string,
    imported: { namespace: string } | { named: readonly ImportedName[] },
    typeOnly = false,
  ): LaidOut | undefined {
    const names = "named" in imported ? imported.named.map((n) => (typeof n === "string" ? { name: n } : n)) : [];
    const plain = (name: string) => /^[A-Za-z_$][\w$]*$/.test(name);
    if (!/^[\w@./-]+$/.test(specifier) || !names.every((n) => plain(n.name) && (n.alias === undefined || plain(n.alias)))) return undefined;
    if ("named" in imported && names.length === 0) return undefined;
    const what =
      "namespace" in imported
        ? `* as ${imported.namespace}`
        : `{ ${names.map((n) => `${n.typeOnly ? "type " : ""}${n.name}${n.alias === undefined ? "" : ` as ${n.alias}`}`).join(", ")} }`;
    return new LaidOut(`import ${typeOnly ? "type " : ""}${what} from "${specifier}";`, true, false, false);
  }

  /** This declaration, then `next`, with the blank line between them that `render` would put. */
  then(next: LaidOut): LaidOut {
    const between = next.pairsWithConst && this.endsWithConst ? "\n" : "\n\n";
    return new LaidOut(`${this.text}${between}${next.text}`, this.isImport, this.pairsWithConst, next.endsWithConst);
  }
}

/** A declared name: an identifier, or the model has a bug that must not reach generated code. */
function identifier(name: string): void {
  if (!/^[A-Za-z_$][\w$]*$/.test(name)) throw new Error(`trigger-codegen: ${JSON.stringify(name)} is no identifier`);
}

/**
 * `/** text *\/` and a line break, as ts-morph writes a doc comment of one line; nothing without a
 * text. The text is one line: a spec's goes through commentSafe, the generator's has no break.
 */
function docComment(text: string | undefined): string {
  if (text === undefined) return "";
  if (/[\r\n]/.test(text)) throw new Error(`trigger-codegen: a doc comment of more than one line: ${JSON.stringify(text)}`);
  return `/** ${text}${text.endsWith(" ") || text === "" ? "" : " "}*/\n`;
}

/**
 * Printed code laid out as the formatter lays it out. In what the generator prints, the only
 * constructs over several lines are object, type and array literals whose `{` or `[` ends a line and
 * whose `}` or `]` starts one (strings hold no line break: the printer escapes it; a line ends in a
 * bracket only where a literal opens); the formatter indents their members two spaces past the line
 * that opens them and the closing bracket level with it. TypeScript's printer indents by its own
 * nesting count, so its spaces are dropped and counted again. Not for raw code the printer copies as
 * it is (a check's function: `printsRawLines`).
 */
export function twoSpaced(printed: string): string {
  const opened: number[] = [];
  return printed
    .split("\n")
    .map((line, i) => {
      const text = i === 0 ? line : line.trimStart();
      const indent = i === 0 ? 0 : /^[}\]]/.test(text) ? opened.pop() : (opened.at(-1) ?? Number.NaN) + 2;
      if (indent === undefined || Number.isNaN(indent)) throw new Error(`trigger-codegen: cannot lay out ${JSON.stringify(printed)}`);
      if (/[{[]$/.test(text)) opened.push(indent);
      return " ".repeat(indent) + text;
    })
    .join("\n");
}
