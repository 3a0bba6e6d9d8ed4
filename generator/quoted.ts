import { commentSafe } from "./zod-ir.ts";

/** A string from a spec in a message: quoted, and nothing in it can act on a terminal. */
export const quoted = (text: string) => commentSafe(JSON.stringify(text));
