/**
 * A spec built from Stripe's published schemas (`/work/shared/real-world-schemas/stripe`, or
 * `STRIPE_SCHEMAS=<components.schemas.json>`): the closure under `$ref` of one resource as the
 * spec's shared `schemas:`, and a trigger whose intent, outcome and an event all reference it, as a
 * webhook handler would declare it.
 */
import { readFileSync } from "node:fs";
import { stringify } from "yaml";

type Schema = { [key: string]: unknown };

export const STRIPE_SCHEMAS = process.env.STRIPE_SCHEMAS ?? "/work/shared/real-world-schemas/stripe/components.schemas.json";

/** Every schema `root` reaches through `$ref`, itself included, in the order first reached. */
function closure(all: Record<string, Schema>, root: string): string[] {
  const seen = new Set<string>();
  const visit = (name: string) => {
    if (seen.has(name)) return;
    seen.add(name);
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (typeof node === "object" && node !== null) {
        for (const [key, value] of Object.entries(node)) {
          if (key === "$ref" && typeof value === "string") visit(value.replace("#/components/schemas/", ""));
          else walk(value);
        }
      }
    };
    walk(all[name]);
  };
  visit(root);
  return [...seen];
}

/** The spec text for `resource` (`invoice`, `charge`, …) and how many shared schemas it declares. */
export function stripeSpec(resource: string, kind = `stripe.${resource.replace(/[^a-z]/g, "")}`): { text: string; schemas: number } {
  const all = (JSON.parse(readFileSync(STRIPE_SCHEMAS, "utf8")) as { components: { schemas: Record<string, Schema> } }).components.schemas;
  const names = closure(all, resource);
  const ref = { $ref: `#/components/schemas/${resource}` };
  const spec = {
    schemas: Object.fromEntries(names.map((name) => [name, all[name]])),
    triggers: [
      {
        kind,
        intentEventKind: `${kind}.received`,
        cancellation: "ignored",
        intent: { type: "object", required: ["id", "object"], properties: { id: { type: "string" }, object: ref } },
        outcome: ref,
        events: { [`${kind}.synced`]: { payload: "outcome" }, [`${kind}.seen`]: { payload: ref } },
      },
    ],
  };
  return { text: stringify(spec), schemas: names.length };
}
