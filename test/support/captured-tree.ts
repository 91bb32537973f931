import { join } from "node:path";
import type { HostPaths } from "../../src/collect/linux/host-paths.ts";

/**
 * Host paths into a captured tree of several moments (`<dir>/t0`, `<dir>/t1`...): they point at the
 * moment `at.current` names, so a test moves the host from one moment to the next between two ticks.
 */
export function movablePaths(dir: string, at: { current: string }): HostPaths {
  return {
    get root() {
      return join(dir, at.current);
    },
    proc: (...parts) => join(dir, at.current, "proc", ...parts),
    sys: (...parts) => join(dir, at.current, "sys", ...parts),
    rootfs: (path) => join(dir, at.current, path),
  };
}
