import { describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ManualClock } from "../../src/clock.ts";
import { createCleanupAction } from "../../src/remediate/cleanup-action.ts";
import { ALERT, actionConfig } from "./support.ts";

const never = new AbortController().signal;
const DAY = 86_400_000;

/** A directory of logs: some old, some new, one not matching, a link to a file outside, a nested old one. */
function logs(now: number) {
  const root = mkdtempSync(join(tmpdir(), "aiops-cleanup-"));
  const dir = join(root, "logs");
  const outside = join(root, "precious.log");
  mkdirSync(join(dir, "app"), { recursive: true });
  const files: Record<string, number> = {
    "old-1.log": now - 10 * DAY,
    "old-2.log": now - 8 * DAY,
    "new.log": now - 1 * DAY,
    "old.txt": now - 30 * DAY,
    "app/old-3.log": now - 9 * DAY,
  };
  for (const [name, mtime] of Object.entries(files)) {
    writeFileSync(join(dir, name), "x".repeat(1024));
    utimesSync(join(dir, name), mtime / 1000, mtime / 1000);
  }
  writeFileSync(outside, "keep");
  utimesSync(outside, (now - 40 * DAY) / 1000, (now - 40 * DAY) / 1000);
  symlinkSync(outside, join(dir, "link-to-outside.log"));
  symlinkSync(root, join(dir, "loop"));
  return { dir, outside };
}

describe("cleanup action: old files matching a glob, under one directory", () => {
  test("the plan (what a dry run records) lists exactly the old matching files; the run deletes exactly them", async () => {
    const clock = new ManualClock(Date.now());
    const { dir, outside } = logs(clock.wall().getTime());
    const action = createCleanupAction(actionConfig({ cleanup: { directory: dir, pattern: "**/*.log", older_than: "7d" } }).cleanup!, { clock });
    const prepared = await action.prepare(ALERT);
    if ("refused" in prepared) throw new Error(prepared.refused);
    expect(prepared.plan).toBe(`delete 3 files (3 KiB) in ${dir}: old-1.log, app/old-3.log, old-2.log`);
    expect(existsSync(join(dir, "old-1.log"))).toBe(true);

    const result = await prepared.run(never);
    expect(result).toEqual({ ok: true, reason: "", output: "deleted old-1.log\ndeleted app/old-3.log\ndeleted old-2.log" });
    for (const gone of ["old-1.log", "old-2.log", "app/old-3.log"]) expect(existsSync(join(dir, gone))).toBe(false);
    for (const kept of ["new.log", "old.txt", "link-to-outside.log"]) expect(existsSync(join(dir, kept))).toBe(true);
    expect(existsSync(outside)).toBe(true);
  });

  test("a file touched since the plan is kept; nothing old is a refusal, not a failure", async () => {
    const clock = new ManualClock(Date.now());
    const { dir } = logs(clock.wall().getTime());
    const action = createCleanupAction(actionConfig({ cleanup: { directory: dir, pattern: "*.log", older_than: "7d", max_files: 1 } }).cleanup!, { clock });
    const prepared = await action.prepare(ALERT);
    if ("refused" in prepared) throw new Error(prepared.refused);
    expect(prepared.plan).toBe(`delete 1 file (1 KiB) in ${dir}: old-1.log`);
    utimesSync(join(dir, "old-1.log"), new Date(), new Date());
    expect((await prepared.run(never)).output).toBe("kept old-1.log: changed since the plan");
    expect(existsSync(join(dir, "old-1.log"))).toBe(true);

    const none = createCleanupAction(actionConfig({ cleanup: { directory: dir, pattern: "*.gz" } }).cleanup!, { clock });
    expect(await none.prepare(ALERT)).toEqual({ refused: `no file matching *.gz in ${dir} is older than 604800 s` });
  });
});
