import { StructureKind, ts, VariableDeclarationKind } from "ts-morph";
import type { DeclaredEventModel } from "../model.ts";
import { printExpression } from "../zod-ir.ts";
import { docs, jsonSchemaStatement, type Statements } from "./print.ts";
import { exportedJsonSchemaOf, printedType, schemaStatements, type Resolve } from "./schema.ts";

/**
 * A fact kind declared on its own: its payload's schema and type (and input
 * type, when a default makes it differ), its parser, its JSON Schema, and the
 * `<name>Event` constant that `defineAgentDO({ events })` registers, so that
 * `emitEvent` is typed by kind.
 */
export function declaredEventStatements(event: DeclaredEventModel, resolve: Resolve): Statements {
  const f = ts.factory;
  const { names, payload } = event;
  const input = printedType(payload, resolve, "input");
  const hasInput = input !== printedType(payload, resolve);
  const statements: Statements = [...schemaStatements(payload, resolve)];
  if (hasInput) {
    statements.push({
      kind: StructureKind.TypeAlias,
      isExported: true,
      name: names.inputTypeName,
      docs: ["What `emitEvent` takes: fields with a default may be left out."],
      type: input,
    });
  }
  statements.push(
    {
      kind: StructureKind.Function,
      isExported: true,
      name: names.parseName,
      docs: ["Validates an event payload; a refusal names the path of the bad field."],
      parameters: [{ name: "raw", type: "unknown" }],
      returnType: `PayloadParseResult<${names.typeName}${hasInput ? `, ${names.inputTypeName}` : ""}>`,
      statements: [`return parsePayloadWith(${payload.constName}, raw);`],
    },
    jsonSchemaStatement(names.jsonSchemaName, `a \`${event.kind}\` payload`, exportedJsonSchemaOf(payload, resolve)),
  );
  const value = f.createObjectLiteralExpression(
    [
      f.createPropertyAssignment("kind", f.createStringLiteral(event.kind)),
      ...(event.description === undefined ? [] : [f.createPropertyAssignment("description", f.createStringLiteral(event.description))]),
      f.createPropertyAssignment("payloadSchema", f.createIdentifier(names.jsonSchemaName)),
      f.createPropertyAssignment("parsePayload", f.createIdentifier(names.parseName)),
    ],
    true,
  );
  statements.push({
    kind: StructureKind.VariableStatement,
    isExported: true,
    declarationKind: VariableDeclarationKind.Const,
    docs: docs(event.description ?? `The \`${event.kind}\` fact, appended by \`emitEvent\`.`),
    declarations: [
      {
        name: names.constName,
        initializer: printExpression(f.createSatisfiesExpression(value, f.createTypeReferenceNode(`DeclaredEvent<${names.typeName}>`))),
      },
    ],
  });
  return statements;
}
