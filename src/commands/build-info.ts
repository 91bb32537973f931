import { dirname } from "node:path";

/** Set by `scripts/build.ts` (Bun.build `define`) in a compiled binary: the commit it was built from. */
declare const AIOPS_BUILD_COMMIT: string | undefined;

/**
 * The git commit this program was built from: baked into a compiled binary at build time; run from
 * source, asked of git (with `-dirty` when the work tree has changes), or `unknown` without git.
 */
export function buildCommit(sourceFile: string = import.meta.path): string {
  if (typeof AIOPS_BUILD_COMMIT === "string") return AIOPS_BUILD_COMMIT;
  return gitCommit(dirname(sourceFile)) ?? "unknown";
}

/** `abc123def456` or `abc123def456-dirty` for the work tree at `dir`; undefined outside git. */
export function gitCommit(dir: string): string | undefined {
  try {
    const head = Bun.spawnSync(["git", "-C", dir, "rev-parse", "--short=12", "HEAD"], { stderr: "ignore" });
    if (head.exitCode !== 0) return undefined;
    const status = Bun.spawnSync(["git", "-C", dir, "status", "--porcelain", "--untracked-files=no"], { stderr: "ignore" });
    const dirty = status.exitCode === 0 && status.stdout.toString().trim() !== "";
    return `${head.stdout.toString().trim()}${dirty ? "-dirty" : ""}`;
  } catch {
    // No git on this machine: the commit is unknown, which --version says.
    return undefined;
  }
}

/** What `--version` prints: `aiops-agent 0.1.0 (commit 6510bc6a1b2c)`. */
export function versionLine(version: string, commit: string): string {
  return `aiops-agent ${version} (commit ${commit})`;
}
