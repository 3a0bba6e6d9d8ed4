/**
 * The operator console, as `durable-triggers/console`: pass it to
 * `operatorApi({ …, console: operatorConsole })` to serve the page at `GET /`.
 * An entry of its own, so a Worker that mounts no console bundles none of it.
 */
import type { OperatorConsole } from "./api.ts";
import { consolePage } from "./console-page.ts";

export const operatorConsole: OperatorConsole = { html: consolePage };
