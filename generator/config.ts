import { access, readFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import type { z } from "zod";

/**
 * The project's codegen settings: `trigger-codegen.json` beside `package.json`
 * (or the file `--config` names). Every path in it is relative to the file;
 * a flag given on the command line wins over the file.
 */
async function settingsSchema() {
  const { z } = await import("zod");
  return z.strictObject({
    $schema: z.string().optional().describe("The JSON Schema this file follows, for editors."),
    specs: z.string().min(1).optional().describe("The folder of YAML spec files. Default: specs"),
    out: z.string().min(1).optional().describe("The folder the generator owns and rewrites on every run. Default: generated"),
    handlers: z
      .string()
      .min(1)
      .optional()
      .describe("The folder of trigger handler files (yours; stubs are written once). Default: src/triggers"),
    streamHandlers: z.string().min(1).optional().describe("The folder of attached stream handler files. Default: src/streams"),
    tests: z
      .string()
      .min(1)
      .optional()
      .describe(
        "Opt-in: a folder for one property test per trigger (yours; written once), and fast-check arbitraries of each trigger's intents in the out folder (needs fast-check and durable-triggers/testing/kit). Default: none",
      ),
    binding: z
      .string()
      .regex(/^[A-Za-z_$][\w$]*$/, "a JavaScript identifier")
      .optional()
      .describe(
        "The Durable Object binding's name: init adds it to the wrangler config, generated tests reach it as env.<binding>. Default: AGENT",
      ),
    runtime: z
      .string()
      .min(1)
      .optional()
      .describe("The module specifier generated code imports the runtime from, as written in an import. Default: durable-triggers"),
  });
}

type FromFile = z.infer<Awaited<ReturnType<typeof settingsSchema>>>;
/** Every setting has a default but `tests`, which is off unless named. */
export type Settings = Required<Omit<FromFile, "$schema" | "tests">> & Pick<FromFile, "tests">;

export const DEFAULT_SETTINGS: Settings = {
  specs: "specs",
  out: "generated",
  handlers: "src/triggers",
  streamHandlers: "src/streams",
  binding: "AGENT",
  runtime: "durable-triggers",
};

export const CONFIG_FILE = "trigger-codegen.json";

/** The settings file's JSON Schema, which the package ships for editors. */
export async function settingsJsonSchema(): Promise<string> {
  const { z } = await import("zod");
  const schema = z.toJSONSchema(await settingsSchema(), { target: "draft-7" });
  return `${JSON.stringify({ title: "trigger-codegen settings", ...schema }, null, 2)}\n`;
}

/** A problem with the settings; the CLI prints its message as one line. */
export class SettingsError extends Error {
  override readonly name = "SettingsError";
}

export interface LoadedSettings {
  /** The folder every relative path is resolved from: the settings file's, or the working directory. */
  readonly root: string;
  /** The settings file that was read, if any. */
  readonly file: string | undefined;
  readonly settings: Settings;
}

/**
 * The settings file a command run in `cwd` uses: `trigger-codegen.json` in
 * `cwd` or the nearest folder above it, so that `generate` works from any
 * subfolder of the project. The search stops at the project's root, the
 * first folder holding `package.json` or a wrangler config, since a settings
 * file above that belongs to another project.
 */
async function findSettingsFile(cwd: string): Promise<string | undefined> {
  for (let dir = resolve(cwd); ; ) {
    const file = join(dir, CONFIG_FILE);
    if (await exists(file)) return file;
    const parent = dirname(dir);
    if (parent === dir || (await someExists(PROJECT_MARKERS.map((marker) => join(dir, marker))))) return undefined;
    dir = parent;
  }
}

const PROJECT_MARKERS = ["package.json", "wrangler.jsonc", "wrangler.json", "wrangler.toml"];
const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );
const someExists = async (paths: readonly string[]) => (await Promise.all(paths.map(exists))).includes(true);

/**
 * Reads `configPath`, or `trigger-codegen.json` found from `cwd` upward, and
 * lays `overrides` (from flags) over it. A missing default file is not an
 * error; a named one that is missing, unreadable or wrong is.
 */
export async function loadSettings(cwd: string, configPath: string | undefined, overrides: Partial<Settings>): Promise<LoadedSettings> {
  const file = configPath === undefined ? await findSettingsFile(cwd) : resolve(cwd, configPath);
  const text =
    file === undefined
      ? undefined
      : await readFile(file, "utf8").catch((error: NodeJS.ErrnoException) => {
          throw new SettingsError(`${file}: cannot read the settings file (${error.code ?? error.message})`);
        });
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, value]) => value !== undefined));
  if (file === undefined || text === undefined) return { root: cwd, file: undefined, settings: { ...DEFAULT_SETTINGS, ...defined } };

  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new SettingsError(`${file}: not JSON: ${(error as Error).message}`);
  }
  const parsed = (await settingsSchema()).safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.length > 0 ? `${issue.path.join(".")}: ` : ""}${issue.message}`);
    throw new SettingsError(`${file}: ${problems.join("; ")}`);
  }
  const { $schema: _, ...fromFile } = parsed.data;
  return { root: dirname(file), file, settings: { ...DEFAULT_SETTINGS, ...fromFile, ...defined } };
}
