import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";
import { ignoreRefusals } from "./runtime/testing.ts";

// Three projects: the generator runs in Node; the runtime and the example app
// run inside workerd with real SQLite-backed Durable Objects and real alarms.
export default defineConfig({
  test: {
    // vitest-pool-workers leaks one unhandled rejection for every Durable Object RPC that
    // rejects, even when the test awaits it (cloudflare/workers-sdk#14736). The runtime's
    // refusals (as `durable-triggers/testing` ships it to users) and the registration
    // errors these tests provoke on purpose are let through.
    onUnhandledError(error) {
      const { remote, name } = error as { remote?: boolean; name?: string };
      return ignoreRefusals(error) && !(remote === true && name === "RegistrationError");
    },
    projects: [
      {
        test: {
          name: "generator",
          environment: "node",
          include: ["test/generator/**/*.test.ts", "test/architecture/**/*.test.ts"],
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: "node-e2e",
          environment: "node",
          // Each file starts its own wrangler dev; two at once in one directory can make one rebuild the other.
          fileParallelism: false,
          include: ["test/browser/**/*.test.ts", "test/reliability/**/*.node.test.ts", "test/consumer/*.node.test.ts"],
          testTimeout: 60_000,
          hookTimeout: 90_000,
        },
      },
      {
        plugins: [cloudflareTest({ wrangler: { configPath: "./test/runtime/wrangler.jsonc" } })],
        test: {
          name: "runtime",
          include: ["test/runtime/**/*.test.ts", "test/reliability/**/*.test.ts"],
          exclude: ["test/reliability/**/*.node.test.ts"],
          provide: { soakRuns: Number(process.env.SOAK_RUNS ?? 0) },
          testTimeout: 20_000,
        },
      },
      {
        plugins: [cloudflareTest({ wrangler: { configPath: "./wrangler.jsonc" } })],
        test: {
          name: "app",
          // test/triggers: one property test per trigger, written once by trigger-codegen (`tests` in trigger-codegen.json).
          include: ["test/e2e/**/*.test.ts", "test/triggers/**/*.test.ts"],
          testTimeout: 20_000,
        },
      },
    ],
  },
});
