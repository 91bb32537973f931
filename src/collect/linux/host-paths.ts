import { join } from "node:path";

/**
 * Every path a Linux collector reads, joined onto one configured root (node_exporter's `--path.rootfs`):
 * with the host mounted at `/host`, `/host/proc`, `/host/sys` and the host's mounts are read instead.
 * No collector names `/proc` itself.
 */
export interface HostPaths {
  readonly root: string;
  proc(...parts: string[]): string;
  sys(...parts: string[]): string;
  /** A path of the host's filesystem tree, e.g. a mount point to statfs. */
  rootfs(path: string): string;
}

export function createHostPaths(root = "/"): HostPaths {
  return {
    root,
    proc: (...parts) => join(root, "proc", ...parts),
    sys: (...parts) => join(root, "sys", ...parts),
    rootfs: (path) => join(root, path),
  };
}
