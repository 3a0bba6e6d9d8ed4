/**
 * Issue #11 as a user meets it: intents enqueued for later under version 1
 * of a spec outlive a deploy that adds a required field. `generate` refuses
 * the change and says where and why; the user declares an upgrade and writes
 * it in the handler file; after a restart on the same persisted state the
 * stored intents run upgraded and complete. A small Worker project in a
 * scratch folder inside the repository (so `durable-triggers` resolves to
 * this package's dist/ by its own name, as the example app's does), run
 * under `wrangler dev --persist-to`, started twice.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { startWranglerDev, type DevServer } from "../browser/wrangler-dev";

const REPO = join(dirname(fileURLToPath(import.meta.url)), "../..");
const SCRATCH = join(REPO, "test/reliability/.tmp");
mkdirSync(SCRATCH, { recursive: true });
const project = mkdtempSync(join(SCRATCH, "upgrade-"));
const state = mkdtempSync(join(tmpdir(), "upgrade-state-"));
let server: DevServer | undefined;
afterAll(async () => {
  await server?.stop();
  rmSync(project, { recursive: true, force: true });
  rmSync(state, { recursive: true, force: true });
});

const write = (path: string, text: string) => {
  mkdirSync(dirname(join(project, path)), { recursive: true });
  writeFileSync(join(project, path), text);
};

/**
 * The user's `npx trigger-codegen generate`: the compiled command line's own entry, with what it
 * prints collected. In this process rather than a new one each time, since loading the code
 * generator is most of a run's cost and the test runs it three times.
 */
async function generate(command = "generate"): Promise<{ code: number; output: string }> {
  const { main } = (await import(join(REPO, "dist/generator/cli.js"))) as typeof import("../../generator/cli");
  const lines: string[] = [];
  const code = await main([command], { cwd: project, out: (line) => lines.push(line), err: (line) => lines.push(line) });
  return { code, output: lines.join("\n") };
}

const spec = (intent: string, declaration = "") => `triggers:
  - kind: greet.send
    intentEventKind: greet.send.requested
    cancellation: cooperative${declaration}
    intent:
      type: object
${intent}
    outcome:
      type: object
      required: [greeting]
      properties:
        greeting: { type: string }
    events:
      greet.send.sent: { payload: outcome }
`;
const V1 = `      required: [name]
      properties:
        name: { type: string, minLength: 1 }`;
const V2 = `      required: [name, title]
      properties:
        name: { type: string, minLength: 1 }
        title: { type: string, minLength: 1 }`;

const handler = (greeting: string, upgrade = "") => `import type { GreetSendHandlers } from "../../generated";

export const handlers: GreetSendHandlers = {
  async acquire(intent) {
    return { greeting: ${greeting} };
  },
  commit(outcome, tx) {
    tx.insertEvent({ kind: "greet.send.sent", payload: outcome });
  },
  commitCancelled() {},${upgrade}
};
`;

interface Listed {
  intentEventId: number;
  phase: string;
  intentVersion: number;
}
const scope = "deploys";
const api = (path: string, init?: RequestInit) => fetch(`${server!.url}/scopes/${scope}${path}`, init).then((r) => r.json());
const listed = () => api("/intents") as Promise<Listed[]>;

describe("stored intents across a deploy that breaks their schema", () => {
  it("are refused by generate, then upgraded by the handler's upgrade and completed after a restart on the same state", async () => {
    write(
      "wrangler.jsonc",
      JSON.stringify({
        name: "upgrade-e2e",
        main: "src/worker.ts",
        compatibility_date: "2026-04-21",
        compatibility_flags: ["enable_request_signal", "request_signal_passthrough"],
        durable_objects: { bindings: [{ name: "AGENT", class_name: "AgentDO" }] },
        migrations: [{ tag: "v1", new_sqlite_classes: ["AgentDO"] }],
      }),
    );
    write(
      "trigger-codegen.json",
      JSON.stringify({ specs: "specs", out: "generated", handlers: "src/triggers", streamHandlers: "src/streams" }),
    );
    write(
      "src/worker.ts",
      `import { operatorApi } from "durable-triggers/http";
export { AgentDO } from "../generated/agent-do";
export default { fetch: operatorApi<{ AGENT: DurableObjectNamespace }>({ namespace: (env) => env.AGENT }).fetch };
`,
    );
    write("specs/greet.yaml", spec(V1));
    write("src/triggers/greet.send.ts", handler("`Hello ${intent.name}`"));
    expect(await generate()).toMatchObject({ code: 0 });
    // Deployed as the deploy script does: released first, so version 1 is no longer a draft.
    expect(await generate("release")).toMatchObject({ code: 0 });

    // Version 1 runs; three intents are enqueued for a few seconds later, and the server stops before they are due
    // (had version 1's code run them, their facts would say so below).
    server = await startWranglerDev(60_000, { config: join(project, "wrangler.jsonc"), persistTo: state });
    const at = Date.now() + 5_000;
    const ids: number[] = [];
    for (const name of ["Ada", "Grace", "Edsger"]) {
      const { id } = (await api("/intents", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ triggerKind: "greet.send", payload: { name }, at }),
      })) as { id: number };
      ids.push(id);
    }
    expect((await listed()).map(({ phase, intentVersion }) => ({ phase, intentVersion }))).toEqual(
      Array(3).fill({ phase: "scheduled", intentVersion: 1 }),
    );
    await server.stop();
    server = undefined;

    // A required field without a default: every stored intent would be rejected, so generate refuses, at the node, and says what to do.
    write("specs/greet.yaml", spec(V2));
    const refused = await generate();
    expect(refused.code).toBe(1);
    expect(refused.output).toMatch(
      /specs\/greet\.yaml:7:17: the intent of "greet\.send" cannot become version 2: \$: requires "title", which stored values may lack \(required\); a stored intent such as \{"name":"x"\} would no longer parse\. .*declare upgradeIntentsTo: 2 and write upgradeToV2 in src\/triggers\/greet\.send\.ts/,
    );
    expect(refused.output).toContain("nothing was written");

    // The user declares the upgrade, writes it in the handler file, and generates.
    write("specs/greet.yaml", spec(V2, "\n    upgradeIntentsTo: 2"));
    write(
      "src/triggers/greet.send.ts",
      handler("`Hello ${intent.title} ${intent.name}`", `\n  upgradeToV2(old) {\n    return { ...old, title: "Dr" };\n  },`),
    );
    expect(await generate()).toMatchObject({ code: 0 });

    // The restart on the same state: the stored intents (version 1, now due) run through the upgrade and complete.
    server = await startWranglerDev(60_000, { config: join(project, "wrangler.jsonc"), persistTo: state });
    const deadline = Date.now() + 15_000;
    let intents = await listed();
    while (intents.some((intent) => intent.phase !== "completed") && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      intents = await listed();
    }
    expect(
      intents
        .map(({ intentEventId, phase, intentVersion }) => ({ intentEventId, phase, intentVersion }))
        .sort((a, b) => a.intentEventId - b.intentEventId),
    ).toEqual(ids.map((intentEventId) => ({ intentEventId, phase: "completed", intentVersion: 1 })));
    const facts = (await api("/events?kinds=greet.send.sent")) as { payload: { greeting: string } }[];
    expect(facts.map((fact) => fact.payload.greeting).sort()).toEqual(["Hello Dr Ada", "Hello Dr Edsger", "Hello Dr Grace"]);
    expect(await api("/events?kinds=durable_trigger.rejected")).toEqual([]);
  }, 60_000);
});
