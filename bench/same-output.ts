/**
 * Whether this checkout's generator writes the same bytes as a baseline's (main by default,
 * `BASELINE=<commit>`), for a speed change that must not change output: this repository's specs,
 * the test fixtures, every case of the real-world corpus and Stripe's five resources, each generated
 * into a fresh folder by each side in a fresh process. Prints the files that differ and exits 1 if
 * any does; not a benchmark, but it lives beside the ones it keeps honest.
 *
 *   npx tsx bench/same-output.ts        (ONLY=<substring> picks cases)
 */
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import { corpus } from "../test/generator/real-world-convert.ts";
import { fresh, projectOptions, withSides } from "./sides.ts";
import { stripeSpec } from "./stripe-spec.ts";

const BASELINE = process.env.BASELINE ?? "main";
const FIXTURES = "test/generator/fixtures";

/** Refinements nested in shared schemas and intents, and descriptions that test a printer's edges. */
const HOSTILE = ["", " ", "a  ", "tab\t", "  lead", "comment */ x /*", "line\nbreak\r\n", "bidi \u202E \u007F", "`${x}`"];
const EDGES = {
  schemas: {
    checked: {
      type: "object",
      description: HOSTILE[5],
      properties: {
        inner: { type: "object", properties: { a: { type: "string" }, b: { type: "string" } }, not: { required: ["a", "b"] } },
        list: { type: "array", items: { type: "integer" }, contains: { minimum: 10 }, minContains: 2 },
      },
      if: { properties: { list: { minItems: 1 } } },
      then: { required: ["list"] },
    },
    ...Object.fromEntries(
      HOSTILE.map((description, i) => [
        `described${i}`,
        { type: "object", description, properties: { [`p${i}`]: { type: "string", description, title: description } } },
      ]),
    ),
  },
  triggers: [
    {
      kind: "edges.job",
      intentEventKind: "edges.job.requested",
      cancellation: "cooperative",
      intent: {
        type: "object",
        properties: {
          deep: { type: "object", properties: { names: { type: "object", propertyNames: { pattern: "^[a-z]+$" } } } },
          shared: { $ref: "checked" },
          ...Object.fromEntries(HOSTILE.map((_, i) => [`d${i}`, { $ref: `described${i}` }])),
        },
        dependentRequired: { deep: ["shared"] },
      },
      outcome: { type: "object", description: HOSTILE[1], properties: {} },
      events: { "edges.job.done": { payload: "outcome", description: HOSTILE[6] } },
    },
  ],
};

/** A trigger's intent through released versions: compatible, upgraded, upgraded again (what typed upgrades print). */
const mail = (intent: string, extra = "") =>
  `triggers:\n  - kind: mail.send\n    intentEventKind: mail.send.requested\n    cancellation: cooperative${extra}\n    intent:\n${intent}\n    outcome: { type: object }\n    events: {}\n`;
const V1 =
  "      type: object\n      required: [to]\n      properties:\n        to: { type: string }\n        copies: { type: integer, minimum: 1, maximum: 5 }";
const V2 = `${V1.replace("required: [to]", "required: [to, subject]")}\n        subject: { type: string, default: hi }`;
const UPGRADES = [
  mail(V1),
  mail(V2, "\n    upgradeIntentsTo: 2"),
  mail(`${V2}\n        cc: { type: string }`, "\n    upgradeIntentsTo: 2"),
  mail(`${V2.replace("maximum: 5", "maximum: 3")}\n        cc: { type: string }`, "\n    upgradeIntentsTo: 4"),
].map((text) => ({ "specs/mail.yaml": text }));

/** Each case's spec files, path → text; a list is generated step by step, each step released before the next. */
function cases(): Record<string, Record<string, string> | Record<string, string>[]> {
  const all: Record<string, Record<string, string> | Record<string, string>[]> = {};
  const specsIn = (dir: string) =>
    Object.fromEntries(
      readdirSync(dir)
        .filter((name) => name.endsWith(".yaml"))
        .map((name) => [`specs/${name}`, readFileSync(join(dir, name), "utf8")]),
    );
  all.repo = specsIn("specs");
  for (const name of ["shop", "constructs"]) all[name] = { [`specs/${name}.yaml`]: readFileSync(join(FIXTURES, `${name}.yaml`), "utf8") };
  all.real = specsIn(join(FIXTURES, "real"));
  all.edges = { "specs/edges.yaml": JSON.stringify(EDGES) };
  all.upgrades = UPGRADES;
  for (const c of corpus()) all[`corpus ${c.name}`] = { [`specs/${c.name}.yaml`]: JSON.stringify(c.spec) };
  for (const resource of ["charge", "customer", "invoice", "checkout.session", "payment_intent"])
    all[`stripe ${resource}`] = { "specs/stripe.yaml": stripeSpec(resource).text };
  const only = process.env.ONLY;
  return only ? Object.fromEntries(Object.entries(all).filter(([name]) => name.includes(only))) : all;
}

/** In a child: generate each case with the generator at `generatePath`; file → SHA-256 per case. */
/** Per case, each generated file's SHA-256. */
type Digests = Record<string, Record<string, string>>;

async function child(generatePath: string): Promise<Digests> {
  const { generate } = (await import(pathToFileURL(generatePath).href)) as {
    generate: (o: object) => Promise<{ ok: boolean; errors?: unknown }>;
  };
  const versions = (await import(pathToFileURL(join(dirname(generatePath), "versions.ts")).href)) as {
    parseRecord(text: string): object;
    releaseRecord(record: object): { record: object };
    renderRecord(record: object): string;
  };
  const digests: Digests = {};
  for (const [name, steps] of Object.entries(cases())) {
    const root = mkdtempSync(join(tmpdir(), "dt-same-"));
    const record = join(root, "generated/intent-versions.json");
    try {
      for (const [step, specs] of (Array.isArray(steps) ? steps : [steps]).entries()) {
        if (step > 0)
          writeFileSync(record, versions.renderRecord(versions.releaseRecord(versions.parseRecord(readFileSync(record, "utf8"))).record));
        for (const [path, text] of Object.entries(specs)) {
          mkdirSync(join(root, "specs"), { recursive: true });
          writeFileSync(join(root, path), text);
        }
        const result = await generate(projectOptions(root));
        if (!result.ok) throw new Error(`${name} was refused: ${JSON.stringify(result.errors)}`);
      }
      digests[name] = hashes(root);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }
  return digests;
}

function hashes(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (!path.startsWith(join(root, "specs")))
        out[relative(root, path)] = createHash("sha256").update(readFileSync(path)).digest("hex");
    }
  };
  walk(root);
  return out;
}

if (process.argv[2] !== undefined) {
  console.log(JSON.stringify(await child(process.argv[2])));
} else {
  await withSides(BASELINE, (sides) => {
    const [baseline, before] = Object.entries(sides)
      .filter(([side]) => side !== "now")
      .map(([side, path]) => [side, fresh<Digests>("bench/same-output.ts", path)] as const)[0]!;
    const after = fresh<Digests>("bench/same-output.ts", sides.now!);
    let differ = 0;
    let files = 0;
    for (const [name, digests] of Object.entries(before)) {
      const now = after[name] ?? {};
      for (const file of new Set([...Object.keys(digests), ...Object.keys(now)])) {
        files++;
        if (digests[file] !== now[file]) {
          differ++;
          console.log(`differs: ${name}: ${file}`);
        }
      }
    }
    console.log(`${files} files in ${Object.keys(before).length} cases against ${baseline}: ${differ} differ`);
    process.exitCode = differ === 0 ? 0 : 1;
  });
}
