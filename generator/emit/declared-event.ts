import { ts } from "ts-morph";
import type { DeclaredEventModel } from "../model.ts";
import { commentSafe, printExpression } from "../zod-ir.ts";
import { LaidOut, twoSpaced } from "./laid-out.ts";
import { jsonSchemaStatement, type Statements } from "./print.ts";
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
  if (hasInput) statements.push(LaidOut.type(names.inputTypeName, input, "What `emitEvent` takes: fields with a default may be left out."));
  statements.push(
    LaidOut.function(names.parseName, "raw: unknown", `return parsePayloadWith(${payload.constName}, raw);`, {
      doc: "Validates an event payload; a refusal names the path of the bad field.",
      returns: `PayloadParseResult<${names.typeName}${hasInput ? `, ${names.inputTypeName}` : ""}>`,
    }),
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
  const declared = printExpression(f.createSatisfiesExpression(value, f.createTypeReferenceNode(`DeclaredEvent<${names.typeName}>`)));
  statements.push(
    LaidOut.constant(names.constName, twoSpaced(declared), {
      doc: commentSafe(event.description ?? `The \`${event.kind}\` fact, appended by \`emitEvent\`.`),
    }),
  );
  return statements;
}
