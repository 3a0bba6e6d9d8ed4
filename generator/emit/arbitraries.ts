import { ts } from "ts-morph";
import type { ModuleModel, SchemaModel, TriggerModel } from "../model.ts";
import type { JsonValue } from "../spec-format.ts";
import { commentSafe, jsonExpression, printExpression, type ZodIR } from "../zod-ir.ts";
import { header, render } from "./print.ts";

/**
 * `arbitraries.ts`, for the test kit (only when `trigger-codegen.json` names a
 * `tests` folder, so a project without fast-check never imports it): per
 * trigger, a fast-check arbitrary of valid intents built from the generator's
 * own IR of the intent schema (`orderPlacedIntents`), and one of invalid
 * intents (`orderPlacedInvalidIntents`) for testing the door.
 *
 * Every zod call and every chained method the IR can hold has a case below;
 * one without a case throws (`NoArbitrary`), so a keyword the generator
 * learns must be taught here too, or the generator tests fail. What the IR
 * cannot say up front (a refinement, xor, an intersection) is kept by a
 * final filter through the intent's own schema: only valid values come out.
 */

const f = ts.factory;

/** A zod call or method the IR holds and this file has no case for: a keyword the generator learned since. */
export class NoArbitrary extends Error {
  override readonly name = "NoArbitrary";
}

/** What the chain after a call asks: bounds, a pattern, absence, null, refinements. */
interface Constraints {
  min?: number;
  max?: number;
  gt?: number;
  lt?: number;
  multipleOf?: number;
  patterns: string[];
  optional: boolean;
  nullable: boolean;
  unique: boolean;
  filters: string[];
}

/** Collects the chain's links; each method has its case. */
function constraintsOf(ir: ZodIR): Constraints {
  const c: Constraints = { patterns: [], optional: false, nullable: false, unique: false, filters: [] };
  for (const link of ir.chain) {
    const first = link.args[0];
    const n = first !== undefined && "json" in first && typeof first.json === "number" ? first.json : undefined;
    switch (link.method) {
      case "min":
        c.min = n;
        break;
      case "max":
        c.max = n;
        break;
      case "gt":
        c.gt = n;
        break;
      case "lt":
        c.lt = n;
        break;
      case "multipleOf":
        c.multipleOf = n;
        break;
      case "regex":
        if (first !== undefined && "regex" in first) c.patterns.push(first.regex);
        else if (first !== undefined && "member" in first) c.patterns.push(GUID);
        break;
      case "optional":
      case "default": // a field with a default may be left out
        c.optional = true;
        break;
      case "nullable":
        c.nullable = true;
        break;
      case "refine": {
        const code = link.args.find((a): a is Extract<typeof a, { code: string }> => "code" in a);
        if (code?.jsonSchema?.uniqueItems === true) c.unique = true;
        else if (code) c.filters.push(code.code); // the generator's own code, never a spec's text
        break;
      }
      case "superRefine": // if/then/else, not, dependent*, propertyNames, contains, unevaluatedProperties: the final filter keeps the values they accept
      case "catchall": // other keys may be present; none is needed
      case "meta":
      case "describe":
      case "and": // an intersection: the final filter keeps what both accept
        break;
      default:
        throw new NoArbitrary(`arbitraries: no case for .${link.method}() in the intent IR; teach generator/emit/arbitraries.ts`);
    }
  }
  return c;
}

/** `z.regexes.guid`, the one zod member a regex link names. */
const GUID = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$";

const fc = (name: string, ...args: ts.Expression[]) =>
  f.createCallExpression(f.createPropertyAccessExpression(f.createIdentifier("fc"), name), undefined, args);
const method = (target: ts.Expression, name: string, ...args: ts.Expression[]) =>
  f.createCallExpression(f.createPropertyAccessExpression(target, name), undefined, args);
const code = (source: string) => f.createIdentifier(source);
const options = (entries: Record<string, JsonValue | undefined>): ts.Expression[] => {
  const defined = Object.fromEntries(Object.entries(entries).filter(([, v]) => v !== undefined)) as Record<string, JsonValue>;
  return Object.keys(defined).length === 0 ? [] : [jsonExpression(defined)];
};
const regex = (pattern: string) =>
  f.createNewExpression(f.createIdentifier("RegExp"), undefined, [f.createStringLiteral(pattern), f.createStringLiteral("u")]);

/** The arbitrary of one IR node; `refs` gives a named schema's model, `seen` the names being expanded (a recursion stops there). */
function arbitraryOf(ir: ZodIR, refs: (name: string) => SchemaModel, seen: ReadonlySet<string>): ts.Expression {
  const c = constraintsOf(ir);
  let arbitrary = headArbitrary(ir, c, refs, seen);
  for (const filter of c.filters) arbitrary = method(arbitrary, "filter", code(filter));
  if (c.nullable) arbitrary = fc("option", arbitrary, jsonExpression({ nil: null }));
  return arbitrary;
}

function headArbitrary(ir: ZodIR, c: Constraints, refs: (name: string) => SchemaModel, seen: ReadonlySet<string>): ts.Expression {
  const { head } = ir;
  if ("ref" in head) {
    if (seen.has(head.ref)) throw new NoArbitrary(`arbitraries: "${head.ref}" refers to itself; a recursive intent has no arbitrary yet`);
    return arbitraryOf(refs(head.ref).ir, refs, new Set([...seen, head.ref]));
  }
  const args = head.args;
  const json = (i: number) => (args[i] !== undefined && "json" in args[i]! ? args[i]!.json : undefined);
  const irArg = (i: number) => {
    const a = args[i];
    return a !== undefined && "ir" in a ? a.ir : undefined;
  };
  const irsArg = (i: number) => {
    const a = args[i];
    return a !== undefined && "irs" in a ? a.irs : [];
  };
  const name = head.call.join(".");
  switch (name) {
    case "z.string": {
      const lengths = { minLength: c.min, maxLength: c.max };
      if (c.patterns.length === 0) return fc("string", ...options(lengths));
      const [first, ...rest] = c.patterns;
      let matching = fc("stringMatching", regex(first!));
      for (const pattern of rest) matching = method(matching, "filter", code(`(s) => new RegExp(${JSON.stringify(pattern)}, "u").test(s)`));
      return c.min === undefined && c.max === undefined
        ? matching
        : method(matching, "filter", code(`(s) => ${lengthCheck(c.min, c.max)}`));
    }
    case "z.email":
      // fc.emailAddress() is RFC 5322's; zod's email is far narrower, and would refuse nearly all of those.
      return fc("stringMatching", regex("^[a-z0-9_+-]{1,12}(?:\\.[a-z0-9_+-]{1,8})?@[a-z0-9]{1,12}(?:-[a-z0-9]{1,8})?\\.[a-z]{2,6}$"));
    case "z.url":
      return fc("webUrl");
    case "z.iso.datetime":
      return method(fc("date", code(DATE_RANGE)), "map", code("(d) => d.toISOString()"));
    case "z.iso.date":
      return method(fc("date", code(DATE_RANGE)), "map", code("(d) => d.toISOString().slice(0, 10)"));
    case "z.iso.duration":
      return method(
        fc("tuple", fc("nat", code("{ max: 99 }")), fc("nat", code("{ max: 23 }")), fc("nat", code("{ max: 59 }"))),
        "map",
        code("([d, h, m]) => `P${d}DT${h}H${m}M`"),
      );
    case "z.ipv4":
      return fc("ipV4");
    case "z.ipv6":
      return fc("ipV6");
    case "z.hostname":
      return fc("domain");
    case "z.base64":
      return fc("base64String");
    case "z.base64url":
      return method(fc("base64String"), "map", code(`(s) => s.replace(/\\+/g, "-").replace(/\\//g, "_").replace(/=+$/, "")`));
    case "z.int":
    case "z.number":
      return numberArbitrary(name === "z.int", c);
    case "z.boolean":
      return fc("boolean");
    case "z.null":
      return fc("constant", f.createNull());
    case "z.never":
      throw new NoArbitrary("arbitraries: z.never() has no values");
    case "z.literal":
      return fc("constant", jsonExpression(json(0) ?? null));
    case "z.enum":
      return fc("constantFrom", ...((json(0) as JsonValue[] | undefined) ?? []).map((v) => jsonExpression(v)));
    case "z.json":
      return fc("jsonValue", jsonExpression({ maxDepth: 2 }));
    case "z.lazy": {
      const thunk = args[0];
      if (thunk === undefined || !("thunk" in thunk)) throw new NoArbitrary("arbitraries: z.lazy() without a thunk");
      return arbitraryOf(thunk.thunk, refs, seen);
    }
    case "z.array": {
      const element = irArg(0);
      if (element === undefined) throw new NoArbitrary("arbitraries: z.array() without an element");
      // `items: false`: no element is allowed, so only the empty array is.
      if ("call" in element.head && element.head.call.join(".") === "z.never") return fc("constant", f.createArrayLiteralExpression([]));
      const lengths = options({ minLength: c.min, maxLength: c.max ?? Math.max(c.min ?? 0, 5) });
      return c.unique
        ? fc(
            "uniqueArray",
            arbitraryOf(element, refs, seen),
            f.createObjectLiteralExpression([f.createPropertyAssignment("selector", code("(v) => JSON.stringify(v)")), ...spread(lengths)]),
          )
        : fc("array", arbitraryOf(element, refs, seen), ...lengths);
    }
    case "z.tuple": {
      const items = irsArg(0).map((item) => {
        const arbitrary = arbitraryOf(item, refs, seen);
        return constraintsOf(item).optional ? fc("option", arbitrary, code("{ nil: undefined }")) : arbitrary;
      });
      return fc("tuple", ...items);
    }
    case "z.object":
    case "z.looseObject": // other keys may be present; none is needed
    case "z.strictObject": {
      const shape = args[0] !== undefined && "shape" in args[0] ? args[0].shape : {};
      const entries = Object.entries(shape);
      const required = entries.filter(([, property]) => !constraintsOf(property).optional).map(([key]) => key);
      const record = f.createObjectLiteralExpression(
        entries.map(([key, property]) => f.createPropertyAssignment(f.createStringLiteral(key), arbitraryOf(property, refs, seen))),
        true,
      );
      return fc("record", record, jsonExpression({ requiredKeys: required }));
    }
    case "z.record": {
      const key = irArg(0);
      const value = irArg(1);
      if (key === undefined || value === undefined) throw new NoArbitrary("arbitraries: z.record() without a key and a value");
      return fc("dictionary", arbitraryOf(key, refs, seen), arbitraryOf(value, refs, seen), jsonExpression({ maxKeys: 4 }));
    }
    case "z.union":
    case "z.xor": // exactly one branch: the final filter keeps those
      return fc("oneof", ...irsArg(0).map((branch) => arbitraryOf(branch, refs, seen)));
    case "z.discriminatedUnion":
      return fc("oneof", ...irsArg(1).map((branch) => arbitraryOf(branch, refs, seen)));
    default:
      throw new NoArbitrary(`arbitraries: no case for ${name}() in the intent IR; teach generator/emit/arbitraries.ts`);
  }
}

const spread = (expressions: ts.Expression[]) => expressions.flatMap((e) => (ts.isObjectLiteralExpression(e) ? [...e.properties] : []));

const DATE_RANGE = `{ min: new Date("1970-01-01T00:00:00.000Z"), max: new Date("2999-12-31T23:59:59.999Z"), noInvalidDate: true }`;

function lengthCheck(min: number | undefined, max: number | undefined): string {
  // Numbers the spec format checked: printing them into code is safe.
  const parts = [min === undefined ? "" : `[...s].length >= ${min}`, max === undefined ? "" : `[...s].length <= ${max}`].filter(Boolean);
  return parts.join(" && ");
}

/** Integers within the bounds, or doubles; a `multipleOf` as a multiple of an integer within them. */
function numberArbitrary(integer: boolean, c: Constraints): ts.Expression {
  const low = c.gt !== undefined ? (integer ? Math.floor(c.gt) + 1 : c.gt) : c.min;
  const high = c.lt !== undefined ? (integer ? Math.ceil(c.lt) - 1 : c.lt) : c.max;
  if (c.multipleOf !== undefined) {
    const m = c.multipleOf;
    const k = { min: Math.ceil((low ?? -1e6) / m), max: Math.floor((high ?? 1e6) / m) };
    return method(fc("integer", jsonExpression(k)), "map", code(`(k) => k * ${m}`));
  }
  if (integer)
    return fc(
      "integer",
      ...options({ min: low === undefined ? undefined : Math.ceil(low), max: high === undefined ? undefined : Math.floor(high) }),
    );
  return fc(
    "double",
    jsonExpression({
      ...(low === undefined ? {} : { min: low, minExcluded: c.gt !== undefined }),
      ...(high === undefined ? {} : { max: high, maxExcluded: c.lt !== undefined }),
      noNaN: true,
      noDefaultInfinity: true,
    }),
  );
}

/** An IR's arbitrary as printed code (plain JavaScript over `fc`), before the final filter through its schema. */
export function arbitraryExpression(
  ir: ZodIR,
  refs: (name: string) => SchemaModel = (name) => {
    throw new NoArbitrary(`arbitraries: no schema named "${name}"`);
  },
): string {
  return printExpression(arbitraryOf(ir, refs, new Set()));
}

/** `orderPlacedIntents`, `orderPlacedInvalidIntents`. */
export const arbitraryNames = (trigger: TriggerModel) => ({
  valid: `${trigger.valueName}Intents`,
  invalid: `${trigger.valueName}InvalidIntents`,
});

/**
 * A trigger's arbitrary as printed code, or why it has none: a recursive intent (a schema that
 * refers to itself) has none yet, since fast-check needs a depth bound the IR does not give, and
 * an intent with no values (or a construct not taught here) says so in the file rather than
 * stopping the whole generate: the arbitraries are a test aid, never a reason to refuse a spec.
 */
export function triggerArbitrary(
  module: ModuleModel,
  trigger: TriggerModel,
): { readonly expression: string } | { readonly skipped: string } {
  const resolve = (ref: string) => trigger.refs.get(ref) ?? module.refs.get(ref)!;
  try {
    return { expression: arbitraryExpression(trigger.intent.ir, resolve) };
  } catch (error) {
    if (error instanceof NoArbitrary) return { skipped: error.message };
    throw error;
  }
}

/** The statements for one trigger's arbitraries. */
function triggerArbitraries(trigger: TriggerModel, expression: string): string {
  const { valid, invalid } = arbitraryNames(trigger);
  const schema = trigger.intent.constName;
  const accepts = `(intent): intent is z.input<typeof ${schema}> => ${schema}.safeParse(intent).success`;
  return [
    `/** Valid intents of ${JSON.stringify(trigger.kind)}, as \`enqueueTrigger\` takes them. */`,
    `export const ${valid}: fc.Arbitrary<z.input<typeof ${schema}>> = (${expression} as fc.Arbitrary<unknown>).map(asJson).filter(${accepts});`,
    "",
    `/** Payloads its door refuses: any JSON, and valid intents with one field made wrong or left out. */`,
    `export const ${invalid}: fc.Arbitrary<unknown> = fc.oneof(fc.jsonValue(), ${valid}.chain(nearMiss)).map(asJson).filter((intent) => !${schema}.safeParse(intent).success);`,
    "",
  ].join("\n");
}

const NEAR_MISS = `/** A value as JSON carries it (and RPC can clone it): fast-check may build objects without a prototype. */
function asJson(value: unknown): unknown {
  return value === undefined ? null : JSON.parse(JSON.stringify(value));
}

/** An intent with one field left out or given a value of another type; the caller keeps those the schema refuses. */
function nearMiss(intent: unknown): fc.Arbitrary<unknown> {
  if (typeof intent !== "object" || intent === null || Array.isArray(intent) || Object.keys(intent).length === 0) return fc.constant(42);
  const record = intent as Record<string, unknown>;
  return fc.tuple(fc.constantFrom(...Object.keys(record)), fc.constantFrom(undefined, null, 42, "", [], {})).map(([key, value]) => {
    const copy: Record<string, unknown> = { ...record };
    if (value === undefined) delete copy[key];
    else copy[key] = value;
    return copy;
  });
}
`;

/** The file: the intent schemas it filters through, its two helpers, then each trigger's arbitraries (or why it has none). */
export function arbitrariesFile(modules: readonly ModuleModel[], specFiles: readonly string[]): string {
  const built = modules.map((module) => ({
    module,
    triggers: module.triggers.map((trigger) => ({ trigger, built: triggerArbitrary(module, trigger) })),
  }));
  const imports = built.flatMap(({ module, triggers }) => {
    const names = triggers
      .filter(({ built }) => "expression" in built)
      .map(({ trigger }) => trigger.intent.constName)
      .filter(unique);
    return names.length === 0 ? [] : [`import { ${names.join(", ")} } from ${JSON.stringify(`./${module.moduleName}`)};`];
  });
  const body = built.flatMap(({ triggers }) =>
    triggers.map(({ trigger, built }) =>
      "expression" in built
        ? triggerArbitraries(trigger, built.expression)
        : `// ${JSON.stringify(trigger.kind)}: ${commentSafe(built.skipped)}.\n`,
    ),
  );
  const head = imports.length === 0 ? [] : ['import * as fc from "fast-check";', 'import type * as z from "zod";', ...imports, NEAR_MISS];
  return render("arbitraries", header(specFiles), [...head, ...body]);
}

function unique<T>(value: T, index: number, all: readonly T[]): boolean {
  return all.indexOf(value) === index;
}
