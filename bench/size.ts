/**
 * Bundle size: each worker built the way `wrangler deploy` would upload it
 * (`--dry-run --outdir --minify`), raw and gzip-compressed.
 *
 *   npx tsx bench/size.ts      (needs `npm ci --prefix bench/peers` for the Agents SDK worker)
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

const workers = [
  { what: "durable-triggers runtime, one trigger, intent checked by hand", config: "bench/size/wrangler.jsonc", entry: "bench/size/runtime-only.ts" },
  { what: "the same, intent checked by zod (as generated code does)", config: "bench/size/wrangler.jsonc", entry: "bench/size/with-zod.ts" },
  { what: "the same, intent checked by zod/mini (not what the generator emits today)", config: "bench/size/wrangler.jsonc", entry: "bench/size/with-zod-mini.ts" },
  { what: "the example app (the operator surface and its console, four spec files)", config: "wrangler.jsonc" },
  { what: "Agents SDK 0.32.0, one queue callback", config: "bench/peers/agents/wrangler.jsonc" },
];

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

console.log("| worker | minified | gzip |");
console.log("| --- | ---: | ---: |");
for (const { what, config, entry } of workers) {
  const outdir = mkdtempSync(join(tmpdir(), "size-"));
  execFileSync("node_modules/.bin/wrangler", ["deploy", "--dry-run", "--minify", "--outdir", outdir, "-c", config, ...(entry ? [entry] : [])], {
    env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
    stdio: "ignore",
  });
  const bundle = readdirSync(outdir).find((file) => file.endsWith(".js"));
  if (!bundle) throw new Error(`no bundle for ${what}`);
  const code = readFileSync(join(outdir, bundle));
  console.log(`| ${what} | ${kib(code.byteLength)} | ${kib(gzipSync(code).byteLength)} |`);
}
