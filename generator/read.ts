import { isMap, isPair, isScalar, LineCounter, parseDocument, type Document, type Node } from "yaml";

export interface SpecError {
  readonly file: string;
  readonly line: number;
  readonly col: number;
  readonly message: string;
}

export const formatError = (e: SpecError) => `${e.file}:${e.line}:${e.col}: ${e.message}`;

/** A parsed spec file that can say where any path in it is. */
export interface SpecDocument {
  readonly file: string;
  readonly source: string;
  readonly doc: Document;
  /** The files its references bring in (`./common.yaml#/definitions/x`), by path from the project root; `null`: unreadable. */
  readonly referenced?: Readonly<Record<string, string | null>>;
  /** `file:line:col` of the node at `path`, or of its nearest ancestor that exists. */
  locate(path: readonly PropertyKey[], at?: "key" | "value"): { line: number; col: number };
}

export type ReadResult = { ok: true; spec: SpecDocument } | { ok: false; errors: SpecError[] };

/** Stage 1: YAML text → a document with source positions. */
export function readSpec(file: string, text: string): ReadResult {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const position = (offset: number) => lineCounter.linePos(offset);
  if (doc.errors.length > 0) {
    return {
      ok: false,
      errors: doc.errors.map((error) => ({ file, ...position(error.pos[0]), message: `YAML: ${error.message.split("\n")[0]}` })),
    };
  }
  const locate = (path: readonly PropertyKey[], at: "key" | "value" = "value") => {
    let node: unknown = doc.contents;
    let found = (node as Node | null)?.range?.[0] ?? 0;
    for (const segment of path) {
      if (!isMap(node) && !(node && typeof node === "object" && "items" in node)) break;
      const items = (node as { items: unknown[] }).items;
      const item = isMap(node)
        ? (items.find((pair) => isPair(pair) && isScalar(pair.key) && String(pair.key.value) === String(segment)) as
            | { key: Node; value: Node | null }
            | undefined)
        : (items[Number(segment)] as Node | undefined);
      if (item === undefined) break;
      if (isPair(item)) {
        const keyNode = item.key as Node;
        found = (at === "key" || item.value === null ? keyNode.range?.[0] : (item.value as Node).range?.[0]) ?? found;
        node = item.value;
      } else {
        found = (item as Node).range?.[0] ?? found;
        node = item;
      }
    }
    return position(found);
  };
  return { ok: true, spec: { file, source: text, doc, locate } };
}
