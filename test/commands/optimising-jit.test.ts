import { expect, test } from "bun:test";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { rerunWithoutOptimisingJit } from "../../src/commands/optimising-jit.ts";

test("the command runs again in a child without the optimising JIT, with its arguments; its exit code is returned", async () => {
  const dir = mkdtempSync(join(tmpdir(), "aiops-jit-"));
  const entry = join(dir, "entry.ts");
  // Stands in for main.ts: says what it was given, and exits with a code of its own.
  writeFileSync(entry, `require("node:fs").writeFileSync(process.argv[2], JSON.stringify({ dfg: process.env.BUN_JSC_useDFGJIT, args: process.argv.slice(2) })); process.exit(7);`);
  const out = join(dir, "out.json");
  const code = await rerunWithoutOptimisingJit(entry, [out, "tui", "--url", "http://x:8080"], { PATH: process.env.PATH });
  expect(code).toBe(7);
  expect(JSON.parse(readFileSync(out, "utf8"))).toEqual({ dfg: "0", args: [out, "tui", "--url", "http://x:8080"] });
});

test("when the environment already says, this process goes on itself", async () => {
  expect(await rerunWithoutOptimisingJit("/nonexistent.ts", [], { BUN_JSC_useDFGJIT: "1" })).toBeUndefined();
});
