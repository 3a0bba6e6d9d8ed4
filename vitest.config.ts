import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

// Three projects: the generator runs in Node; the runtime and the example app
// run inside workerd with real SQLite-backed Durable Objects and real alarms.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "generator",
          environment: "node",
          include: ["test/generator/**/*.test.ts"],
          testTimeout: 30_000,
        },
      },
      {
        plugins: [cloudflareTest({ wrangler: { configPath: "./test/runtime/wrangler.jsonc" } })],
        test: {
          name: "runtime",
          include: ["test/runtime/**/*.test.ts"],
          testTimeout: 20_000,
        },
      },
      {
        plugins: [cloudflareTest({ wrangler: { configPath: "./wrangler.jsonc" } })],
        test: {
          name: "app",
          include: ["test/e2e/**/*.test.ts"],
          testTimeout: 20_000,
        },
      },
    ],
  },
});
