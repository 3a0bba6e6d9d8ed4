import { posix } from "node:path";
import { IndentationText, Project, QuoteKind, SyntaxKind, ts, VariableDeclarationKind, type ObjectLiteralExpression } from "ts-morph";
import { relative } from "./emit";
import type { ModuleModel, TriggerModel } from "./model";
import { commentSafe } from "./zod-ir";

const MEMBERS = [
  { name: "acquire", params: "intent, ctx", async: true },
  { name: "commit", params: "outcome, tx", async: false },
  { name: "commitCancelled", params: "intent, cancellation, tx", async: false },
] as const;

export interface HandlerPlan {
  readonly path: string;
  /** The file's text after this run, or null where the file is left as it is. */
  readonly text: string | null;
}

/**
 * Handler files belong to people. A missing one is written as a stub; an
 * existing one only gets what the spec now needs (the import of its
 * handlers type, the type on `handlers`, a missing member), through ts-morph,
 * so every body a person wrote stays byte for byte.
 */
export function planHandlers(
  modules: readonly ModuleModel[],
  existing: ReadonlyMap<string, string>,
  options: { root: string; handlersDir: string; outDir: string },
): HandlerPlan[] {
  const project = new Project({
    useInMemoryFileSystem: true,
    manipulationSettings: { indentationText: IndentationText.TwoSpaces, quoteKind: QuoteKind.Double },
  });
  return modules.flatMap((module) =>
    module.triggers.map((trigger) => {
      const path = posix.join(options.handlersDir, `${trigger.kind}.ts`);
      const generated = relative(options.root, options.handlersDir, options.outDir);
      const current = existing.get(path);
      const text = current === undefined ? newStub(path, trigger, module.specFile, generated) : repairOnce(project, path, current, trigger, generated);
      return { path, text: text === current ? null : text };
    }),
  );
}

/** A stub member, indented relative to itself; `indent` goes before its inner lines. */
function memberText(trigger: TriggerModel, member: (typeof MEMBERS)[number], indent = ""): string {
  const message = printString(`${trigger.kind}: ${member.name} is not written yet`);
  return `${member.async ? "async " : ""}${member.name}(${member.params}) {\n${indent}  throw new Error(${message});\n${indent}}`;
}

function printString(text: string): string {
  return ts.createPrinter().printNode(ts.EmitHint.Unspecified, ts.factory.createStringLiteral(text), ts.createSourceFile("s.ts", "", ts.ScriptTarget.ES2022));
}

function stub(trigger: TriggerModel, specFile: string, generated: string): string {
  return [
    `import type { ${trigger.typeName}Handlers } from ${printString(generated)};`,
    "",
    `/**`,
    ` * Handlers for \`${commentSafe(trigger.kind)}\` (${commentSafe(specFile)}). trigger-codegen wrote this stub once;`,
    ` * the bodies are yours, and later runs only add what a changed spec needs.`,
    ` */`,
    `export const handlers: ${trigger.typeName}Handlers = {`,
    ...MEMBERS.map((member) => `  ${memberText(trigger, member, "  ")},`),
    `};`,
    "",
  ].join("\n");
}

const repaired = new Map<string, string>();
const repairKey = (path: string, text: string, trigger: TriggerModel, generated: string) =>
  JSON.stringify([path, text, trigger.typeName, trigger.kind, generated]);

/** A fresh stub needs no repair: remembered as its own fixed point, so the next run does not parse it. */
function newStub(path: string, trigger: TriggerModel, specFile: string, generated: string): string {
  const text = stub(trigger, specFile, generated);
  repaired.set(repairKey(path, text, trigger, generated), text);
  return text;
}

/** A handler's repair depends only on its text and its trigger's name; `--watch` parses each version once. */
function repairOnce(project: Project, path: string, text: string, trigger: TriggerModel, generated: string): string {
  const key = repairKey(path, text, trigger, generated);
  let result = repaired.get(key);
  if (result === undefined) {
    result = repair(project, path, text, trigger, generated);
    repaired.set(key, result);
  }
  return result;
}

function repair(project: Project, path: string, text: string, trigger: TriggerModel, generated: string): string {
  const file = project.createSourceFile(`/${path}`, text, { overwrite: true });
  const typeName = `${trigger.typeName}Handlers`;
  try {
    const fromGenerated = file.getImportDeclarations().find((d) => /(^|\/)generated(\/index)?$/.test(d.getModuleSpecifierValue()));
    if (!fromGenerated) {
      file.insertImportDeclaration(0, { isTypeOnly: true, namedImports: [typeName], moduleSpecifier: generated });
    } else if (!fromGenerated.getNamedImports().some((n) => n.getName() === typeName)) {
      fromGenerated.addNamedImport(typeName);
    }
    let handlers = file.getVariableDeclaration("handlers");
    if (!handlers) {
      file.addVariableStatement({
        isExported: true,
        declarationKind: VariableDeclarationKind.Const,
        declarations: [{ name: "handlers", type: typeName, initializer: "{}" }],
      });
      handlers = file.getVariableDeclarationOrThrow("handlers");
    }
    if (handlers.getTypeNode()?.getText() !== typeName) handlers.setType(typeName);
    const object = handlers.getInitializerIfKind(SyntaxKind.ObjectLiteralExpression);
    if (object) addMissingMembers(object, trigger);
    return file.getFullText();
  } finally {
    project.removeSourceFile(file);
  }
}

function addMissingMembers(object: ObjectLiteralExpression, trigger: TriggerModel): void {
  const present = new Set(object.getProperties().map((p) => (p.isKind(SyntaxKind.SpreadAssignment) ? "" : p.getSymbol()?.getName() ?? "")));
  for (const member of MEMBERS) {
    if (!present.has(member.name)) object.addProperty(memberText(trigger, member));
  }
}
