import { describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { checkLayers } from "../scripts/check-layers.ts";

/** A small tree of source files, to show what the check catches. */
function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), "layers-"));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  mkdirSync(join(root, "tui"), { recursive: true });
  return root;
}

describe("the layer order of ARCHITECTURE.md", () => {
  test("every import of this repository follows it, and no files import each other in a circle", () => {
    expect(checkLayers(resolve(import.meta.dir, ".."))).toEqual([]);
  });

  test("a stage importing the loop that runs it is caught", () => {
    const root = tree({ "src/agent.ts": "export class Agent {}\n", "src/detect/stage.ts": 'import type { Agent } from "../agent.ts";\n' });
    expect(checkLayers(root)).toEqual([{ file: "src/detect/stage.ts", message: "imports src/agent.ts: layer detect may not import layer agent (above it)" }]);
  });

  test("a dynamic import counts, and so does a route outside the server importing it", () => {
    const root = tree({ "src/server/route.ts": "export {}\n", "src/alert/routes.ts": 'const m = await import("../server/route.ts");\n' });
    expect(checkLayers(root).map((p) => p.message)).toEqual(["imports src/server/route.ts: layer deliver may not import layer server (above it)"]);
  });

  test("the TUI reading the store directly is caught: it reads through the API or the event bus", () => {
    const root = tree({ "src/store/store.ts": "export {}\n", "tui/app.ts": 'import "../src/store/store.ts";\n' });
    expect(checkLayers(root).map((p) => p.message)).toEqual(["imports src/store/store.ts: the TUI reads through the API or the event bus, never src/store/"]);
  });

  test("a circle within one layer is caught, and a file in no layer is named", () => {
    const root = tree({
      "src/server/a.ts": 'import "./b.ts";\n',
      "src/server/b.ts": 'import "./a.ts";\n',
      "src/stray.ts": "export {}\n",
    });
    expect(checkLayers(root).map((p) => `${p.file}: ${p.message}`).sort()).toEqual([
      "src/server/a.ts: imports itself in a circle: src/server/a.ts → src/server/b.ts",
      "src/stray.ts: belongs to no layer: add it to LAYERS in scripts/check-layers.ts and to ARCHITECTURE.md",
    ]);
  });
});
