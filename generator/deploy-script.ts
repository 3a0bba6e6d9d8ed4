/** What releases a project's draft intent versions: run as its deploy starts (see `trigger-codegen release`). */
export const RELEASE = "trigger-codegen release";
const DEPLOY = `${RELEASE} && wrangler deploy`;

export type DeployScript =
  | { readonly ok: true; readonly text: string; readonly says: string | undefined }
  | { readonly ok: false; readonly error: string };

/**
 * package.json with a `deploy` script that releases before wrangler deploys:
 * added when there is none; an existing one gets the release just before its
 * `wrangler deploy` (after any build step, so a failed build releases
 * nothing), or first when it deploys some other way; one that releases
 * already is left alone. Formatting is kept (jsonc-parser edits in place).
 */
export async function addDeployScript(text: string): Promise<DeployScript> {
  const { applyEdits, modify, parse } = await import("jsonc-parser");
  const errors: import("jsonc-parser").ParseError[] = [];
  const json: unknown = parse(text, errors, { allowTrailingComma: false, disallowComments: true });
  if (errors.length > 0 || typeof json !== "object" || json === null || Array.isArray(json))
    return { ok: false, error: "not a JSON object; nothing was changed" };
  const scripts = (json as Record<string, unknown>)["scripts"];
  if (scripts !== undefined && (typeof scripts !== "object" || scripts === null || Array.isArray(scripts)))
    return { ok: false, error: "scripts is not an object; nothing was changed" };
  const existing = (scripts as Record<string, unknown> | undefined)?.["deploy"];
  if (existing !== undefined && typeof existing !== "string")
    return { ok: false, error: "scripts.deploy is not a string; nothing was changed" };
  if (existing?.includes(RELEASE)) return { ok: true, text, says: undefined };
  const script =
    existing === undefined
      ? DEPLOY
      : /(npx\s+)?wrangler\s+deploy/.test(existing)
        ? existing.replace(/(npx\s+)?wrangler\s+deploy/, `${RELEASE} && $&`)
        : `${RELEASE} && ${existing}`;
  const indent = /^([ \t]+)"/m.exec(text)?.[1] ?? "  ";
  const edits = modify(text, ["scripts", "deploy"], script, {
    formattingOptions: {
      insertSpaces: !indent.includes("\t"),
      tabSize: indent.includes("\t") ? 1 : indent.length,
      eol: text.includes("\r\n") ? "\r\n" : "\n",
    },
  });
  return { ok: true, text: applyEdits(text, edits), says: `scripts.deploy: ${JSON.stringify(script)}` };
}
