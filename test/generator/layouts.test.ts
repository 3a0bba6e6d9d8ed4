import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Workspace, type Layout } from "./workspace";

const spec = `triggers:
  - kind: note.saved
    intentEventKind: note.saved.requested
    cancellation: cooperative
    intent: { type: object, required: [id], properties: { id: { type: string } } }
    outcome: { type: object, required: [id], properties: { id: { type: string } } }
    events:
      note.saved.done: { payload: outcome }
streams:
  - kind: note.echo
    mode: output_only
    cancellation: cooperative
    onDetach: abort
    start: { type: object }
    result: { type: object }
    events: {}
`;

/** Project layouts other than the default, each with the specifier a handler file imports the generated module by. */
const LAYOUTS: { layout: Required<Layout>; specifier: string }[] = [
  { layout: { outDir: "generated", handlersDir: "app/triggers", streamHandlersDir: "app/streams" }, specifier: "../../generated" },
  { layout: { outDir: "src/gen", handlersDir: "src/jobs", streamHandlersDir: "src/streams" }, specifier: "../gen" },
  {
    layout: {
      outDir: "packages/api/src/generated/code",
      handlersDir: "packages/api/src/handlers/triggers/jobs",
      streamHandlersDir: "packages/api/streams",
    },
    specifier: "../../../generated/code",
  },
  { layout: { outDir: "out", handlersDir: "out/handlers", streamHandlersDir: "out/handlers/streams" }, specifier: ".." },
];

describe.each(LAYOUTS)("handler files with --out $layout.outDir and --handlers $layout.handlersDir", ({ layout, specifier }) => {
  const handler = `${layout.handlersDir}/note.saved.ts`;
  const stream = `${layout.streamHandlersDir}/note.echo.ts`;
  let ws: Workspace;
  beforeAll(async () => {
    ws = new Workspace({ "specs/notes.yaml": spec });
    await ws.generateOrThrow(layout);
  });
  afterAll(() => ws.dispose());

  it("import the generated module by its relative specifier", () => {
    expect(ws.read(handler)).toMatch(new RegExp(`^import type \\{ NoteSavedHandlers \\} from "${specifier.replace(/\./g, "\\.")}";\\n`));
  });

  it.each(["", "/index", "/index.ts", "/index.js", "/"])(
    "keep a person's import written as <specifier>%s, and a second run changes no byte",
    async (tail) => {
      const before = { trigger: ws.read(handler), stream: ws.read(stream) };
      try {
        // A person's edit, so the file is no longer the stub the generator wrote and must be read again.
        const edited = (text: string) => `${text.replace(`from "${specifier}";`, `from "${specifier}${tail}";`)}// mine\n`;
        ws.write(handler, edited(before.trigger));
        ws.write(stream, edited(before.stream));
        const snapshot = { ...ws.snapshot(layout.outDir), ...ws.snapshot(layout.handlersDir), ...ws.snapshot(layout.streamHandlersDir) };
        for (let run = 0; run < 2; run++) {
          expect((await ws.generateOrThrow(layout)).changes).toEqual([]);
          expect({ ...ws.snapshot(layout.outDir), ...ws.snapshot(layout.handlersDir), ...ws.snapshot(layout.streamHandlersDir) }).toEqual(
            snapshot,
          );
        }
      } finally {
        ws.write(handler, before.trigger);
        ws.write(stream, before.stream);
      }
    },
  );

  it("adds the handlers type to a person's import of the generated module, rather than a second import", async () => {
    const before = ws.read(handler);
    try {
      ws.write(handler, before.replace("import type { NoteSavedHandlers }", "import type { NoteSavedIntent }"));
      await ws.generateOrThrow(layout);
      const repaired = ws.read(handler);
      expect(repaired.match(/^import /gm)).toHaveLength(1);
      expect(repaired).toContain(`import type { NoteSavedIntent, NoteSavedHandlers } from "${specifier}";`);
    } finally {
      ws.write(handler, before);
    }
  });
});

it("compiles in a nested layout after a handler file is repaired twice", async () => {
  const { layout } = LAYOUTS[2]!;
  const ws = new Workspace({ "specs/notes.yaml": spec });
  try {
    await ws.generateOrThrow(layout);
    const path = `${layout.handlersDir}/note.saved.ts`;
    ws.write(path, `${ws.read(path)}// mine\n`);
    await ws.generateOrThrow(layout);
    await ws.generateOrThrow(layout);
    expect(ws.typecheck()).toEqual([]);
  } finally {
    ws.dispose();
  }
});
