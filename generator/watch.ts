import { existsSync, watch, type FSWatcher } from "node:fs";
import { basename, dirname } from "node:path";

/** Stops a watch: its watcher, or its wait for the folder to be back. */
export type Unwatch = () => void;

/**
 * Calls `onChange` for every change in `dir` (to a file `only` accepts, when given), and goes on
 * across the folder being deleted and made again: a watcher dies with its folder, so a new one is
 * set up once the folder is back. A folder that is not there yet is waited for in the same way.
 */
export function watchFolder(dir: string, onChange: () => void, only: (name: string) => boolean = () => true): Unwatch {
  let watcher: FSWatcher | undefined;
  let poll: ReturnType<typeof setInterval> | undefined;
  const waitForFolder = () => {
    watcher?.close();
    watcher = undefined;
    poll = setInterval(() => {
      if (!existsSync(dir)) return;
      clearInterval(poll);
      poll = undefined;
      attach();
      onChange();
    }, 200);
  };
  const attach = () => {
    try {
      watcher = watch(dir, (_event, name) => {
        const gone = !existsSync(dir);
        // Some platforms name no file: then any change may be the one.
        if (gone || name === null || only(name)) onChange();
        if (gone) waitForFolder();
      });
      watcher.on("error", waitForFolder);
    } catch {
      waitForFolder();
    }
  };
  attach();
  return () => {
    clearInterval(poll);
    watcher?.close();
  };
}

/**
 * Watches a set of files that changes from call to call (the files specs bring in by `$ref`): each
 * folder holding one is watched for their names, and a folder that no longer holds one is let go.
 * A folder rather than a file, since an editor that saves by writing a new file and renaming it over
 * the old one would leave a watcher on the file itself watching nothing.
 */
export function watchFiles(onChange: () => void): (files: readonly string[]) => void {
  const folders = new Map<string, { names: ReadonlySet<string>; unwatch: Unwatch }>();
  return (files) => {
    const wanted = new Map<string, Set<string>>();
    for (const file of files) {
      const names = wanted.get(dirname(file)) ?? new Set<string>();
      wanted.set(dirname(file), names.add(basename(file)));
    }
    for (const [dir, { unwatch }] of folders) {
      if (wanted.has(dir)) continue;
      unwatch();
      folders.delete(dir);
    }
    for (const [dir, names] of wanted) {
      const known = folders.get(dir);
      if (known !== undefined) known.names = names;
      else {
        const entry = { names, unwatch: (() => {}) as Unwatch };
        entry.unwatch = watchFolder(dir, onChange, (name) => entry.names.has(name));
        folders.set(dir, entry);
      }
    }
  };
}
