import { posix } from "node:path";
import {
  IndentationText,
  Node,
  Project,
  QuoteKind,
  SyntaxKind,
  ts,
  VariableDeclarationKind,
  type ObjectLiteralElementLike,
  type ObjectLiteralExpression,
} from "ts-morph";
import { noMemo, type Memo } from "./cache.ts";
import { handlerFiles, relative, type ModuleModel } from "./model.ts";
import { upgradeMemberName } from "./upgrade-types.ts";
import { commentSafe } from "./zod-ir.ts";

interface Member {
  readonly name: string;
  /** What the member is called with; a stub names them all and reads none. */
  readonly params: readonly string[];
  readonly prefix: string;
}

/** What a handler file holds: for a trigger or for a stream. */
interface HandlerShape {
  readonly kind: string;
  readonly typeName: string;
  readonly members: readonly Member[];
}

const TRIGGER_MEMBERS: readonly Member[] = [
  { name: "acquire", params: ["intent", "ctx"], prefix: "async " },
  { name: "commit", params: ["outcome", "tx"], prefix: "" },
  { name: "commitCancelled", params: ["intent", "cancellation", "tx"], prefix: "" },
];
const STREAM_MEMBERS: readonly Member[] = [
  { name: "run", params: ["start", "ctx"], prefix: "async *" },
  { name: "commitTerminal", params: ["start", "terminal", "tx"], prefix: "" },
];

const upgradeMember = ({ to }: { readonly to: number }): Member => ({ name: upgradeMemberName(to), params: ["old"], prefix: "" });

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
  options: { root: string; handlersDir: string; streamHandlersDir: string; outDir: string },
  memo: Memo = noMemo,
  /** Each trigger's upgrades of stored intents: the handlers type requires an `upgradeToV<n>` for each. */
  upgrades: ReadonlyMap<string, readonly { readonly to: number }[]> = new Map(),
): HandlerPlan[] {
  const project = new Project({
    useInMemoryFileSystem: true,
    manipulationSettings: { indentationText: IndentationText.TwoSpaces, quoteKind: QuoteKind.Double },
  });
  const plans: HandlerPlan[] = [];
  // A handler's repair depends only on its text, its trigger's names and where the generated code is.
  const repairKey = (path: string, text: string, shape: HandlerShape, generated: string) => [
    path,
    text,
    shape.typeName,
    shape.kind,
    generated,
    shape.members.map((m) => m.name),
  ];
  for (const handler of handlerFiles(modules, options)) {
    const { path, dir, specFile } = handler;
    const members =
      handler.role === "trigger" ? [...TRIGGER_MEMBERS, ...(upgrades.get(handler.kind) ?? []).map(upgradeMember)] : STREAM_MEMBERS;
    const shape: HandlerShape = { kind: handler.kind, typeName: handler.handlersType, members };
    const generated = relative(options.root, dir, options.outDir);
    const current = existing.get(path);
    let text: string;
    if (current === undefined) {
      text = stub(shape, specFile, generated);
      // A fresh stub needs no repair: remembered as its own fixed point, so the next run does not parse it.
      memo("handler", repairKey(path, text, shape, generated), () => text);
    } else {
      text = memo("handler", repairKey(path, current, shape, generated), () => repair(project, path, current, shape, generated));
      // A repaired file needs no more repair: the next run, which reads it back, does not parse it again.
      memo("handler", repairKey(path, text, shape, generated), () => text);
    }
    plans.push({ path, text: text === current ? null : text });
  }
  return plans;
}

/**
 * A stub member, indented relative to itself; `indent` goes before its inner lines. Its parameters
 * start with `_`, unread as they are, so a project refusing unused parameters compiles it too.
 */
function memberText(shape: HandlerShape, member: Member, indent = ""): string {
  const message = printString(`${shape.kind}: ${member.name} is not written yet`);
  const params = member.params.map((name) => `_${name}`).join(", ");
  return `${member.prefix}${member.name}(${params}) {\n${indent}  throw new Error(${message});\n${indent}}`;
}

function printString(text: string): string {
  return ts
    .createPrinter()
    .printNode(ts.EmitHint.Unspecified, ts.factory.createStringLiteral(text), ts.createSourceFile("s.ts", "", ts.ScriptTarget.ES2022));
}

function stub(shape: HandlerShape, specFile: string, generated: string): string {
  return [
    `import type { ${shape.typeName} } from ${printString(generated)};`,
    "",
    `/**`,
    ` * Handlers for \`${commentSafe(shape.kind)}\` (${commentSafe(specFile)}). trigger-codegen wrote this stub once;`,
    ` * the bodies are yours, and later runs only add what a changed spec needs.`,
    ` */`,
    `export const handlers: ${shape.typeName} = {`,
    ...shape.members.map((member) => `  ${memberText(shape, member, "  ")},`),
    `};`,
    "",
  ].join("\n");
}

function repair(project: Project, path: string, text: string, shape: HandlerShape, generated: string): string {
  const file = project.createSourceFile(`/${path}`, text, { overwrite: true });
  const { typeName } = shape;
  try {
    const wanted = moduleOf(generated);
    const fromGenerated = file.getImportDeclarations().find((d) => moduleOf(d.getModuleSpecifierValue()) === wanted);
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
    if (object) addMissingMembers(object, shape);
    return file.getFullText();
  } finally {
    project.removeSourceFile(file);
  }
}

/**
 * The module a specifier names, written one way: `../gen`, `./../gen/`, `../gen/index` and
 * `../gen/index.ts` all name the directory's index, so they all read `../gen`.
 */
function moduleOf(specifier: string): string {
  if (!specifier.startsWith(".")) return specifier.replace(/\/index(?:\.[cm]?[jt]sx?)?$/, "");
  const path = posix.normalize(specifier).replace(/\/+$/, "");
  const module = path.replace(/(?:^|\/)index(?:\.[cm]?[jt]sx?)?$/, "");
  return module === "" ? "." : module;
}

function addMissingMembers(object: ObjectLiteralExpression, shape: HandlerShape): void {
  // Names read from the syntax: asking for symbols would build a type checker, which costs a second a file.
  const present = new Set(object.getProperties().map(memberName));
  for (const member of shape.members) {
    if (!present.has(member.name)) object.addProperty(memberText(shape, member));
  }
}

/** A member's name as written: `acquire`, `"acquire"` and `["acquire"]` all read `acquire`; a spread or a computed name reads "". */
function memberName(property: ObjectLiteralElementLike): string {
  if (Node.isSpreadAssignment(property)) return "";
  const name = property.getNameNode();
  if (Node.isIdentifier(name)) return name.getText();
  const literal = Node.isComputedPropertyName(name) ? name.getExpression() : name;
  return Node.isStringLiteral(literal) || Node.isNoSubstitutionTemplateLiteral(literal) || Node.isNumericLiteral(literal)
    ? literal.getLiteralText()
    : "";
}
