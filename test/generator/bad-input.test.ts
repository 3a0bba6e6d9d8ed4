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
      'specs/a.yaml:1:1: unknown field "base"; expected one of schemas, triggers, streams, events',
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

  it("accepts a key that is no JSON Schema keyword with a warning at it, and a suggestion (issue 21 item 3)", async () => {
    const spec = good.replace("id: { type: string }", "id: { type: string, minlength: 1, tsAdditionalProperties: false }");
    const ws = new Workspace({ "specs/a.yaml": spec });
    try {
      const result = await ws.generateOrThrow();
      expect(result.warnings.map(formatError)).toEqual([
        'specs/a.yaml:5:63: warning: "minlength" is not a JSON Schema keyword; ignored, as JSON Schema ignores it. Did you mean "minLength"?',
        'specs/a.yaml:5:77: warning: "tsAdditionalProperties" is not a JSON Schema keyword; ignored, as JSON Schema ignores it. Did you mean "additionalProperties"?',
      ]);
    } finally {
      ws.dispose();
    }
  });

  it("refuses a JSON Schema keyword the generator does not handle, at it: ignoring it would accept what the schema refuses", async () => {
    const spec = good.replace("id: { type: string }", "id: { type: array, unevaluatedItems: false }");
    expect(await errorsOf({ "specs/a.yaml": spec })).toEqual([
      expect.stringMatching(
        /^specs\/a\.yaml:5:62: schema keyword "unevaluatedItems" is not supported: ignoring it would accept what the schema refuses; expected one of type, /,
      ),
    ]);
  });

  it("accepts every draft-07 and 2020-12 format, and an unknown one with a warning that names it (issue 21 item 2)", async () => {
    const formats = [
      "date-time",
      "date",
      "time",
      "duration",
      "email",
      "idn-email",
      "hostname",
      "idn-hostname",
      "ipv4",
      "ipv6",
      "uri",
      "uri-reference",
      "iri",
      "iri-reference",
      "uri-template",
      "uuid",
      "json-pointer",
      "relative-json-pointer",
      "regex",
    ];
    const properties = [...formats, "x-custom"].map((format, i) => `f${i}: { type: string, format: ${format} }`).join(", ");
    const ws = new Workspace({ "specs/a.yaml": good.replace("id: { type: string }", properties) });
    try {
      const result = await ws.generateOrThrow();
      expect(result.warnings.map(formatError)).toEqual([
        expect.stringMatching(
          /^specs\/a\.yaml:5:\d+: warning: format "x-custom" is not one the generator knows \(uuid, email, .*\); accepted and not checked$/,
        ),
      ]);
    } finally {
      ws.dispose();
    }
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
    const endless = (name: string) =>
      `schema "${name}" never ends: every value of it must hold another ${name}; make the reference that leads back optional, nullable, or an array that may be empty`;
    expect(await errorsOf({ "specs/a.yaml": shared })).toEqual([
      `specs/a.yaml:4:3: ${endless("Loop")}`,
      `specs/a.yaml:5:3: ${endless("Pair")}`,
      `specs/a.yaml:6:3: ${endless("Mate")}`,
    ]);
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
    expect(
      await errorsOf({
        "specs/a.yaml": good
          .replace("intent: { type: object, properties: { id: { type: string } } }", intent)
          .replace("outcome: { type: object }", "outcome: 7"),
      }),
    ).toEqual([
      "specs/a.yaml:8:34: triggers.0.intent.properties.a.items: expected boolean, or expected string, or expected object, or expected array",
      'specs/a.yaml:9:59: "strng" is not a type; expected one of object, array, string, number, integer, boolean, null. Did you mean "string"?',
      "specs/a.yaml:10:40: triggers.0.intent.properties.c.multipleOf: Too small: expected number to be >0",
      "specs/a.yaml:11:14: triggers.0.outcome: expected string, or expected object",
    ]);
  });

  it("refuses references outside the file's schemas, and keywords beside a reference, at the exact node", async () => {
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
    const annotations =
      "title, description, examples, example, deprecated, readOnly, writeOnly, $comment, $schema, $id, contentMediaType, nullable, discriminator, default";
    expect(await errorsOf({ "specs/a.yaml": spec })).toEqual([
      'specs/a.yaml:11:20: "#/component/schemas/Card" points outside this file\'s schemas; expected "#/schemas/<name>" (or "#/components/schemas/<name>", "#/$defs/<name>", "#/definitions/<name>") or a name: one of Card, Loose. Did you mean "Card"?',
      'specs/a.yaml:12:20: "Crad" names no schema; expected an inline schema or one of Card, Loose. Did you mean "Card"?',
      `specs/a.yaml:13:26: "minLength" beside "$ref": only annotations (${annotations}) go with it; put "minLength" in the schema it names, or use allOf`,
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
        k: { type: number, exclusiveMinimum: true }`;
    expect(
      await errorsOf({ "specs/a.yaml": good.replace("intent: { type: object, properties: { id: { type: string } } }", intent) }),
    ).toEqual([
      "specs/a.yaml:8:28: patternProperties is supported as one pattern that every key must match, with no properties or additionalProperties beside it",
      expect.stringMatching(/^specs\/a\.yaml:9:49: patternProperties key is not a valid regular expression: /),
      "specs/a.yaml:10:27: a tuple is either prefixItems (with items for the rest) or a list under items (with additionalItems), not both",
      "specs/a.yaml:11:27: additionalItems applies only after a list under items (a tuple); expected items: [..] beside it",
      "specs/a.yaml:12:46: exclusiveMinimum: true makes minimum exclusive, and there is no minimum; expected minimum beside it, or exclusiveMinimum as a number",
    ]);
  });

  it("reports an invalid regular expression and a required name missing from properties", async () => {
    const spec = good
      .replace("id: { type: string }", 'id: { type: string, pattern: "([a-z" }')
      .replace("type: object, properties", "type: object, required: [id, name], properties");
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
    const spec = good
      .replace("id: { type: string }", "id: { enum: [a, b, a] }")
      .replace(
        "outcome: { type: object }",
        "outcome: { type: object, properties: { v: { enum: [1, { x: [1], y: 2 }, 1.0, { y: 2, x: [1] }, { x: [2], y: 2 }] } } }",
      );
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
      expect.stringMatching(
        /^specs\/s\.yaml:2:11: stream kind "s\.t+" is 202 characters long; a kind names its handler file, so it is at most 128$/,
      ),
    ]);
  });

  it("refuses a kind that cannot become a name", async () => {
    expect(await errorsOf({ "specs/a.yaml": good.replace("kind: a.job\n", 'kind: "a\\"; alert(1); //"\n') })).toEqual([
      expect.stringMatching(/^specs\/a\.yaml:2:11: kind "a\\"; alert\(1\); \/\/" must be words of letters and digits/),
    ]);
  });
});

describe("bad input: events, cancelOn, timeouts, schedules (#12)", () => {
  const base = `events:
  payment.refunded:
    description: A refund arrived.
    payload: { type: object, required: [orderId], properties: { orderId: { type: integer }, amount: { type: number }, customer: Customer } }
schemas:
  Customer: { type: object, properties: { id: { type: string }, tags: { type: array } } }
triggers:
  - kind: a.job
    intentEventKind: a.job.requested
    cancellation: cooperative
    intent: { type: object, required: [id], properties: { id: { type: string }, n: { type: integer, default: 1 }, who: { allOf: [Customer] } } }
    outcome: { type: object }
    events:
      a.job.done: { payload: outcome }
`;

  it("refuses a cancelOn whose event is not declared, or whose paths are missing or of types that can never be equal, each at its node", async () => {
    const spec = `${base}    cancelOn:
      - event: payment.refunded
        match: { id: orderId, nope: amount, n: amont, who.id: customer.id, who.tags: customer.tags, who: amount }
      - event: payment.refundd
        match: { id: orderId }
      - event: a.job.done
        match: { n: n }
`;
    expect(await errorsOf({ "specs/a.yaml": spec })).toEqual([
      'specs/a.yaml:17:22: cancelOn match: intent field "id" is a string, and field "orderId" of event "payment.refunded" is an integer; a match compares equal values, so both must be of one type',
      'specs/a.yaml:17:31: cancelOn match: the intent of "a.job" has no field "nope": the payload has only id, n, who',
      'specs/a.yaml:17:48: cancelOn match: the payload of event "payment.refunded" (specs/a.yaml:2:3) has no field "amont": the payload has only orderId, amount, customer. Did you mean "amount"?',
      'specs/a.yaml:17:106: cancelOn match: intent field "who" is an object, and field "amount" of event "payment.refunded" is a number; a match compares equal values, so both must be of one type',
      "specs/a.yaml:18:16: cancelOn event \"payment.refundd\" is not declared; expected a kind under a spec's top-level events, in a trigger's or stream's events, or a trigger's intentEventKind: one of a.job.done, a.job.requested, payment.refunded, z.job.done, z.job.requested. Did you mean \"payment.refunded\"?",
      'specs/a.yaml:21:21: cancelOn match: the payload of event "a.job.done" of trigger "a.job" (specs/a.yaml:14:7) has no field "n": the payload has no declared properties',
    ]);
  });

  it("finds a cancelOn event declared in another file or another trigger's intent event, and a match of integer and number fields is let be", async () => {
    const [events, triggers] = base.split("schemas:\n");
    const spec = `schemas:\n${triggers!.replace("{ type: string }, n:", "{ type: string }, amount: { type: integer }, n:")}    cancelOn:\n      - { event: payment.refunded, match: { amount: amount } }\n      - { event: z.job.requested, match: { id: id } }\n`;
    const ws = new Workspace({
      "specs/a.yaml": spec,
      "specs/b.yaml": events!.replace("customer: Customer", "customer: { type: object }"),
      "specs/z.yaml": good.replaceAll("a.job", "z.job"),
    });
    try {
      await ws.generateOrThrow();
    } finally {
      ws.dispose();
    }
  });

  it("refuses an event kind that is reserved, taken by an intent event kind or another file, or written by a trigger too", async () => {
    const spec = `${base.replace("events:\n", "events:\n  durable_trigger.refund: { payload: { type: object } }\n  a.job.requested: { payload: { type: object } }\n  a.job.done: { payload: { type: object } }\n  payment-refunded: { payload: { type: object } }\n")}`;
    expect(
      await errorsOf({ "specs/a.yaml": spec, "specs/b.yaml": "events:\n  payment.refunded: { payload: { type: object } }\n" }),
    ).toEqual([
      'specs/a.yaml:2:3: event kind "durable_trigger.refund" is reserved: the runtime writes the durable_trigger.* kinds itself',
      'specs/a.yaml:3:3: event kind "a.job.requested" is already declared at specs/a.yaml:13:22',
      'specs/a.yaml:6:3: the name paymentRefundedEvent (from event kind "payment.refunded") is already declared at specs/a.yaml:5:3',
      'specs/a.yaml:18:7: event "a.job.done" of trigger "a.job" is declared on its own at specs/a.yaml:4:3; a kind has one payload schema, so a trigger or stream may not declare it again',
      'specs/b.yaml:2:3: event kind "payment.refunded" is already declared at specs/a.yaml:6:3',
    ]);
  });

  it("refuses durations that are zero, negative, fractional or unitless, at each", async () => {
    const spec = `${base}    timeouts: { start: 0, finish: -5m }\n    schedules:\n      - { key: a, every: 1.5h, payload: { id: x } }\n      - { key: b, every: 10 minutes, payload: { id: x } }\n`;
    const expected = "expected a duration: a whole number above 0 and a unit, ms, s, m, h or d (like 500ms, 30s, 10m, 1h, 1d)";
    expect(await errorsOf({ "specs/a.yaml": spec })).toEqual([
      `specs/a.yaml:15:24: triggers.0.timeouts.start: ${expected}`,
      `specs/a.yaml:15:35: triggers.0.timeouts.finish: ${expected}`,
      `specs/a.yaml:17:26: triggers.0.schedules.0.every: ${expected}`,
      `specs/a.yaml:18:26: triggers.0.schedules.1.every: ${expected}`,
    ]);
  });

  it("refuses an empty timeouts, a duration past what a number holds, and bad schedules, with every error of the run together", async () => {
    const spec = `${base}    timeouts: {}
    schedules:
      - { key: nightly, cron: "0 3 * * *", timezone: Europe/Pariss, payload: { id: 1 } }
      - { key: nightly, cron: "61 * * * *", payload: {} }
      - { key: beat, every: 5m, cron: "0 0 30 2 *", payload: { id: a, n: 1.5 } }
      - { key: long, every: 99999999999999999d, payload: { id: a } }
      - { key: "bad key", timezone: UTC, payload: { id: a } }
`;
    expect(await errorsOf({ "specs/a.yaml": spec })).toEqual([
      "specs/a.yaml:15:15: timeouts names start, finish or both (like { start: 10m, finish: 1h })",
      'specs/a.yaml:17:54: schedule "nightly": "Europe/Pariss" is not a time zone; expected an IANA name such as "Europe/Paris" or "America/New_York"',
      'specs/a.yaml:17:84: schedule "nightly": the payload is not an intent of "a.job": id: expected string, received number',
      'specs/a.yaml:18:16: schedule key "nightly" is already declared at specs/a.yaml:17:16',
      'specs/a.yaml:18:31: schedule "nightly": "61 * * * *" is not a cron expression: Invalid value for minute: 61; expected five fields (minute hour day month weekday, like "0 3 * * *"), or six with seconds first',
      'specs/a.yaml:18:54: schedule "nightly": the payload is not an intent of "a.job": missing the required field "id"',
      'specs/a.yaml:19:22: schedule "beat": cron and every both given; a schedule takes exactly one of them',
      'specs/a.yaml:19:39: schedule "beat": "0 0 30 2 *" never fires (no date matches it); expected an expression with a next time',
      'specs/a.yaml:19:74: schedule "beat": the payload is not an intent of "a.job": n: expected int, received number',
      'specs/a.yaml:20:29: duration "99999999999999999d" is more milliseconds than a number holds exactly; expected at most 9007199254740991ms',
      'specs/a.yaml:21:9: schedule "bad key": expected cron (like "0 3 * * *") or every (like 1h)',
      'specs/a.yaml:21:16: schedule key "bad key" must be words of letters and digits joined by ".", "_", ":" or "-" (like "nightly"), at most 128 characters',
      'specs/a.yaml:21:27: schedule "bad key": a timezone goes with a cron expression; every counts from the last firing, in no time zone',
    ]);
  });

  it("refuses a cancelOn on work that cannot be cancelled, and an every shorter than the runtime takes; steps into arrays by index", async () => {
    const spec = `${base.replace("cancellation: cooperative", "cancellation: ignored").replace("who: { allOf: [Customer] }", "who: { allOf: [Customer] }, rows: { type: array, items: { type: object, properties: { v: { type: boolean } } } }")}    cancelOn:
      - { event: payment.refunded, match: { rows.0.v: orderId, rows.x: orderId } }
    schedules:
      - { key: fast, every: 500ms, payload: { id: x } }
`;
    expect(await errorsOf({ "specs/a.yaml": spec })).toEqual([
      'specs/a.yaml:15:5: cancelOn on "a.job", whose cancellation is "ignored": a cancel request changes nothing for it, so no event would ever stop its work; expected cancellation: cooperative',
      'specs/a.yaml:16:55: cancelOn match: intent field "rows.0.v" is a boolean, and field "orderId" of event "payment.refunded" is an integer; a match compares equal values, so both must be of one type',
      'specs/a.yaml:16:64: cancelOn match: the intent of "a.job" has no field "rows.x": "rows" has no declared properties',
      'specs/a.yaml:18:29: schedule "fast": every "500ms" is shorter than 1s; expected at least 1s (each firing appends an intent the ledger keeps)',
    ]);
  });

  it("refuses unknown fields in the new places with suggestions", async () => {
    const spec = `${base}    timeouts: { strat: 1m }\n    schedules:\n      - { key: a, evry: 1m, payload: { id: x } }\n    cancelOn:\n      - { event: payment.refunded, mach: { id: orderId } }\n`;
    expect(await errorsOf({ "specs/a.yaml": spec })).toEqual([
      'specs/a.yaml:15:17: unknown field "strat"; expected one of start, finish. Did you mean "start"?',
      'specs/a.yaml:17:19: unknown field "evry"; expected one of key, cron, every, timezone, payload. Did you mean "every"?',
      'specs/a.yaml:19:9: triggers.0.cancelOn.0: missing the required field "match"',
      'specs/a.yaml:19:36: unknown field "mach"; expected one of event, match. Did you mean "match"?',
    ]);
  });
});
