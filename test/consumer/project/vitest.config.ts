import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

export default defineConfig({
  plugins: [cloudflareTest({ wrangler: { configPath: "./wrangler.jsonc" } })],
  test: {
    testTimeout: 15_000,
    // vitest-pool-workers reports every rejecting RPC as unhandled even when the test awaits it
    // (cloudflare/workers-sdk#14736); let the runtime's own refusals through.
    onUnhandledError: (error) => !((error as { remote?: boolean }).remote === true && (error as Error).name === "RequestError"),
  },
});
