import { StructureKind } from "ts-morph";
import { REFINE_WITH } from "../checks.ts";
import { JSON_TYPE } from "../zod-ir.ts";
import { header, render, type Statements } from "./print.ts";

/**
 * `parse.ts`: the JSON type and the parse helpers every spec module shares; it depends on the runtime's module alone.
 * `refineWith` is declared only where a module runs a refinement's schemas (`refines`), so other projects' files stay as they were.
 */
export function parseFile(runtime: string, specFiles: readonly string[], refines: boolean): string {
  return render("parse", header(specFiles), [...parseStatements(runtime), ...(refines ? [refineWithStatement] : [])]);
}

/** See checks.ts's REFINE_WITH. Typed by the `.superRefine` it is passed to, so the refinement's value and ctx are zod's. */
const refineWithStatement: Statements[number] = {
  kind: StructureKind.Function,
  isExported: true,
  name: REFINE_WITH,
  docs: [
    "A refinement that runs other schemas (`if`, `not`, `contains`, …): they are built on its first run, then kept; not on every parse, nor as the module loads (every start would pay for refinements it may never run).",
  ],
  typeParameters: ["S", "V", "C"],
  parameters: [
    { name: "schemas", type: "() => S" },
    { name: "refine", type: "(value: V, ctx: C, schemas: S) => void" },
  ],
  returnType: "(value: V, ctx: C) => void",
  statements: ["let built: S | undefined;", "return (value, ctx) => refine(value, ctx, (built ??= schemas()));"],
};

function parseStatements(runtime: string): Statements {
  return [
    { kind: StructureKind.ImportDeclaration, isTypeOnly: true, namedImports: ["z"], moduleSpecifier: "zod" },
    {
      kind: StructureKind.ImportDeclaration,
      isTypeOnly: true,
      namedImports: ["ParseResult", "PayloadParseResult", "StartParseResult"],
      moduleSpecifier: runtime,
    },
    {
      kind: StructureKind.TypeAlias,
      isExported: true,
      name: JSON_TYPE,
      docs: ["Any JSON value: what a schema that names no type accepts."],
      type: `string | number | boolean | null | ${JSON_TYPE}[] | {\n  [key: string]: ${JSON_TYPE};\n}`,
    },
    {
      kind: StructureKind.Function,
      isExported: true,
      name: "parseWith",
      docs: ["Runs a zod schema as a `parseIntent`: every problem, each with the path of its field (`items[2].name: …`)."],
      typeParameters: ["T"],
      parameters: [
        { name: "schema", type: "z.ZodType<T>" },
        { name: "raw", type: "unknown" },
      ],
      returnType: "ParseResult<T>",
      statements: [
        "const parsed = schema.safeParse(raw, { reportInput: true });",
        "if (parsed.success) return { ok: true, intent: parsed.data };",
        'const problems = parsed.error.issues.flatMap(deepest).map((issue) => `${pathOf(issue.path)}: ${issue.message.replace(/^Invalid input: /, "")}`);',
        'return { ok: false, reason: problems.join("; ") };',
      ],
    },
    {
      kind: StructureKind.Function,
      isExported: true,
      name: "parseStartWith",
      docs: ["The same, as an attached stream's `parseStart`."],
      typeParameters: ["T"],
      parameters: [
        { name: "schema", type: "z.ZodType<T>" },
        { name: "raw", type: "unknown" },
      ],
      returnType: "StartParseResult<T>",
      statements: ["const parsed = parseWith(schema, raw);", "return parsed.ok ? { ok: true, start: parsed.intent } : parsed;"],
    },
    {
      kind: StructureKind.Function,
      isExported: true,
      name: "parsePayloadWith",
      docs: ["The same, as a declared event's `parsePayload`."],
      typeParameters: ["T"],
      parameters: [
        { name: "schema", type: "z.ZodType<T>" },
        { name: "raw", type: "unknown" },
      ],
      returnType: "PayloadParseResult<T>",
      statements: ["const parsed = parseWith(schema, raw);", "return parsed.ok ? { ok: true, payload: parsed.intent } : parsed;"],
    },
    {
      kind: StructureKind.Function,
      name: "deepest",
      docs: [
        "A union's refusal told where it is: the problems of the branch the value matched best (the one it got deepest into, with the fewest missing fields and problems; of each, when several match it as well), under the union's path, each told so in turn.",
      ],
      parameters: [{ name: "issue", type: "z.core.$ZodIssue" }],
      returnType: "z.core.$ZodIssue[]",
      statements: [
        'if (issue.code !== "invalid_union" || issue.errors.length === 0) return [issue];',
        `const score = (branch: z.core.$ZodIssue[]) => {
  // A field that is not there: zod says so of a type (received undefined), and of an enum only by its input (parsed with reportInput).
  const missing = branch.filter((inner) => (inner.code === "invalid_type" && inner.message.endsWith("received undefined")) || ("input" in inner && inner.input === undefined)).length;
  return [Math.max(...branch.map((inner) => inner.path.length)), -missing, -branch.length];
};
const better = (a: number[], b: number[]) => {
  const first = a.findIndex((n, i) => n !== b[i]);
  return first >= 0 && a[first]! > b[first]!;
};
const best = issue.errors.reduce((a, b) => (better(score(b), score(a)) ? b : a));
// No branch got into the value: the union's own words say what each wanted.
if (Math.max(...best.map((inner) => inner.path.length)) === 0) return [issue];
// Branches the value matched equally well (oneOf: directory, or directories) each say what they lack.
const tied = issue.errors.filter((branch) => !better(score(best), score(branch)));
return tied.flat().flatMap((inner) => deepest({ ...inner, path: [...issue.path, ...inner.path] } as z.core.$ZodIssue));`,
      ],
    },
    {
      kind: StructureKind.Function,
      name: "pathOf",
      docs: [
        'A field\'s path as code names it, `items[2].name` or `plan["a.b"]`, so a key holding a dot reads as one key; the root is `$`.',
      ],
      parameters: [{ name: "path", type: "readonly PropertyKey[]" }],
      returnType: "string",
      statements: [
        'if (path.length === 0) return "$";',
        `return path
  .map((segment, i) => {
    if (typeof segment === "number") return \`[\${segment}]\`;
    const key = String(segment);
    if (!/^[A-Za-z_$][\\w$]*$/.test(key)) return \`[\${JSON.stringify(key)}]\`;
    return i === 0 ? key : \`.\${key}\`;
  })
  .join("");`,
      ],
    },
  ];
}
