import { posix } from "node:path";
import { arbitraryNames, triggerArbitrary } from "./emit/arbitraries.ts";
import { relative, type ModuleModel } from "./model.ts";
import { commentSafe } from "./zod-ir.ts";

export interface TriggerTest {
  readonly path: string;
  readonly text: string;
}

/**
 * One property test per trigger, in the `tests` folder (opt-in): written once,
 * like a handler stub, and then the project's own. Every valid intent (from
 * the generated arbitraries) settles exactly once when cancelled at any of
 * its acquire's awaits, and the door refuses every invalid one.
 */
export function planTriggerTests(
  modules: readonly ModuleModel[],
  options: { root: string; outDir: string; testsDir: string; binding?: string },
): TriggerTest[] {
  const arbitraries = `${relative(options.root, options.testsDir, options.outDir)}/arbitraries`;
  // The settings schema checked it is an identifier, so it is safe to print as one.
  const binding = options.binding ?? "AGENT";
  return modules.flatMap((module) =>
    // A trigger without arbitraries (a recursive intent) gets no test to write.
    module.triggers
      .filter((trigger) => "expression" in triggerArbitrary(module, trigger))
      .map((trigger) => {
        const { valid, invalid } = arbitraryNames(trigger);
        const kind = JSON.stringify(trigger.kind);
        const text = [
          `import { env } from "cloudflare:workers";`,
          `import * as fc from "fast-check";`,
          `import { cancelAtEveryAwait } from "durable-triggers/testing/kit";`,
          `import { expect, it } from "vitest";`,
          `import { ${invalid}, ${valid} } from ${JSON.stringify(arbitraries)};`,
          ``,
          `/**`,
          ` * \`${commentSafe(trigger.kind)}\` (${commentSafe(module.specFile)}), tested from its intent schema. trigger-codegen wrote this`,
          ` * test once; it is yours. \`env.${binding}\` is the binding of the class defineAgentDO built (\`binding\` in trigger-codegen.json).`,
          ` */`,
          `let scopes = 0;`,
          `const freshScope = () => env.${binding}.getByName(${JSON.stringify(`${trigger.kind}-test-`)} + ++scopes);`,
          ``,
          `it(${JSON.stringify(`${trigger.kind}: every valid intent settles exactly once, cancelled at any await`)}, async () => {`,
          `  await fc.assert(`,
          `    fc.asyncProperty(${valid}, async (payload) => {`,
          `      await cancelAtEveryAwait(freshScope(), { triggerKind: ${kind}, payload });`,
          `    }),`,
          `    { numRuns: 3 },`,
          `  );`,
          `});`,
          ``,
          `it(${JSON.stringify(`${trigger.kind}: the door refuses every invalid intent, writing nothing`)}, async () => {`,
          `  const agent = freshScope();`,
          `  await fc.assert(`,
          `    fc.asyncProperty(${invalid}, async (payload) => {`,
          `      expect((await agent.attempt("enqueueTrigger", { triggerKind: ${kind}, payload: payload as never })).ok).toBe(false);`,
          `    }),`,
          `    { numRuns: 20 },`,
          `  );`,
          `  expect(await agent.intents()).toEqual([]);`,
          `});`,
          ``,
        ].join("\n");
        return { path: posix.join(options.testsDir, `${trigger.kind}.test.ts`), text };
      }),
  );
}
