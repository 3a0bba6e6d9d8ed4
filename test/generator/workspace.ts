import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { generate, type GenerateOptions, type GenerateResult } from "../../generator/generate";
import { formatError } from "../../generator/read";

const REPO = join(dirname(fileURLToPath(import.meta.url)), "../..");
const SCRATCH = join(REPO, "test/generator/.tmp");

/** Where a run puts generated code and looks for handler files, relative to the workspace. */
export interface Layout {
  readonly outDir?: string;
  readonly handlersDir?: string;
  readonly streamHandlersDir?: string;
}

/**
 * A throwaway project inside the repo (so `zod` and the runtime resolve),
 * with its own specs/, generated/ and app/triggers/.
 */
export class Workspace {
  readonly root: string;

  constructor(files: Record<string, string> = {}) {
    mkdirSync(SCRATCH, { recursive: true });
    this.root = mkdtempSync(join(SCRATCH, "ws-"));
    for (const [path, text] of Object.entries(files)) this.write(path, text);
  }

  write(path: string, text: string): void {
    mkdirSync(dirname(join(this.root, path)), { recursive: true });
    writeFileSync(join(this.root, path), text);
  }

  read(path: string): string {
    return readFileSync(join(this.root, path), "utf8");
  }

  remove(path: string): void {
    rmSync(join(this.root, path), { force: true });
  }

  removeDir(path: string): void {
    rmSync(join(this.root, path), { recursive: true, force: true });
  }

  /** Every file under `dir`, relative path → text: a snapshot to compare. */
  snapshot(dir: string): Record<string, string> {
    const files: Record<string, string> = {};
    for (const name of readdirSync(join(this.root, dir), { recursive: true, withFileTypes: true })) {
      if (!name.isFile()) continue;
      const path = relative(this.root, join(name.parentPath, name.name));
      files[path] = this.read(path);
    }
    return files;
  }

  /** The options a run over the workspace takes; `layout` moves the generated and handler directories from their defaults. */
  options(check = false, layout: Layout = {}): GenerateOptions {
    return {
      root: this.root,
      specsDir: "specs",
      outDir: "generated",
      handlersDir: "app/triggers",
      streamHandlersDir: "app/streams",
      runtimeModule: "durable-triggers",
      ...layout,
      check,
    };
  }

  /** Runs the generator over the workspace. */
  generate(check = false, layout: Layout = {}): Promise<GenerateResult> {
    return generate(this.options(check, layout));
  }

  async generateOrThrow(layout: Layout = {}): Promise<Extract<GenerateResult, { ok: true }>> {
    const result = await this.generate(false, layout);
    if (!result.ok) throw new Error(result.errors.map(formatError).join("\n"));
    return result;
  }

  /**
   * The real TypeScript compiler over everything in the workspace, as strict as a user may set it (unused locals and
   * parameters refused, exact optional property types): its diagnostics as text.
   */
  typecheck(): string[] {
    const files = readdirSync(this.root, { recursive: true, withFileTypes: true })
      .filter((f) => f.isFile() && f.name.endsWith(".ts"))
      .map((f) => join(f.parentPath, f.name));
    const program = ts.createProgram(files, {
      strict: true,
      noUncheckedIndexedAccess: true,
      noUnusedLocals: true,
      noUnusedParameters: true,
      exactOptionalPropertyTypes: true,
      target: ts.ScriptTarget.ES2022,
      lib: ["lib.es2023.d.ts"],
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      // The runtime imports its modules with `.ts` extensions, as the repository's own tsconfig allows.
      allowImportingTsExtensions: true,
      types: ["@cloudflare/workers-types"],
      skipLibCheck: true,
      noEmit: true,
    });
    // Only what the workspace holds: the runtime it imports is the repository's, type-checked by its own tsconfig
    // (which leaves exactOptionalPropertyTypes off), not something the generator emits.
    const inWorkspace = (d: ts.Diagnostic) => !d.file || !relative(this.root, d.file.fileName).startsWith("..");
    return ts
      .getPreEmitDiagnostics(program)
      .filter(inWorkspace)
      .map((d) => {
        const where = d.file
          ? `${relative(this.root, d.file.fileName)}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}: `
          : "";
        return `${where}${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`;
      });
  }

  dispose(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}
