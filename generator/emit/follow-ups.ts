import { StructureKind } from "ts-morph";
import type { ModuleModel } from "../model.ts";
import { header, render, type Statements } from "./print.ts";

/** The union's name. No trigger's own types end in "FollowUps", and a shared schema may not take it (see check.ts). */
export const FOLLOW_UPS_TYPE = "FollowUps";

/** A trigger's member of the union, declared in its own module beside its input type. */
export const followUpTypeName = (typePrefix: string) => `${typePrefix}FollowUp`;

/**
 * `follow-ups.ts`: the work a commit may enqueue with `tx.enqueue`, one member per trigger the specs
 * declare. Every trigger's and stream's transaction is typed with it, so a follow-up is checked at
 * compile time like an `enqueueTrigger` request. The members are imported, not spelt out here,
 * so that the union never refers back to a trigger's type (which refers to the union).
 */
export function followUpsFile(modules: readonly ModuleModel[], specFiles: readonly string[]): string {
  const members = modules.flatMap((module) => module.triggers.map((trigger) => followUpTypeName(trigger.typeName)));
  const statements: Statements = modules
    .filter((module) => module.triggers.length > 0)
    .map((module) => ({
      kind: StructureKind.ImportDeclaration,
      isTypeOnly: true,
      namedImports: module.triggers.map((trigger) => followUpTypeName(trigger.typeName)),
      moduleSpecifier: `./${module.moduleName}`,
    }));
  statements.push({
    kind: StructureKind.TypeAlias,
    isExported: true,
    name: FOLLOW_UPS_TYPE,
    docs: [
      "The work a commit may enqueue with `tx.enqueue`: one member per trigger the specs declare, each typed like its `enqueueTrigger` request.",
    ],
    type: members.length === 0 ? "never" : members.join(" | "),
  });
  return render("follow-ups", header(specFiles), statements);
}
