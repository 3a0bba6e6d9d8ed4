/**
 * Bundle size: each worker built the way `wrangler deploy` would upload it
 * (`--dry-run --outdir`), with `--minify` and without (wrangler's default),
 * raw and gzip-compressed.
 *
 *   npx tsx bench/size.ts      (needs `npm ci --prefix bench/peers` for the Agents SDK worker)
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

const workers = [
  {
    what: "durable-triggers runtime, one trigger, intent checked by hand",
    config: "bench/size/wrangler.jsonc",
    entry: "bench/size/runtime-only.ts",
  },
  {
    what: "the same, intent checked by zod (as generated code does)",
    config: "bench/size/wrangler.jsonc",
    entry: "bench/size/with-zod.ts",
  },
  {
    what: "the same, intent checked by zod/mini (not what the generator emits today)",
    config: "bench/size/wrangler.jsonc",
    entry: "bench/size/with-zod-mini.ts",
  },
  {
    what: "zod-checked trigger + cron schedules (`durable-triggers/cron`, imported by generated code when a spec declares one)",
    config: "bench/size/wrangler.jsonc",
    entry: "bench/size/with-cron.ts",
  },
  {
    what: "zod-checked trigger + the operator API under /ops, no console",
    config: "bench/size/wrangler.jsonc",
    entry: "bench/size/with-operator.ts",
  },
  { what: "the same + the console (`durable-triggers/console`)", config: "bench/size/wrangler.jsonc", entry: "bench/size/with-console.ts" },
  { what: "the example app (the operator surface and its console, four spec files)", config: "wrangler.jsonc" },
  { what: "Agents SDK 0.32.0, one queue callback", config: "bench/peers/agents/wrangler.jsonc" },
];

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

/** The bundle wrangler would upload, raw and gzipped. */
function build(config: string, entry: string | undefined, minify: boolean): string {
  const outdir = mkdtempSync(join(tmpdir(), "size-"));
  execFileSync(
    "node_modules/.bin/wrangler",
    ["deploy", "--dry-run", ...(minify ? ["--minify"] : []), "--outdir", outdir, "-c", config, ...(entry ? [entry] : [])],
    {
      env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
      stdio: "ignore",
    },
  );
  const bundle = readdirSync(outdir).find((file) => file.endsWith(".js"));
  if (!bundle) throw new Error(`no bundle in ${outdir}`);
  const code = readFileSync(join(outdir, bundle));
  return `${kib(code.byteLength)} / ${kib(gzipSync(code).byteLength)}`;
}

console.log("| worker | minified / gzip | not minified (default) / gzip |");
console.log("| --- | ---: | ---: |");
for (const { what, config, entry } of workers) {
  if (config.startsWith("bench/peers/") && !existsSync("bench/peers/node_modules")) continue; // needs `npm ci --prefix bench/peers`
  console.log(`| ${what} | ${build(config, entry, true)} | ${build(config, entry, false)} |`);
}
