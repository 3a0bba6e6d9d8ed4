import { StructureKind } from "ts-morph";
import { header, render } from "./print.ts";

/**
 * `index.ts`: every spec module re-exported, in the model's order. (Named for its output, not
 * `index.ts`, so that it is not mistaken for this folder's entry point.)
 */
export function indexFile(moduleNames: readonly string[], specFiles: readonly string[]): string {
  return render(
    "index",
    header(specFiles),
    moduleNames.map((name) => ({ kind: StructureKind.ExportDeclaration, moduleSpecifier: `./${name}` })),
  );
}
