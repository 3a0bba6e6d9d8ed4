import { afterEach, expect, it } from "vitest";
import { watchFiles } from "../../generator/watch";
import { Workspace } from "./workspace";

/**
 * Issue 21: `--watch` follows the files specs bring in by `$ref`, a set that changes from run to
 * run; a folder that no longer holds one is let go, so a long session does not pile up watchers
 * (cli.test.ts runs the command itself over an edited, broken and missing brought-in file).
 */
let ws: Workspace | undefined;
afterEach(() => ws?.dispose());

/** How many file system watchers and timers (a missing folder's poll) the process holds open, once closed ones are gone. */
const open = async () => {
  await new Promise((resolve) => setImmediate(resolve));
  const resources = process.getActiveResourcesInfo();
  return { watchers: resources.filter((r) => r === "FSEventWrap").length, timers: resources.filter((r) => r === "Timeout").length };
};

it("watches each folder that holds a brought-in file once, waits for a missing one, and lets go of those no longer needed", async () => {
  ws = new Workspace({ "schemas/a.yaml": "{}", "schemas/b.json": "{}", "shared/c.yaml": "{}" });
  const before = await open();
  const follow = watchFiles(() => {});
  const at = (path: string) => `${ws!.root}/${path}`;
  follow([at("schemas/a.yaml"), at("schemas/b.json"), at("shared/c.yaml"), at("later/d.yaml")]);
  expect(await open()).toEqual({ watchers: before.watchers + 2, timers: before.timers + 1 });
  follow([at("schemas/b.json")]);
  expect(await open()).toEqual({ watchers: before.watchers + 1, timers: before.timers });
  follow([]);
  expect(await open()).toEqual(before);
});
