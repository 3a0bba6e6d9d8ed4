import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { ignoreRefusals } from "durable-triggers/testing";
import { defineConfig } from "vitest/config";

export default defineConfig({
  plugins: [cloudflareTest({ wrangler: { configPath: "./wrangler.toml" } })],
  test: {
    testTimeout: 15_000,
    // vitest-pool-workers reports an awaited RPC rejection as unhandled (workers-sdk#14736): let refusals through.
    onUnhandledError: ignoreRefusals,
  },
});
