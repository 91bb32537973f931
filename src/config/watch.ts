import { unwatchFile, watchFile } from "node:fs";
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

/**
 * Calls `onChange` when any file the configuration came from changes: an edited file, a ConfigMap or a
 * rotated Kubernetes Secret (both swap a symlink, which changes the target's mtime). Polls every 5 s:
 * inotify does not follow the symlink swaps those volumes make.
 */
export class ConfigWatcher {
  private watched: string[] = [];

  constructor(
    private readonly onChange: (file: string) => void,
    private readonly intervalMs = 5000,
  ) {}

  /** Watches exactly the files of `loaded` (call again after a reload: the set may change). */
  watch(loaded: LoadedConfig): void {
    const next = configFiles(loaded);
    if (next.join("\n") === this.watched.join("\n")) return;
    this.close();
    for (const file of next) {
      watchFile(file, { interval: this.intervalMs }, (now, before) => {
        if (now.mtimeMs !== before.mtimeMs || now.ino !== before.ino || now.size !== before.size) this.onChange(file);
      });
    }
    this.watched = next;
  }

  /** Stops watching. Safe twice. */
  close(): void {
    for (const file of this.watched) unwatchFile(file);
    this.watched = [];
  }
}
