import { StructureKind, ts, VariableDeclarationKind, type StatementStructures } from "ts-morph";
import { describe, expect, it } from "vitest";
import { LaidOut, twoSpaced } from "../../generator/emit/laid-out";
import { render } from "../../generator/emit/print";
import { jsonExpression, printExpression } from "../../generator/zod-ir";

/**
 * What `LaidOut` writes is what ts-morph's printer and TypeScript's formatter write for the same
 * declarations (the golden files hold the same for whole modules; bench/same-output.ts for the corpus).
 */
const f = ts.factory;
const call = (name: string, ...args: ts.Expression[]) => f.createCallExpression(f.createIdentifier(name), undefined, args);
const object = (entries: Record<string, ts.Expression>) =>
  f.createObjectLiteralExpression(
    Object.entries(entries).map(([k, v]) => f.createPropertyAssignment(k, v)),
    true,
  );
const nested: Record<string, ts.Expression> = {
  "an object in an array in a call": call(
    "z.union",
    f.createArrayLiteralExpression([call("z.string"), call("z.array", call("z.looseObject", object({ text: call("z.string") })))]),
  ),
  "objects side by side": call(
    "z.xor",
    f.createArrayLiteralExpression([
      call("z.looseObject", object({ a: call("z.int") })),
      call("z.looseObject", object({ b: object({ c: call("z.int") }) })),
    ]),
  ),
  "JSON laid over lines": jsonExpression(
    { cancelOn: [{ event: "e", match: { id: "x" } }], n: [1, 2], deep: { a: [{ b: [{ c: {} }] }] } },
    true,
  ),
};

const formatted = (statement: StatementStructures) => render("probe", "", [statement]);
const laidOut = (statement: LaidOut) => render("probe", "", [statement]);

describe("declarations laid out without the formatter", () => {
  for (const [what, expression] of Object.entries(nested)) {
    it(`lays out a constant as the formatter does: ${what}`, () => {
      const printed = printExpression(expression);
      const structure: StatementStructures = {
        kind: StructureKind.VariableStatement,
        isExported: true,
        declarationKind: VariableDeclarationKind.Const,
        docs: ["Doc."],
        declarations: [{ name: "x", initializer: printed }],
      };
      expect(laidOut(LaidOut.constant("x", twoSpaced(printed), { doc: "Doc." }))).toBe(formatted(structure));
    });
  }

  it("lays out a function whose body spans lines as the formatter does", () => {
    const body = printExpression(f.createReturnStatement(nested["JSON laid over lines"]!));
    const structure: StatementStructures = {
      kind: StructureKind.Function,
      isExported: true,
      name: "make",
      docs: ["Makes it."],
      parameters: [{ name: "handlers", type: "H" }],
      statements: [body],
    };
    expect(laidOut(LaidOut.function("make", "handlers: H", body, { doc: "Makes it." }))).toBe(formatted(structure));
  });

  it("writes doc comments as ts-morph does at their edges", () => {
    for (const doc of ["", " ", "a  ", "tab\t", "  lead"]) {
      const structure: StatementStructures = { kind: StructureKind.TypeAlias, isExported: true, name: "T", docs: [doc], type: "string" };
      expect(laidOut(LaidOut.type("T", "string", doc))).toBe(formatted(structure));
    }
  });

  it("keeps an undocumented type with the constant before it, and imports together", () => {
    const text = render("probe", "", [
      { kind: StructureKind.ImportDeclaration, namespaceImport: "z", moduleSpecifier: "zod" },
      { kind: StructureKind.ImportDeclaration, namedImports: ["a", { name: "B", isTypeOnly: true }], moduleSpecifier: "./parse" },
      LaidOut.constant("xSchema", "z.string()").then(LaidOut.type("X", "string")),
      LaidOut.type("Y", "X", "Documented."),
    ]);
    expect(text).toBe(
      'import * as z from "zod";\nimport { a, type B } from "./parse";\n\nexport const xSchema = z.string();\nexport type X = string;\n\n/** Documented. */\nexport type Y = X;\n',
    );
  });

  it("leaves to ts-morph an import it would have to escape, and refuses a name that is no identifier", () => {
    expect(LaidOut.import('./we"ird', { named: ["a"] })).toBeUndefined();
    expect(render("probe", "", [{ kind: StructureKind.ImportDeclaration, namedImports: ["a"], moduleSpecifier: './we"ird' }])).toBe(
      'import { a } from "./we\\"ird";\n',
    );
    expect(() => LaidOut.type("a b", "string")).toThrow(/no identifier/);
    expect(() => LaidOut.constant("x", "1", { doc: "two\nlines" })).toThrow(/more than one line/);
  });
});
