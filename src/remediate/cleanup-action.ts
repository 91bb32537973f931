import { lstatSync, realpathSync, unlinkSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import type { Clock } from "../clock.ts";
import type { ActionConfig } from "../config/remediation.ts";
import { type RemediationAction, capText } from "./action.ts";

type CleanupConfig = NonNullable<ActionConfig["cleanup"]>;

/** A file the cleanup would delete. */
export interface OldFile {
  /** Relative to the action's directory. */
  path: string;
  bytes: number;
  mtimeMs: number;
}

/** Most file names listed in a plan; the count and the bytes are always whole. */
const PLAN_NAMES = 20;

/**
 * The regular files under `directory` matching `pattern` and not modified since `before`, oldest
 * first, at most `max`. Symbolic links are never followed nor deleted, and a file whose real directory
 * is not inside `directory` (reached through a link in the tree) is left alone.
 */
export function findOldFiles(directory: string, pattern: string, before: number, max: number): OldFile[] {
  const root = realpathSync(directory);
  const found: OldFile[] = [];
  for (const path of new Bun.Glob(pattern).scanSync({ cwd: root, onlyFiles: true, followSymlinks: false, dot: true })) {
    const full = join(root, path);
    let stats;
    try {
      stats = lstatSync(full);
    } catch {
      continue;
    }
    if (!stats.isFile() || stats.mtimeMs >= before) continue;
    const parent = realpathSync(dirname(full));
    if (parent !== root && relative(root, parent).startsWith("..")) continue;
    found.push({ path, bytes: stats.size, mtimeMs: stats.mtimeMs });
  }
  found.sort((a, b) => a.mtimeMs - b.mtimeMs || a.path.localeCompare(b.path));
  return found.slice(0, max);
}

function sizeText(bytes: number): string {
  return bytes >= 1024 ** 3 ? `${(bytes / 1024 ** 3).toFixed(1)} GiB` : bytes >= 1024 ** 2 ? `${(bytes / 1024 ** 2).toFixed(1)} MiB` : `${Math.round(bytes / 1024)} KiB`;
}

/**
 * Deletes files older than an age matching a glob under one directory (logs, caches): the plan (what a
 * dry run records) lists what would go, and a run deletes exactly what it re-checks is still old,
 * still a regular file and still inside the directory.
 */
export function createCleanupAction(config: CleanupConfig, deps: { clock: Clock }): RemediationAction {
  return {
    kind: "cleanup",
    async prepare() {
      let files: OldFile[];
      try {
        files = findOldFiles(config.directory, config.pattern, deps.clock.wall().getTime() - config.older_than * 1000, config.max_files);
      } catch (cause) {
        return { refused: `cannot list ${config.directory}: ${(cause as Error).message}` };
      }
      if (files.length === 0) return { refused: `no file matching ${config.pattern} in ${config.directory} is older than ${config.older_than} s` };
      const bytes = files.reduce((sum, f) => sum + f.bytes, 0);
      const names = files.slice(0, PLAN_NAMES).map((f) => f.path);
      const more = files.length > PLAN_NAMES ? `, and ${files.length - PLAN_NAMES} more` : "";
      return {
        plan: `delete ${files.length} file${files.length > 1 ? "s" : ""} (${sizeText(bytes)}) in ${config.directory}: ${names.join(", ")}${more}`,
        async run() {
          const before = deps.clock.wall().getTime() - config.older_than * 1000;
          const still = new Set(findOldFiles(config.directory, config.pattern, before, config.max_files).map((f) => f.path));
          const lines: string[] = [];
          let failed = 0;
          for (const f of files) {
            if (!still.has(f.path)) {
              lines.push(`kept ${f.path}: changed since the plan`);
              continue;
            }
            try {
              unlinkSync(join(realpathSync(config.directory), f.path));
              lines.push(`deleted ${f.path}`);
            } catch (cause) {
              failed++;
              lines.push(`could not delete ${f.path}: ${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}`);
            }
          }
          const output = capText(lines.join("\n"), 64 * 1024);
          return failed > 0 ? { ok: false, reason: `${failed} of ${files.length} files could not be deleted`, output } : { ok: true, reason: "", output };
        },
      };
    },
  };
}
