import { exports } from "cloudflare:workers";
import { expect, it } from "vitest";

/**
 * A spec's comments tell the reader how its facts and work arrive ("POST
 * /scopes/:scope/events"); each route they name must be one the example
 * Worker serves. A route it does not serve answers the API's own 404,
 * `no route for …`, which a missing intent or stream never does.
 */
declare global {
  // Vite's own declaration of this is a module's here (the project forces module detection), so it does not reach ImportMeta.
  interface ImportMeta {
    glob<T>(pattern: string, options: { query: string; import: string; eager: true }): Record<string, T>;
  }
}

const specs = import.meta.glob<string>("../../specs/*.yaml", { query: "?raw", import: "default", eager: true });
const ROUTE = /\b(GET|POST|PUT|DELETE) (\/[\w.:/-]*\w)/g;

const routes = Object.entries(specs).flatMap(([file, text]) =>
  [...text.matchAll(ROUTE)].map(([, method, path]) => ({ file: file.replace(/^.*\//, ""), method: method!, path: path! })),
);

it("the specs name routes at all (so the check below checks something)", () => {
  expect(routes.length).toBeGreaterThan(0);
});

it.each(routes)("$file names $method $path, which the example Worker serves", async ({ method, path }) => {
  const url = `http://localhost${path.replace(/:scope\b/g, `spec-routes-${Date.now()}`).replace(/:\w+/g, "1")}`;
  // A body every route refuses at its door ("must be a JSON object"), so no object is reached.
  const body = method === "GET" || method === "DELETE" ? undefined : "[]";
  const response = await exports.default.fetch(new Request(url, { method, headers: { "content-type": "application/json" }, body }));
  const answer = (await response.json()) as { error?: string };
  expect(answer.error ?? "").not.toMatch(/^no route for/);
});
