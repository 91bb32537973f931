import { statSync } from "node:fs";
import type { Clock } from "../clock.ts";
import type { LoadedConfig } from "./load.ts";

/** Files a configuration was read from: the YAML file and every secret read through a `*_FILE` variable. */
export function configFiles(loaded: LoadedConfig): string[] {
  const files = new Set<string>();
  if (loaded.file) files.add(loaded.file);
  for (const source of loaded.sources.values()) if (source.kind === "env" && source.file) files.add(source.file);
  // The listener's certificate and key: a renewed certificate is served without a restart.
  const tls = loaded.config.server.tls;
  for (const file of [tls.cert_file, tls.key_file, tls.client_ca_file]) if (file !== undefined) files.add(file);
  return [...files];
}

/** What tells one version of a file from the next; a missing file is a version too. */
function versionOf(file: string): string {
  try {
    const s = statSync(file);
    return `${s.ino}:${s.size}:${s.mtimeMs}`;
  } catch (cause) {
    return `missing:${(cause as NodeJS.ErrnoException).code ?? "error"}`;
  }
}

/**
 * Calls `onChange` when any file the configuration came from changes: an edited file, a ConfigMap or a
 * rotated Kubernetes Secret (both swap a symlink, which changes the target's inode and mtime), a
 * renewed TLS certificate. Polls on the clock every 5 s: inotify does not follow the symlink swaps
 * those volumes make.
 */
export class ConfigWatcher {
  private watched: string[] = [];
  private versions = new Map<string, string>();
  private cancel: (() => void) | undefined;

  constructor(
    private readonly onChange: (file: string) => void,
    private readonly clock: Clock,
    private readonly intervalMs = 5000,
  ) {}

  /** Watches exactly the files of `loaded` (call again after a reload: the set may change). */
  watch(loaded: LoadedConfig): void {
    const next = configFiles(loaded);
    if (next.join("\n") === this.watched.join("\n")) return;
    this.close();
    this.watched = next;
    this.versions = new Map(next.map((file) => [file, versionOf(file)]));
    if (next.length > 0) this.cancel = this.clock.setRepeating(this.intervalMs, () => this.poll());
  }

  /** Stops watching. Safe twice. */
  close(): void {
    this.cancel?.();
    this.cancel = undefined;
    this.watched = [];
    this.versions.clear();
  }

  private poll(): void {
    for (const file of this.watched) {
      const version = versionOf(file);
      if (version === this.versions.get(file)) continue;
      this.versions.set(file, version);
      this.onChange(file);
    }
  }
}
