import { StructureKind, ts, VariableDeclarationKind } from "ts-morph";
import { handlerImport, type HandlerDirs, type HandlerFile, type ModuleModel } from "../model.ts";
import { printExpression } from "../zod-ir.ts";
import { header, render, type Statements } from "./print.ts";

/**
 * What `agent-do.ts` depends on, and nothing more: a changed schema never
 * changes it, so `--watch` can tell from this alone whether to print it again.
 */
export interface Registration {
  readonly runtime: string;
  readonly specFiles: readonly string[];
  /** Each trigger, by kind: its value name and where its handlers are imported from. */
  readonly triggers: readonly { readonly valueName: string; readonly handlers: string }[];
  readonly streams: readonly { readonly valueName: string; readonly handlers: string }[];
  /** Each declared event's constant, by kind. */
  readonly events: readonly string[];
  /** Each spec module and the factories (and declared events) it exports. */
  readonly modules: readonly { readonly name: string; readonly factories: readonly string[] }[];
  /** Some spec declares a cron schedule: the registration imports the runtime's cron entry, which no other Worker bundles. */
  readonly cron: boolean;
}

/** The model → what the registration needs from it; handler paths come from the model's `handlerFiles`. */
export function registrationOf(
  modules: readonly ModuleModel[],
  handlers: readonly HandlerFile[],
  options: HandlerDirs & { readonly root: string; readonly outDir: string; readonly runtimeModule: string },
): Registration {
  const registered = (role: HandlerFile["role"]) =>
    handlers
      .filter((h) => h.role === role)
      .sort((a, b) => a.kind.localeCompare(b.kind))
      .map((h) => ({ valueName: h.valueName, handlers: handlerImport(options.root, options.outDir, h) }));
  return {
    runtime: options.runtimeModule,
    specFiles: modules.map((m) => m.specFile),
    triggers: registered("trigger"),
    streams: registered("stream"),
    events: modules
      .flatMap((m) => m.events)
      .sort((a, b) => a.kind.localeCompare(b.kind))
      .map((e) => e.names.constName),
    modules: modules.map((m) => ({
      name: m.moduleName,
      factories: [
        ...m.triggers.map((t) => `${t.valueName}Trigger`),
        ...m.streams.map((st) => st.valueName),
        ...m.events.map((e) => e.names.constName),
      ],
    })),
    cron: modules.some((m) => m.triggers.some((t) => t.schedules.some((schedule) => "cron" in schedule))),
  };
}

/** `agent-do.ts`: every trigger and stream with its handlers, and the Durable Object class that runs them. */
export function agentDoFile(registration: Registration): string {
  return render("agent-do", header(registration.specFiles), statements(registration));
}

function statements({ runtime, triggers, streams, events, modules, cron }: Registration): Statements {
  const statements: Statements = [{ kind: StructureKind.ImportDeclaration, namedImports: ["defineAgentDO"], moduleSpecifier: runtime }];
  if (cron) statements.push({ kind: StructureKind.ImportDeclaration, namedImports: ["cron"], moduleSpecifier: `${runtime}/cron` });
  for (const { valueName, handlers } of [...triggers, ...streams]) {
    statements.push({
      kind: StructureKind.ImportDeclaration,
      namedImports: [{ name: "handlers", alias: `${valueName}Handlers` }],
      moduleSpecifier: handlers,
    });
  }
  for (const { name, factories } of modules) {
    if (factories.length > 0)
      statements.push({ kind: StructureKind.ImportDeclaration, namedImports: [...factories], moduleSpecifier: `./${name}` });
  }
  statements.push(
    {
      kind: StructureKind.VariableStatement,
      isExported: true,
      declarationKind: VariableDeclarationKind.Const,
      docs: ["Every trigger the specs declare, each with its handlers."],
      declarations: [
        {
          name: "triggers",
          initializer: registered(triggers.map(({ valueName }) => [`${valueName}Trigger`, `${valueName}Handlers`])),
        },
      ],
    },
    {
      kind: StructureKind.VariableStatement,
      isExported: true,
      declarationKind: VariableDeclarationKind.Const,
      docs: ["Every output-only attached stream the specs declare, each with its handlers."],
      declarations: [{ name: "streams", initializer: registered(streams.map(({ valueName }) => [valueName, `${valueName}Handlers`])) }],
    },
    {
      kind: StructureKind.VariableStatement,
      isExported: true,
      declarationKind: VariableDeclarationKind.Const,
      docs: ["Every fact kind the specs declare on their own, which `emitEvent` appends."],
      declarations: [{ name: "events", initializer: printExpression(constList(events.map((name) => ts.factory.createIdentifier(name)))) }],
    },
    {
      kind: StructureKind.VariableStatement,
      isExported: true,
      declarationKind: VariableDeclarationKind.Const,
      docs: ["The Durable Object class that runs them; export it from your Worker."],
      declarations: [{ name: "AgentDO", initializer: `defineAgentDO({ triggers, streams, events${cron ? ", cron" : ""} })` }],
    },
    {
      kind: StructureKind.TypeAlias,
      isExported: true,
      name: "AgentDO",
      docs: ["An instance of it: type the binding with `DurableObjectNamespace<AgentDO>`."],
      type: "InstanceType<typeof AgentDO>",
    },
  );
  return statements;
}

/** `[factory(handlers), …] as const`, printed. */
function registered(pairs: readonly (readonly [string, string])[]): string {
  const f = ts.factory;
  const calls = pairs.map(([factory, handlers]) =>
    f.createCallExpression(f.createIdentifier(factory), undefined, [f.createIdentifier(handlers)]),
  );
  return printExpression(constList(calls));
}

/** `[…] as const`, one item a line. */
function constList(items: readonly ts.Expression[]): ts.Expression {
  const f = ts.factory;
  return f.createAsExpression(f.createArrayLiteralExpression(items, items.length > 0), f.createTypeReferenceNode("const"));
}
