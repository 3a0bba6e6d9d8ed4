/**
 * Runtime figures, taken inside workerd (wrangler dev, the same local runtime
 * as `npm start`), each against a baseline from the same run. Wall time is
 * measured here, around one HTTP request that runs the whole figure inside a
 * Durable Object (workerd's own clock only advances on I/O).
 *
 * The Agents SDK baseline runs in a Worker of its own (`bench/peers/agents/`),
 * under a second `wrangler dev`, once `npm run bench` has installed it into
 * bench/peers.
 *
 * Cloudflare Workflows, the platform's own durable work, runs in a third
 * (`bench/workflows/`): WORKFLOWS instances of one step each.
 *
 *   npx tsx bench/runtime.ts      (RUNS=3; SHORT_RUNS=7; COUNT=10000; GROWTH=100000; WORKFLOWS=200;
 *                                  ONLY=throughput,io,growth,cancelon,latency,cost,workflows)
 *
 * The throughput, growth and cancel-on-event figures take a second or less a
 * run, and on a busy machine even the floor's runs spread by a third: they
 * run SHORT_RUNS times, round after round (every figure once per round),
 * after one unmeasured round.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const RUNS = Number(process.env.RUNS ?? 3);
const SHORT_RUNS = Number(process.env.SHORT_RUNS ?? 7);
const COUNT = Number(process.env.COUNT ?? 10_000);
const GROWTH = Number(process.env.GROWTH ?? 100_000);
const WORKFLOWS = Number(process.env.WORKFLOWS ?? 200);
const only = process.env.ONLY?.split(",");
/** Whether this run takes the figure (all of them unless ONLY names some). */
const want = (section: string) => only === undefined || only.includes(section);
const PORT = 8790 + Math.floor(Math.random() * 100);
const base = `http://127.0.0.1:${PORT}`;

function wranglerDev(config: string, port: number) {
  const dev = spawn(
    "node_modules/.bin/wrangler",
    [
      "dev",
      "-c",
      config,
      "--ip",
      "127.0.0.1",
      "--port",
      String(port),
      "--inspector-port",
      String(port + 1000),
      "--persist-to",
      mkdtempSync(join(tmpdir(), "bench-")),
    ],
    {
      env: { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false", CI: "true" },
      stdio: "ignore",
    },
  );
  process.on("exit", () => dev.kill());
  return dev;
}

async function ready(url: string) {
  for (let i = 0; ; i++) {
    if (
      await fetch(url).then(
        () => true,
        () => false,
      )
    )
      return;
    if (i > 240) throw new Error(`${url} did not start`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const AGENTS_PORT = PORT + 100;
const withAgents = existsSync("bench/peers/node_modules/agents");
wranglerDev("bench/worker/wrangler.jsonc", PORT);

async function timed<T>(path: string, origin = base): Promise<{ ms: number; body: T }> {
  const started = performance.now();
  const response = await fetch(`${origin}${path}`);
  const body = (await response.json()) as T;
  return { ms: performance.now() - started, body };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const spread = (xs: number[]) => `${Math.round(Math.min(...xs))}–${Math.round(Math.max(...xs))}`;
const row = (cells: (string | number)[]) => console.log(`| ${cells.join(" | ")} |`);

await ready(`${base}/`);

if (want("throughput")) {
  console.log(
    `\n### Throughput: ${COUNT} no-op triggers enqueued and settled in one object (ms, median of ${SHORT_RUNS}, range; the Agents SDK of ${RUNS})\n`,
  );
  row(["what", "median", "range", "ratio to the floor"]);
  row(["---", "---:", "---:", "---:"]);
  const figures: [string, (r: number) => Promise<number>][] = [
    ["bare Durable Object, same SQL by hand (floor)", async (r) => (await timed(`/bare?count=${COUNT}&scope=bare-${r}`)).ms],
    [
      "the same SQL by hand on the runtime's tables",
      async (r) => (await timed(`/bare-runtime-schema?count=${COUNT}&scope=schema-${r}`)).ms,
    ],
    ["durable-triggers, one enqueueTrigger awaited at a time", async (r) => (await timed(`/throughput?count=${COUNT}&scope=tp-${r}`)).ms],
    ["durable-triggers, every enqueue first, then the drain", async (r) => (await timed(`/burst?count=${COUNT}&scope=burst-${r}`)).ms],
    // The acquire most users write: async, answering without I/O (a cache hit), ten at a time.
    [
      "durable-triggers, an async acquire, concurrency 10, awaited at a time",
      async (r) => (await timed(`/throughput?kind=bench.async10&count=${COUNT}&scope=async-${r}`)).ms,
    ],
    ["durable-triggers, the enqueues alone (due in an hour)", async (r) => (await timed(`/enqueue-only?count=${COUNT}&scope=enq-${r}`)).ms],
  ];
  const results = new Map<string, number[]>(figures.map(([what]) => [what, []]));
  // One unmeasured round first, so that no figure's first run is also the cold code's.
  for (const [, measure] of figures) await measure(-1);
  for (let r = 0; r < SHORT_RUNS; r++) for (const [what, measure] of figures) results.get(what)!.push(await measure(r));
  if (withAgents) {
    // Its own wrangler dev, started only now: two busy servers on two cores would slow each other.
    const agentsDev = wranglerDev("bench/peers/agents/wrangler.jsonc", AGENTS_PORT);
    const agents = `http://127.0.0.1:${AGENTS_PORT}`;
    await ready(`${agents}/`);
    const runs: number[] = [];
    for (let r = 0; r < RUNS; r++) runs.push((await timed(`/throughput?count=${COUNT}&scope=q-${r}`, agents)).ms);
    results.set("Agents SDK 0.32.0, `queue()` awaited at a time", runs);
    agentsDev.kill();
  }
  const floor = median(results.get(figures[0]![0])!);
  for (const [what, runs] of results) row([what, Math.round(median(runs)), spread(runs), (median(runs) / floor).toFixed(2)]);
  if (process.env.RAW) for (const [what, runs] of results) console.log(what, runs.map(Math.round).join(" "));
}

if (want("io")) {
  console.log(`\n### I/O-shaped work: acquire waits 50 ms (ms, median of ${RUNS}, range)\n`);
  row(["concurrency", "triggers", "median", "range", "ideal", "ratio to ideal"]);
  row(["---:", "---:", "---:", "---:", "---:", "---:"]);
  for (const [kind, concurrency, count] of [
    ["bench.io1", 1, 40],
    ["bench.io10", 10, 500],
    ["bench.io50", 50, 500],
  ] as const) {
    const runs: number[] = [];
    for (let r = 0; r < RUNS; r++) runs.push((await timed(`/throughput?kind=${kind}&count=${count}&scope=io-${kind}-${r}`)).ms);
    const ideal = (count * 50) / concurrency;
    row([concurrency, count, Math.round(median(runs)), spread(runs), ideal, (median(runs) / ideal).toFixed(2)]);
  }
}

/** Operations each growth figure times, in one request: µs per operation. */
const OPS = 1000;
const perOp = async (path: string) => ((await timed(path)).ms * 1000) / OPS;

/**
 * Runs `measure` on the empty object and the full one (`<prefix>-0` and
 * `<prefix>-GROWTH`, filled by the caller first), alternating, SHORT_RUNS
 * times each: a machine that slows down or speeds up during the run weighs
 * on both alike.
 */
async function alternating(prefix: string, measure: (state: 0 | 1, scope: string) => Promise<void>): Promise<void> {
  for (let r = 0; r < SHORT_RUNS; r++) {
    for (const [state, count] of [
      [0, 0],
      [1, GROWTH],
    ] as const)
      await measure(state, `${prefix}-${count}`);
  }
}

/** A growth table: per operation, its µs on the empty object and on the full one, and their ratio. */
function growthTable(operations: readonly (readonly [name: string, empty: number[], full: number[]])[]): void {
  row(["operation", "empty", "range", `after ${GROWTH}`, "range", "ratio"]);
  row(["---", "---:", "---:", "---:", "---:", "---:"]);
  for (const [name, empty, full] of operations) {
    row([
      name,
      Math.round(median(empty)),
      spread(empty),
      Math.round(median(full)),
      spread(full),
      (median(full) / median(empty)).toFixed(2),
    ]);
  }
}

if (want("growth")) {
  console.log(
    `\n### Growth: ${OPS} enqueues, ${OPS} cancels, ${OPS} drains, empty ledger vs ${GROWTH} settled intents (µs each, median of ${SHORT_RUNS}, range)\n`,
  );
  const growth = { enqueue: [[], []], cancel: [[], []], drain: [[], []] } as Record<"enqueue" | "cancel" | "drain", [number[], number[]]>;
  // One unmeasured pass first, so that the empty ledger is not also the cold code.
  await timed(`/enqueue-later?count=${OPS}&scope=growth-warm`);
  await timed(`/cancel-pending?scope=growth-warm`);
  await timed(`/drain-each?count=${OPS}&scope=growth-warm`);
  await timed(`/fill?count=${GROWTH}&scope=growth-${GROWTH}`);
  await alternating("growth", async (state, scope) => {
    growth.enqueue[state].push(await perOp(`/enqueue-later?count=${OPS}&scope=${scope}`));
    growth.cancel[state].push(await perOp(`/cancel-pending?scope=${scope}`));
    growth.drain[state].push(await perOp(`/drain-each?count=${OPS}&scope=${scope}`));
  });
  growthTable(Object.entries(growth).map(([op, [empty, full]]) => [op, empty, full] as const));
  console.log(`\nQuery plans with ${GROWTH} settled intents, of every statement one enqueue, cancel and drain ran:\n`);
  const plans = (await timed<Record<string, string[]>>(`/plans?scope=growth-${GROWTH}`)).body;
  for (const [query, plan] of Object.entries(plans)) console.log(`- \`${query}\`: ${plan.join("; ")}`);
}

if (want("cancelon")) {
  // Cancel on an event: each append of a matching fact finds its intent by an indexed key,
  // so its cost must not grow with the settled intents (of the same, cancellable, kind) behind it.
  console.log(
    `\n### Growth of cancel-on-event: ${OPS} appends of a matching fact, each cancelling one pending intent, empty vs ${GROWTH} settled cancellable intents (µs each, median of ${SHORT_RUNS}, range)\n`,
  );
  const appends: [number[], number[]] = [[], []];
  await timed(`/cancelon/later?count=${OPS}&scope=cancelon-warm`);
  await timed(`/cancelon/emit-matching?scope=cancelon-warm`);
  await timed(`/cancelon/fill?count=${GROWTH}&scope=cancelon-${GROWTH}`);
  const keysLeft: number[] = [];
  for (const count of [0, GROWTH]) keysLeft.push((await timed<number>(`/cancelon/rows?scope=cancelon-${count}`)).body);
  await alternating("cancelon", async (state, scope) => {
    await timed(`/cancelon/later?count=${OPS}&scope=${scope}`);
    appends[state].push(await perOp(`/cancelon/emit-matching?scope=${scope}`));
  });
  growthTable([["emitEvent, cancelling one pending intent", ...appends]]);
  console.log(`\nCancel-on keys stored before the measured appends: ${keysLeft.join(" and ")} (settled intents keep none).`);
  console.log(`\nQuery plans with ${GROWTH} settled cancellable intents, of every statement one matching append ran:\n`);
  const cancelOnPlans = (await timed<Record<string, string[]>>(`/cancelon/plans?scope=cancelon-${GROWTH}`)).body;
  for (const [query, plan] of Object.entries(cancelOnPlans)) console.log(`- \`${query}\`: ${plan.join("; ")}`);
}

if (want("latency")) {
  console.log(`\n### Cancel latency: cancelTrigger on running work to its cancelled fact (ms, 50 cancels)\n`);
  const latencies = (await timed<{ ms: number[] }>(`/cancel-latency?count=50&scope=cancel`)).body.ms;
  row(["median", "p90", "max"]);
  row(["---:", "---:", "---:"]);
  row([median(latencies), [...latencies].sort((a, b) => a - b)[Math.floor(latencies.length * 0.9)]!, Math.max(...latencies)]);
}

interface RowCost {
  statements: number;
  rowsRead: number;
  rowsWritten: number;
  byStatement: Record<string, { runs: number; rowsRead: number; rowsWritten: number }>;
}

if (want("cost")) {
  // What users pay: Durable Object SQL storage bills rows read and written.
  const N = 1000;
  console.log(`\n### Cost: statements and SQLite rows per settled intent (${N} no-op intents, enqueue to settlement, polling excluded)\n`);
  const costs: [string, RowCost][] = [
    ["bare Durable Object, same SQL by hand (floor)", (await timed<RowCost>(`/bare-cost?count=${N}&scope=cost-bare`)).body],
    ["the same SQL by hand on the runtime's tables", (await timed<RowCost>(`/bare-cost?count=${N}&scope=cost-schema&runtime-schema`)).body],
    ["durable-triggers", (await timed<RowCost>(`/cost?count=${N}&scope=cost-dt`)).body],
  ];
  if (withAgents) {
    const agentsDev = wranglerDev("bench/peers/agents/wrangler.jsonc", AGENTS_PORT);
    const agents = `http://127.0.0.1:${AGENTS_PORT}`;
    await ready(`${agents}/`);
    costs.push(["Agents SDK 0.32.0, `queue()`", (await timed<RowCost>(`/cost?count=${N}&scope=cost-q`, agents)).body]);
    agentsDev.kill();
  }
  const [, floorCost] = costs[0]!;
  const per = (n: number) => (n / N).toFixed(1);
  row(["what", "statements", "rows read", "rows written", "rows read + written, ratio to the floor"]);
  row(["---", "---:", "---:", "---:", "---:"]);
  for (const [what, cost] of costs) {
    const ratio = (cost.rowsRead + cost.rowsWritten) / (floorCost.rowsRead + floorCost.rowsWritten);
    row([what, per(cost.statements), per(cost.rowsRead), per(cost.rowsWritten), ratio.toFixed(2)]);
  }
  for (const [what, cost] of costs.slice(0, 3)) {
    console.log(`\nWhere ${what} spends them, per settled intent:\n`);
    row(["statement", "runs", "rows read", "rows written"]);
    row(["---", "---:", "---:", "---:"]);
    const statements = Object.entries(cost.byStatement).sort(([, a], [, b]) => b.rowsRead + b.rowsWritten - (a.rowsRead + a.rowsWritten));
    for (const [query, s] of statements)
      row([
        `\`${query.length > 140 ? `${query.slice(0, 140)}…` : query}\``,
        (s.runs / N).toFixed(3),
        (s.rowsRead / N).toFixed(2),
        (s.rowsWritten / N).toFixed(2),
      ]);
  }
}

if (want("workflows")) {
  // Its own wrangler dev, as the Agents SDK gets; instances take far longer than intents, so fewer of them.
  const WORKFLOWS_PORT = PORT + 200;
  const workflowsDev = wranglerDev("bench/workflows/wrangler.jsonc", WORKFLOWS_PORT);
  const workflows = `http://127.0.0.1:${WORKFLOWS_PORT}`;
  await ready(`${workflows}/`);
  console.log(`\n### Against Cloudflare Workflows: ${WORKFLOWS} jobs of one step (ms, median of ${RUNS}, range)\n`);
  const runs = { workflows: [] as number[], triggers: [] as number[] };
  for (let r = 0; r < RUNS; r++) {
    runs.workflows.push((await timed(`/throughput?count=${WORKFLOWS}&scope=wf-${r}`, workflows)).ms);
    runs.triggers.push((await timed(`/throughput?count=${WORKFLOWS}&scope=wft-${r}`)).ms);
  }
  workflowsDev.kill();
  row(["what", "median", "range", "ms per job"]);
  row(["---", "---:", "---:", "---:"]);
  row([
    `Workflows, ${WORKFLOWS} instances (createBatch, polled with status())`,
    Math.round(median(runs.workflows)),
    spread(runs.workflows),
    (median(runs.workflows) / WORKFLOWS).toFixed(2),
  ]);
  row([
    `durable-triggers, ${WORKFLOWS} intents in one object`,
    Math.round(median(runs.triggers)),
    spread(runs.triggers),
    (median(runs.triggers) / WORKFLOWS).toFixed(2),
  ]);
}
process.exit(0);
