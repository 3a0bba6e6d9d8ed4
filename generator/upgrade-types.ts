import { StructureKind, ts, type StatementStructures } from "ts-morph";
import type { JsonSchema } from "./compat.ts";
import type { SchemaModel } from "./model.ts";
import { pascalCase } from "./names.ts";
import type { PayloadSchema, SchemaOrRef } from "./spec-format.ts";
import type { UpgradeStep } from "./versions.ts";
import { refName, toIR, usesJson as usesJsonIR } from "./zod-ir.ts";

/** The handlers' member that upgrades stored intents to version `to` (the spec's `upgradeIntentsTo: to`). */
export const upgradeMemberName = (to: number) => `upgradeToV${to}`;

/** How a schema's TypeScript type is printed (the emitter's `printedType`, for a schema's output). */
export type PrintType = (schema: SchemaModel, resolve: (ref: string) => SchemaModel) => string;

/** What a trigger's upgrades add to its module. */
export interface UpgradeDeclarations {
  /** `…IntentV<n>` for each version an upgrade takes or answers, oldest first, with the types they name. */
  readonly statements: StatementStructures[];
  /** The members the handlers type requires, as a type literal; `undefined` when there are none. */
  readonly members: string | undefined;
  /** `intentUpgrades: { 2: handlers.upgradeToV2 }` for the trigger's contract. */
  readonly contract: ts.PropertyAssignment | undefined;
  /** Whether a stored version's type names `JsonValue` (an open object's other keys), which the module then imports. */
  readonly usesJson: boolean;
}

/**
 * The old versions' types come from the record, not from the spec (which has
 * moved on): each version's stored JSON Schema, read back as a payload schema
 * through the same IR the spec's schemas go through. A stored schema is what
 * `parseIntent` answered (defaults filled in, unknown keys stripped), so its
 * type is exactly what an upgrade is handed. Named schemas zod declared under
 * `definitions` (a recursion) become types of their own, `…IntentV1TreeNode`.
 */
export function upgradeDeclarations(
  typeName: string,
  steps: readonly UpgradeStep[],
  currentInput: string,
  printType: PrintType,
): UpgradeDeclarations {
  if (steps.length === 0) return { statements: [], members: undefined, contract: undefined, usesJson: false };
  const versionType = (version: number) => `${typeName}IntentV${version}`;
  const wanted = new Map<number, JsonSchema>();
  for (const step of steps) {
    for (const from of step.from) wanted.set(from.version, from.stored);
    if (!step.toCurrent) wanted.set(step.target.version, step.target.stored);
  }
  const statements: StatementStructures[] = [...wanted]
    .sort(([a], [b]) => a - b)
    .flatMap(([version, stored]) => versionStatements(versionType(version), version, stored, printType));

  const f = ts.factory;
  const members = steps.map((step) => {
    const from = step.from.map((v) => versionType(v.version)).join(" | ");
    const stored =
      step.from.length === 1 ? `version ${step.from[0]!.version}` : `versions ${step.from[0]!.version} to ${step.from.at(-1)!.version}`;
    const answer = step.toCurrent ? `one the current schema accepts` : `one as version ${step.to} stores it`;
    return [
      `  /** Turns an intent stored under ${stored} into ${answer}; the runtime runs it whenever such an intent is read. */`,
      `  ${upgradeMemberName(step.to)}(old: ${from}): ${step.toCurrent ? currentInput : versionType(step.to)};`,
    ].join("\n");
  });
  const contract = f.createPropertyAssignment(
    "intentUpgrades",
    f.createObjectLiteralExpression(
      steps.map((step) =>
        f.createPropertyAssignment(
          f.createNumericLiteral(step.to),
          f.createPropertyAccessExpression(f.createIdentifier("handlers"), upgradeMemberName(step.to)),
        ),
      ),
    ),
  );
  const usesJson = [...wanted.values()].some((stored) => versionModels(versionType(0), stored).some((m) => usesJsonIR(m.ir)));
  return { statements, members: `{\n${members.join("\n")}\n}`, contract, usesJson };
}

/** A stored version's schema as models: the root first, then the named schemas under its `definitions`. */
function versionModels(name: string, stored: JsonSchema): [SchemaModel, ...SchemaModel[]] {
  const root = (typeof stored === "object" ? stored : {}) as PayloadSchema & { definitions?: Record<string, SchemaOrRef> };
  const { definitions = {}, ...schema } = root;
  const resolveSpec = (ref: string) => definitions[refName(ref)];
  const ctx = { resolve: resolveSpec, deferred: () => false, opaque: () => false };
  const model = (typeName: string, s: SchemaOrRef): SchemaModel => ({
    constName: typeName,
    typeName,
    ir: toIR(s, ctx),
    description: undefined,
  });
  return [model(name, schema), ...Object.entries(definitions).map(([key, s]) => model(`${name}${pascalCase(key)}`, s))];
}

function versionStatements(name: string, version: number, stored: JsonSchema, printType: PrintType): StatementStructures[] {
  const root = (typeof stored === "object" ? stored : {}) as { definitions?: Record<string, unknown> };
  const [rootModel, ...models] = versionModels(name, stored);
  const named = new Map(Object.keys(root.definitions ?? {}).map((key, i) => [key, models[i]!]));
  const resolve = (ref: string) => named.get(refName(ref))!;
  return [
    {
      kind: StructureKind.TypeAlias,
      isExported: true,
      name,
      docs: [`An intent as version ${version} of the schema stored it (from the version record).`],
      type: printType(rootModel, resolve),
    },
    ...[...named.values()].map(
      (m): StatementStructures => ({ kind: StructureKind.TypeAlias, isExported: true, name: m.typeName, type: printType(m, resolve) }),
    ),
  ];
}
