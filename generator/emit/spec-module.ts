import { StructureKind, ts, type StatementStructures } from "ts-morph";
import type { ModuleModel, SchemaModel, StreamModel, TriggerModel } from "../model.ts";
import type { JsonValue } from "../spec-format.ts";
import { upgradeDeclarations } from "../upgrade-types.ts";
import type { UpgradeStep } from "../versions.ts";
import { REFINE_WITH } from "../checks.ts";
import { commentSafe, jsonExpression, JSON_TYPE, printExpression, usesJson, usesRefineWith } from "../zod-ir.ts";
import { declaredEventStatements } from "./declared-event.ts";
import { FOLLOW_UPS_TYPE, followUpTypeName } from "./follow-ups.ts";
import { LaidOut } from "./laid-out.ts";
import { header, jsonSchemaStatement, render, type Statements } from "./print.ts";
import { exportedJsonSchemaOf, printedType, schemaStatements, type Resolve } from "./schema.ts";

/** A trigger's place in its version record. */
export interface IntentVersioning {
  readonly current: number;
  readonly droppedBefore: number | undefined;
  /** The upgrades of stored intents the handlers must supply, in order. */
  readonly upgrades: readonly UpgradeStep[];
}

/** What a spec's module is made from besides its model: where the runtime is, and each trigger's versioning. */
export interface SpecModuleInput {
  readonly runtime: string;
  /** Each trigger's place in its version record, in the module's order. */
  readonly versions: readonly IntentVersioning[];
}

/** One spec's module: its shared schemas, then each trigger and each stream with its types, parser and factory. */
export function specModuleFile(module: ModuleModel, input: SpecModuleInput): string {
  return render(module.moduleName, header([module.specFile]), moduleStatements(module, input));
}

function moduleStatements(module: ModuleModel, { runtime, versions }: SpecModuleInput): Statements {
  const triggers = module.triggers.map((trigger, i) => triggerUnit(trigger, versions[i]!));
  const statements: Statements = [
    { kind: StructureKind.ImportDeclaration, namespaceImport: "z", moduleSpecifier: "zod" },
    {
      kind: StructureKind.ImportDeclaration,
      isTypeOnly: true,
      namedImports: [
        ...(module.streams.length > 0 ? ["AttachedStream"] : []),
        ...(module.events.length > 0 ? ["DeclaredEvent"] : []),
        ...(module.triggers.length > 0 ? ["DurableTrigger", "FollowUp"] : []),
        // Every trigger, stream and event has a JSON Schema constant, and a module declares at least one.
        "JsonObject",
        ...(module.triggers.length > 0 ? ["ParseResult"] : []),
        ...(module.events.length > 0 ? ["PayloadParseResult"] : []),
        ...(module.streams.length > 0 ? ["StartParseResult"] : []),
      ],
      moduleSpecifier: runtime,
    },
    {
      kind: StructureKind.ImportDeclaration,
      namedImports: [
        ...(module.triggers.length > 0 ? ["parseWith"] : []),
        ...(module.streams.length > 0 ? ["parseStartWith"] : []),
        ...(module.events.length > 0 ? ["parsePayloadWith"] : []),
        ...(usesRefineWithIn(module) ? [REFINE_WITH] : []),
        ...(schemasOf(module).some((schema) => usesJson(schema.ir)) || triggers.some((unit) => unit.usesJson)
          ? [{ name: JSON_TYPE, isTypeOnly: true }]
          : []),
      ],
      moduleSpecifier: "./parse",
    },
    // A module of declared events alone enqueues nothing.
    ...(module.triggers.length + module.streams.length > 0
      ? [
          {
            kind: StructureKind.ImportDeclaration,
            isTypeOnly: true,
            namedImports: [FOLLOW_UPS_TYPE],
            moduleSpecifier: "./follow-ups",
          } satisfies StatementStructures,
        ]
      : []),
  ];
  for (const schema of module.schemas) statements.push(...schemaStatements(schema, (name) => module.refs.get(name)!));
  for (const event of module.events) statements.push(...declaredEventStatements(event, (name) => module.refs.get(name)!));
  for (const unit of triggers) statements.push(...unitStatements(unit));
  for (const stream of module.streams) statements.push(...unitStatements(streamUnit(stream)));
  return statements;
}

const schemasOfTrigger = (t: TriggerModel) => [t.intent, t.outcome, ...(t.progress ? [t.progress] : []), ...t.events];
const schemasOfStream = (st: StreamModel) => [
  st.start,
  ...(st.progress ? [st.progress] : []),
  ...(st.output ? [st.output] : []),
  st.result,
  ...st.events,
];

const typeAlias = (name: string, doc: string, type: string) => LaidOut.type(name, type, doc);

/** Whether a module's schemas run a refinement's schemas, so that it imports (and parse.ts declares) `refineWith`. */
export const usesRefineWithIn = (module: ModuleModel): boolean => schemasOf(module).some((schema) => usesRefineWith(schema.ir));

/** Every schema a module declares. */
function schemasOf(module: ModuleModel): SchemaModel[] {
  return [
    ...module.schemas,
    ...module.events.map((e) => e.payload),
    ...module.triggers.flatMap(schemasOfTrigger),
    ...module.streams.flatMap(schemasOfStream),
  ];
}

/**
 * What a trigger and a stream each declare, in the same order: its schemas,
 * (for a trigger, the intent's input type), the union of its events, its
 * parser, its payload's JSON Schema, its type, the type of its handlers, and
 * the factory joining its contract to the handlers.
 */
interface Unit {
  readonly kind: string;
  readonly what: "trigger" | "stream";
  readonly schemas: readonly SchemaModel[];
  readonly resolve: Resolve;
  readonly before: Statements;
  /** Whether `before` names `JsonValue` (a stored version's open object), which the module then imports. */
  readonly usesJson: boolean;
  readonly eventsDoc: string;
  readonly events: readonly { kind: string; typeName: string }[];
  /** `parse${T}Intent` and the like. */
  readonly parser: { readonly name: string; readonly what: string; readonly returnType: string; readonly call: string };
  readonly jsonSchema: { readonly name: string; readonly what: string; readonly value: JsonValue };
  readonly type: { readonly name: string; readonly description: string | undefined; readonly type: string };
  /** The prefix of the unit's types (`${T}Event`, `${T}Handlers`), and the members its handlers provide. */
  readonly typePrefix: string;
  readonly handlerMembers: readonly string[];
  /** Members the handlers must supply beyond those, as a type literal (a trigger's upgrades). */
  readonly handlersExtra: string | undefined;
  readonly factory: string;
  /** The contract's properties between `kind` and the schema/parser pair. */
  readonly properties: readonly ts.ObjectLiteralElementLike[];
  readonly schemaProperty: string;
  readonly parseProperty: string;
}

function triggerUnit(trigger: TriggerModel, versioning: IntentVersioning): Unit {
  const resolve: Resolve = (ref) => trigger.refs.get(ref)!;
  const { typeName: T, valueName: v } = trigger;
  const f = ts.factory;
  // Fields with a default may be left out when enqueueing: the parser's input type says so, when it differs.
  const input = printedType(trigger.intent, resolve, "input");
  const hasInput = input !== printedType(trigger.intent, resolve);
  // Stored intents of older versions: their types, and the upgrades the handlers must supply.
  const upgrades = upgradeDeclarations(T, versioning.upgrades, hasInput ? `${T}IntentInput` : `${T}Intent`, (s, r) => printedType(s, r));
  return {
    kind: trigger.kind,
    what: "trigger",
    schemas: schemasOfTrigger(trigger),
    resolve,
    before: [
      ...(hasInput ? [typeAlias(`${T}IntentInput`, "What `enqueueTrigger` takes: fields with a default may be left out.", input)] : []),
      typeAlias(
        followUpTypeName(T),
        `What a commit passes to \`tx.enqueue\` to start \`${trigger.kind}\` as follow-up work.`,
        `FollowUp<${JSON.stringify(trigger.kind)}, ${hasInput ? `${T}IntentInput` : `${T}Intent`}>`,
      ),
      ...upgrades.statements,
    ],
    eventsDoc: `The facts \`${trigger.kind}\` may write: each declared event kind with its payload.`,
    events: trigger.events,
    parser: {
      name: `parse${T}Intent`,
      what: "a raw payload",
      returnType: `ParseResult<${T}Intent${hasInput ? `, ${T}IntentInput` : ""}>`,
      call: `parseWith(${trigger.intent.constName}, raw)`,
    },
    // Not the record's inline form (generate.ts hashes that): the module's states each shared schema once.
    jsonSchema: { name: `${v}IntentJsonSchema`, what: "an intent payload", value: exportedJsonSchemaOf(trigger.intent, resolve) },
    type: {
      name: `${T}Trigger`,
      description: trigger.description,
      type: `DurableTrigger<${T}Intent, ${T}Outcome, Cloudflare.Env, ${T}Event, ${trigger.progress ? trigger.progress.typeName : "never"}, ${FOLLOW_UPS_TYPE}>`,
    },
    typePrefix: T,
    handlerMembers: ["acquire", "commit", "commitCancelled", "commitFailed"],
    handlersExtra: upgrades.members,
    usesJson: upgrades.usesJson,
    factory: `${v}Trigger`,
    properties: [
      f.createPropertyAssignment("intentEventKind", f.createStringLiteral(trigger.intentEventKind)),
      // For tools that list triggers (the operator console); the type's doc comment says it to a reader.
      ...(trigger.description === undefined ? [] : [f.createPropertyAssignment("description", f.createStringLiteral(trigger.description))]),
      f.createPropertyAssignment("cancellation", f.createStringLiteral(trigger.cancellation)),
      ...Object.entries(trigger.options).map(([name, value]) => f.createPropertyAssignment(name, jsonExpression(value))),
      // What #12 adds, each only when the spec says it: the runtime's own shapes (CancelOnRule, TriggerTimeouts, schedules).
      ...(trigger.cancelOn.length === 0
        ? []
        : [f.createPropertyAssignment("cancelOn", jsonExpression(trigger.cancelOn as unknown as JsonValue, true))]),
      ...(trigger.timeouts === undefined ? [] : [f.createPropertyAssignment("timeouts", jsonExpression(trigger.timeouts, true))]),
      ...(trigger.schedules.length === 0
        ? []
        : [f.createPropertyAssignment("schedules", jsonExpression(trigger.schedules as unknown as JsonValue, true))]),
      f.createPropertyAssignment("intentVersion", f.createNumericLiteral(versioning.current)),
      ...(versioning.droppedBefore === undefined
        ? []
        : [f.createPropertyAssignment("intentsDroppedBefore", f.createNumericLiteral(versioning.droppedBefore))]),
      ...(upgrades.contract === undefined ? [] : [upgrades.contract]),
    ],
    schemaProperty: "intentSchema",
    parseProperty: "parseIntent",
  };
}

function streamUnit(stream: StreamModel): Unit {
  const resolve: Resolve = (ref) => stream.refs.get(ref)!;
  const { typeName: T, valueName: v } = stream;
  const f = ts.factory;
  return {
    kind: stream.kind,
    what: "stream",
    schemas: schemasOfStream(stream),
    resolve,
    before: [],
    eventsDoc: `The facts the \`${stream.kind}\` stream may write with its terminal.`,
    events: stream.events,
    parser: {
      name: `parse${T}Start`,
      what: "a start payload",
      returnType: `StartParseResult<${T}Start>`,
      call: `parseStartWith(${stream.start.constName}, raw)`,
    },
    jsonSchema: { name: `${v}StartJsonSchema`, what: "a start payload", value: exportedJsonSchemaOf(stream.start, resolve) },
    type: {
      name: T,
      description: stream.description,
      type: `AttachedStream<${T}Start, ${stream.progress?.typeName ?? "never"}, ${stream.output?.typeName ?? "never"}, ${stream.result.typeName}, Cloudflare.Env, ${T}Event, ${FOLLOW_UPS_TYPE}>`,
    },
    typePrefix: T,
    handlerMembers: ["run", "commitTerminal"],
    handlersExtra: undefined,
    usesJson: false,
    factory: v,
    properties: [
      f.createPropertyAssignment("mode", f.createStringLiteral("output_only")),
      f.createPropertyAssignment("cancellation", f.createStringLiteral(stream.cancellation)),
      f.createPropertyAssignment("onDetach", f.createStringLiteral(stream.onDetach)),
    ],
    schemaProperty: "startSchema",
    parseProperty: "parseStart",
  };
}

function unitStatements(unit: Unit): Statements {
  const f = ts.factory;
  const T = unit.typePrefix;
  const statements: Statements = unit.schemas.flatMap((schema) => schemaStatements(schema, unit.resolve));
  statements.push(...unit.before);
  const handlers = `Pick<${unit.type.name}, ${unit.handlerMembers.map((m) => JSON.stringify(m)).join(" | ")}>`;
  statements.push(
    LaidOut.type(`${T}Event`, eventUnion(unit.events), unit.eventsDoc),
    LaidOut.function(unit.parser.name, "raw: unknown", `return ${unit.parser.call};`, {
      doc: `Validates ${unit.parser.what}; a refusal names the path of the bad field.`,
      returns: unit.parser.returnType,
    }),
    jsonSchemaStatement(unit.jsonSchema.name, unit.jsonSchema.what, unit.jsonSchema.value),
    LaidOut.type(unit.type.name, unit.type.type, unit.type.description === undefined ? undefined : commentSafe(unit.type.description)),
    // Upgrades' members are text of upgrade-types.ts's own layout, which the formatter lays out.
    unit.handlersExtra === undefined
      ? LaidOut.type(`${T}Handlers`, handlers, handlersDoc(unit))
      : {
          kind: StructureKind.TypeAlias,
          isExported: true,
          name: `${T}Handlers`,
          docs: [handlersDoc(unit)],
          type: `${handlers} & ${unit.handlersExtra}`,
        },
  );
  const contract = f.createObjectLiteralExpression(
    [
      f.createPropertyAssignment("kind", f.createStringLiteral(unit.kind)),
      ...unit.properties,
      f.createPropertyAssignment(unit.schemaProperty, f.createIdentifier(unit.jsonSchema.name)),
      f.createPropertyAssignment(unit.parseProperty, f.createIdentifier(unit.parser.name)),
      f.createSpreadAssignment(f.createIdentifier("handlers")),
    ],
    true,
  );
  const body = printExpression(f.createReturnStatement(f.createSatisfiesExpression(contract, f.createTypeReferenceNode(unit.type.name))));
  statements.push(
    LaidOut.function(unit.factory, `handlers: ${T}Handlers`, body, {
      doc: `The \`${unit.kind}\` ${unit.what}, its spec and your handlers together.`,
    }),
  );
  return statements;
}

const handlersDoc = (unit: Unit) => `What a person writes for this ${unit.what}: the handler file exports it as \`handlers\`.`;

/** The union of `{ kind, payload }` a commit callback may insert. */
function eventUnion(events: readonly { kind: string; typeName: string }[]): string {
  const f = ts.factory;
  if (events.length === 0) return "never";
  return printExpression(
    f.createUnionTypeNode(
      events.map((event) =>
        f.createTypeLiteralNode([
          f.createPropertySignature(
            [f.createModifier(ts.SyntaxKind.ReadonlyKeyword)],
            "kind",
            undefined,
            f.createLiteralTypeNode(f.createStringLiteral(event.kind)),
          ),
          f.createPropertySignature(
            [f.createModifier(ts.SyntaxKind.ReadonlyKeyword)],
            "payload",
            undefined,
            f.createTypeReferenceNode(event.typeName),
          ),
        ]),
      ),
    ),
  );
}
