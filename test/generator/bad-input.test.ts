import { describe, expect, it } from "vitest";
import { formatError } from "../../generator/read";
import { Workspace } from "./workspace";

const good = `triggers:
  - kind: a.job
    intentEventKind: a.job.requested
    cancellation: cooperative
    intent: { type: object, properties: { id: { type: string } } }
    outcome: { type: object }
    events:
      a.job.done: { payload: outcome }
`;

/** Generates from `specs` and answers the formatted errors; the workspace must be left exactly as it was. */
async function errorsOf(specs: Record<string, string>): Promise<string[]> {
  const ws = new Workspace({ "specs/zz-good.yaml": good.replaceAll("a.job", "z.job") });
  try {
    await ws.generateOrThrow();
    const before = { ...ws.snapshot("generated"), ...ws.snapshot("app") };
    for (const [path, text] of Object.entries(specs)) ws.write(path, text);
    const result = await ws.generate();
    expect({ ...ws.snapshot("generated"), ...ws.snapshot("app") }).toEqual(before); // nothing written, nothing lost
    expect(result.ok).toBe(false);
    return result.ok ? [] : result.errors.map(formatError);
  } finally {
    ws.dispose();
  }
}

describe("bad input", () => {
  it("names a missing field as missing, a misspelt type with its likely spelling, and refuses a YAML merge key by name", async () => {
    const spec = `base: &base
  cancellation: cooperative
triggers:
  - kind: a.job
    intentEventKind: a.job.requested
    cancellation: cooperative
    intent: { type: object, properties: { id: { type: strng } } }
    events: {}
  - <<: *base
    kind: b.job
    intentEventKind: b.job.requested
    intent: { type: object }
    outcome: { type: object }
    events: {}
`;
    expect(await errorsOf({ "specs/a.yaml": spec })).toEqual([
      'specs/a.yaml:1:1: unknown field "base"; expected one of schemas, triggers, streams',
      'specs/a.yaml:4:5: triggers.0: missing the required field "outcome"',
      'specs/a.yaml:7:55: "strng" is not a type; expected one of object, array, string, number, integer, boolean, null. Did you mean "string"?',
      'specs/a.yaml:9:5: triggers.1: missing the required field "cancellation"',
      'specs/a.yaml:9:5: YAML merge keys ("<<") are not supported; write the fields out',
    ]);
  });

  it("reports every error of every file in one run: structural ones beside references, endless schemas and duplicate kinds", async () => {
    const a = `schemas:
  Tree: { type: object, required: [child], properties: { child: Tree } }
  Broken: { type: objet }
triggers:
  - kind: a.job
    intentEventKind: a.job.requested
    cancellation: sometimes
    intent: { type: object }
    outcome: { type: object }
    events: {}
  - kind: b.job
    intentEventKind: b.job.requested
    cancellation: cooperative
    intent: Adress
    outcome: Broken
    events: {}
`;
    const b = good.replace("kind: a.job\n", "kind: b.job\n");
    expect(await errorsOf({ "specs/a.yaml": a, "specs/b.yaml": b })).toEqual([
      'specs/a.yaml:2:3: schema "Tree" never ends: every value of it must hold another Tree; make the reference that leads back optional, nullable, or an array that may be empty',
      'specs/a.yaml:3:19: "objet" is not a type; expected one of object, array, string, number, integer, boolean, null. Did you mean "object"?',
      expect.stringMatching(/^specs\/a\.yaml:7:19: triggers\.0\.cancellation: expected one of "cooperative"\|"ignored"/),
      expect.stringMatching(/^specs\/a\.yaml:14:13: "Adress" names no schema; expected an inline schema or one of .*Tree, Broken/),
      'specs/b.yaml:2:11: kind "b.job" is already declared at specs/a.yaml:11:11',
    ]);
  });

  it("reports a YAML syntax error with its position", async () => {
    expect(await errorsOf({ "specs/a.yaml": "triggers:\n  - kind: [unclosed\n" })).toEqual([
      expect.stringMatching(/^specs\/a\.yaml:3:1: YAML: /),
    ]);
  });

  it("reports an unknown field with a suggestion, and a wrong type, all at once", async () => {
    const spec = good.replace("cancellation: cooperative", "cancelation: cooperative").replace("kind: a.job", "kind: 42");
    expect(await errorsOf({ "specs/a.yaml": spec })).toEqual([
      // A missing field is reported where its mapping starts.
      'specs/a.yaml:2:5: triggers.0: missing the required field "cancellation"',
      "specs/a.yaml:2:11: triggers.0.kind: expected string, received number",
      expect.stringMatching(/^specs\/a\.yaml:4:5: unknown field "cancelation"; expected one of kind, .*\. Did you mean "cancellation"\?$/),
    ]);
  });

  it("reports an unknown schema keyword with a suggestion", async () => {
    const spec = good.replace("id: { type: string }", "id: { type: string, minlength: 1 }");
    expect(await errorsOf({ "specs/a.yaml": spec })).toEqual([
      expect.stringMatching(/^specs\/a\.yaml:5:63: unknown schema keyword "minlength"; expected one of type, .*\. Did you mean "minLength"\?$/),
    ]);
  });

  it("reports duplicate kinds and intent event kinds across files, pointing at the first", async () => {
    const copy = good.replace("a.job.done", "a.job.finished");
    expect(await errorsOf({ "specs/a.yaml": good, "specs/b.yaml": copy })).toEqual([
      'specs/b.yaml:2:11: kind "a.job" is already declared at specs/a.yaml:2:11',
      'specs/b.yaml:3:22: intentEventKind "a.job.requested" is already declared at specs/a.yaml:3:22',
    ]);
  });

  it("reports a payload that names no declared schema, with a suggestion", async () => {
    expect(await errorsOf({ "specs/a.yaml": good.replace("payload: outcome", "payload: outcom") })).toEqual([
      'specs/a.yaml:8:30: "outcom" names no schema; expected an inline schema or one of intent, outcome. Did you mean "outcome"?',
    ]);
  });

  it("refuses a shared schema no finite value satisfies, at its name, but not one that names itself optionally or one below it", async () => {
    const shared = `schemas:
  Order: { type: object, required: [line], properties: { line: Line, parent: Order } }
  Line: { type: object, properties: { sku: { type: string } } }
  Loop: { type: object, required: [next], properties: { next: Loop } }
  Pair: { type: object, required: [other], properties: { other: { $ref: "#/schemas/Mate" } } }
  Mate: { type: object, required: [back], properties: { back: { type: array, minItems: 1, items: { allOf: [Pair] } } } }
  Tree: { type: object, required: [kids], properties: { kids: { type: array, items: Tree }, up: { anyOf: [Tree, { type: "null" }] } } }
${good}`;
    const endless = (name: string) => `schema "${name}" never ends: every value of it must hold another ${name}; make the reference that leads back optional, nullable, or an array that may be empty`;
    expect(await errorsOf({ "specs/a.yaml": shared })).toEqual([`specs/a.yaml:4:3: ${endless("Loop")}`, `specs/a.yaml:5:3: ${endless("Pair")}`, `specs/a.yaml:6:3: ${endless("Mate")}`]);
  });

  it("takes vendors' schema names, and refuses two that make one type name or a name the module imports", async () => {
    const spec = `schemas:
  invoice_line_item: { type: object }
  invoice-line.item: { type: object }
  json_value: { type: string }
  "3d": { type: object }
${good}`;
    expect(await errorsOf({ "specs/a.yaml": spec })).toEqual([
      'specs/a.yaml:3:3: schema name "invoice-line.item" makes the type name InvoiceLineItem, as "invoice_line_item" does at specs/a.yaml:2:22',
      'specs/a.yaml:4:3: schema name "json_value" makes the type name JsonValue, which the generated module imports',
      'specs/a.yaml:5:3: schema name "3d" must be words of letters and digits joined by "_", "-" or ".", starting with a letter',
    ]);
  });

  it("reports a wrong value deep inside nested schemas at its node, not as the whole schema being invalid", async () => {
    const intent = `intent:
      type: object
      properties:
        a: { type: array, items: 5 }
        b: { allOf: [{ properties: { x: { oneOf: [{ type: strng }] } } }] }
        c: { type: number, multipleOf: 0 }`;
    expect(await errorsOf({ "specs/a.yaml": good.replace("intent: { type: object, properties: { id: { type: string } } }", intent).replace("outcome: { type: object }", "outcome: 7") })).toEqual([
      "specs/a.yaml:8:34: triggers.0.intent.properties.a.items: expected boolean, or expected string, or expected object, or expected array",
      'specs/a.yaml:9:59: "strng" is not a type; expected one of object, array, string, number, integer, boolean, null. Did you mean "string"?',
      "specs/a.yaml:10:40: triggers.0.intent.properties.c.multipleOf: Too small: expected number to be >0",
      "specs/a.yaml:11:14: triggers.0.outcome: expected string, or expected object",
    ]);
  });

  it("refuses references outside the file's schemas, and keywords a reference or union would ignore, at the exact node", async () => {
    const intent = `intent:
      type: object
      properties:
        a: { $ref: "#/component/schemas/Card" }
        b: { $ref: Crad }
        c: { $ref: Card, minLength: 1 }
        d: { anyOf: [Card, Loose], type: string }
        e: { anyOf: [Card], $ref: Card }
        f: { type: object, x-vendor: { anything: [1] }, properties: { x-id: { type: string, x-note: ok } } }`;
    const spec = `schemas:
  Card: { type: object, required: [type], properties: { type: { const: card } } }
  Loose: { type: object, properties: { type: { type: string } } }
${good.replace("intent: { type: object, properties: { id: { type: string } } }", intent)}`;
    const annotations = "title, description, examples, example, deprecated, readOnly, writeOnly, $comment, $schema, $id, contentMediaType, default, nullable, discriminator";
    expect(await errorsOf({ "specs/a.yaml": spec })).toEqual([
      'specs/a.yaml:11:20: "#/component/schemas/Card" points outside this file\'s schemas; expected "#/schemas/<name>" (or "#/components/schemas/<name>", "#/$defs/<name>", "#/definitions/<name>") or a name: one of Card, Loose. Did you mean "Card"?',
      'specs/a.yaml:12:20: "Crad" names no schema; expected an inline schema or one of Card, Loose. Did you mean "Card"?',
      `specs/a.yaml:13:26: "minLength" beside "$ref": only annotations (${annotations}) go with it; put "minLength" in the schema it names or in each branch, or use allOf`,
      `specs/a.yaml:14:36: "type" beside "anyOf": only annotations (${annotations}) go with it; put "type" in the schema it names or in each branch, or use allOf`,
      'specs/a.yaml:15:14: "anyOf" beside "$ref": a schema takes one of $ref, anyOf, oneOf, allOf; nest one inside the other',
    ]);
  });

  it("refuses a discriminator its branches do not carry, naming the branch", async () => {
    const intent = `intent:
      type: object
      properties:
        a: { oneOf: [Card, Loose], discriminator: { propertyName: type } }
        b: { oneOf: [Card, { $ref: Card }], discriminator: { propertyName: type } }
        c: { type: object, discriminator: { propertyName: type } }
        d: { discriminator: { propertyName: type, mapping: { card: "#/schemas/Card", bank: Bank, cash: Card } }, oneOf: [Card] }
        e: { discriminator: { propertyName: type, mappin: {} }, oneOf: [Card] }`;
    const spec = `schemas:
  Card: { type: object, required: [type], properties: { type: { const: card } } }
  Loose: { type: object, properties: { type: { type: string } } }
${good.replace("intent: { type: object, properties: { id: { type: string } } }", intent)}`;
    expect(await errorsOf({ "specs/a.yaml": spec })).toEqual([
      'specs/a.yaml:15:51: unknown field "mappin"; expected one of propertyName, mapping. Did you mean "mapping"?',
    ]);
    expect(await errorsOf({ "specs/a.yaml": spec.replace(/\n.*mappin:.*/, "") })).toEqual([
      'specs/a.yaml:11:28: branch 1 cannot be told apart by "type": expected an object schema (or the name of one) that requires "type" as a const or an enum',
      'specs/a.yaml:12:28: branch 1 cannot be told apart by "type": "type" "card" already picks branch 0',
      "specs/a.yaml:13:28: discriminator tells the branches of a oneOf or anyOf apart; this schema has none",
      'specs/a.yaml:14:92: mapping "bank" names "Bank", which is not a branch; expected one of the schemas the branches name',
      'specs/a.yaml:14:104: mapping "cash" picks branch 0, whose "type" is never "cash"',
    ]);
  });

  it("refuses tuple, pattern, bound and format combinations it cannot honour, each where it is", async () => {
    const intent = `intent:
      type: object
      properties:
        g: { type: object, patternProperties: { "^a": {}, "^b": {} } }
        h: { type: object, patternProperties: { "([": {} } }
        i: { type: array, items: [{ type: string }], prefixItems: [{ type: string }] }
        j: { type: array, additionalItems: false }
        k: { type: number, exclusiveMinimum: true }
        l: { type: string, format: date, contentEncoding: base64 }`;
    expect(await errorsOf({ "specs/a.yaml": good.replace("intent: { type: object, properties: { id: { type: string } } }", intent) })).toEqual([
      "specs/a.yaml:8:28: patternProperties is supported as one pattern that every key must match, with no properties or additionalProperties beside it",
      expect.stringMatching(/^specs\/a\.yaml:9:49: patternProperties key is not a valid regular expression: /),
      "specs/a.yaml:10:27: a tuple is either prefixItems (with items for the rest) or a list under items (with additionalItems), not both",
      "specs/a.yaml:11:27: additionalItems applies only after a list under items (a tuple); expected items: [..] beside it",
      "specs/a.yaml:12:46: exclusiveMinimum: true makes minimum exclusive, and there is no minimum; expected minimum beside it, or exclusiveMinimum as a number",
      'specs/a.yaml:13:42: contentEncoding beside format "date": a string is checked by one of them',
    ]);
  });

  it("reports an invalid regular expression and a required name missing from properties", async () => {
    const spec = good.replace("id: { type: string }", 'id: { type: string, pattern: "([a-z" }').replace("type: object, properties", "type: object, required: [id, name], properties");
    expect(await errorsOf({ "specs/a.yaml": spec })).toEqual([
      'specs/a.yaml:5:39: required names "name", which is not under properties',
      expect.stringMatching(/^specs\/a\.yaml:5:94: pattern is not a valid regular expression: /),
    ]);
  });

  it("checks streams the same way: mode, unknown fields, references, duplicate kinds", async () => {
    const stream = (kind: string, extra = "") => `streams:
  - kind: ${kind}
    mode: duplex
    cancellation: cooperative
    onDetach: abort${extra}
    start: { type: object }
    result: outcom
    events: {}
`;
    expect(await errorsOf({ "specs/s.yaml": stream("s.one", "\n    ondetach: abort") })).toEqual([
      'specs/s.yaml:3:11: streams.0.mode: expected "output_only"',
      expect.stringMatching(/^specs\/s\.yaml:6:5: unknown field "ondetach"; expected one of kind, mode, .*\. Did you mean "onDetach"\?$/),
    ]);
    const fixed = (kind: string) => stream(kind).replace("duplex", "output_only").replace("outcom", "start");
    expect(await errorsOf({ "specs/s.yaml": fixed("s.one"), "specs/t.yaml": fixed("s.one") })).toEqual([
      'specs/t.yaml:2:11: stream kind "s.one" is already declared at specs/s.yaml:2:11',
    ]);
    expect(await errorsOf({ "specs/s.yaml": fixed("s.one-two"), "specs/t.yaml": fixed("s.one.two") })).toEqual([
      'specs/t.yaml:2:11: the name SOneTwoStream (from stream kind "s.one.two") is already declared at specs/s.yaml:2:11',
    ]);
    expect(await errorsOf({ "specs/s.yaml": stream("s.one").replace("duplex", "output_only") })).toEqual([
      'specs/s.yaml:7:13: "outcom" names no schema; expected an inline schema or one of start',
    ]);
  });

  it("refuses an enum value listed twice, at the second, deep values by deep equality", async () => {
    const spec = good.replace("id: { type: string }", "id: { enum: [a, b, a] }").replace("outcome: { type: object }", "outcome: { type: object, properties: { v: { enum: [1, { x: [1], y: 2 }, 1.0, { y: 2, x: [1] }, { x: [2], y: 2 }] } } }");
    expect(await errorsOf({ "specs/a.yaml": spec })).toEqual([
      'specs/a.yaml:5:62: enum value "a" is already listed at specs/a.yaml:5:56',
      "specs/a.yaml:6:77: enum value 1 is already listed at specs/a.yaml:6:56",
      'specs/a.yaml:6:82: enum value {"y":2,"x":[1]} is already listed at specs/a.yaml:6:59',
    ]);
  });

  it("refuses a kind too long to be a file name, before writing anything", async () => {
    const long = `a.${"b".repeat(241)}`;
    expect(await errorsOf({ "specs/a.yaml": good.replaceAll("a.job", long) })).toEqual([
      `specs/a.yaml:2:11: kind "${long}" is 243 characters long; a kind names its handler file, so it is at most 128`,
    ]);
    const stream = `streams:\n  - kind: s.${"t".repeat(200)}\n    mode: output_only\n    cancellation: cooperative\n    onDetach: abort\n    start: { type: object }\n    result: { type: object }\n    events: {}\n`;
    expect(await errorsOf({ "specs/s.yaml": stream })).toEqual([
      expect.stringMatching(/^specs\/s\.yaml:2:11: stream kind "s\.t+" is 202 characters long; a kind names its handler file, so it is at most 128$/),
    ]);
  });

  it("refuses a kind that cannot become a name", async () => {
    expect(await errorsOf({ "specs/a.yaml": good.replace("kind: a.job\n", 'kind: "a\\"; alert(1); //"\n') })).toEqual([
      expect.stringMatching(/^specs\/a\.yaml:2:11: kind "a\\"; alert\(1\); \/\/" must be words of letters and digits/),
    ]);
  });
});
