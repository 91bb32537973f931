import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { systemClock } from "../../../src/clock.ts";
import { createLogger, type Logger } from "../../../src/log.ts";

/** 2025-01-01T10:00:00Z: a whole hour, so bucket arithmetic in tests reads plainly. */
export const T0 = Date.UTC(2025, 0, 1, 10);

const cleanups: Array<() => void> = [];

/**
 * Closes the stores and removes the directories the last test made. Each test file that uses them
 * calls `afterEach(cleanUp)`: a hook registered here would only serve the first file to import this.
 */
export function cleanUp(): void {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
}

/** Runs `cleanup` at the next `cleanUp()`. */
export function afterThisTest(cleanup: () => void): void {
  cleanups.push(cleanup);
}

/** A temporary directory removed after the test. */
export function tempDir(prefix = "aiops-store-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A logger whose lines the test can read. */
export function captureLog(): { log: Logger; lines: () => Array<Record<string, unknown>> } {
  const raw: string[] = [];
  const log = createLogger({ level: "debug", clock: systemClock, sink: { write: (line) => void raw.push(line) } });
  return { log, lines: () => raw.map((l) => JSON.parse(l) as Record<string, unknown>) };
}
