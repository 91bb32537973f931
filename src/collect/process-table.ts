import type { Clock } from "../clock.ts";
import type { ProcessInfo } from "../contracts/snapshot.ts";

/**
 * The full process list of the last reading, and when it was taken. The Snapshot carries only the
 * busiest processes (it travels on every event and is kept in the replay buffer); the whole list,
 * hundreds of rows, is read from here on request: by `/api/v1/processes` and by the root-cause context
 * of findings. The processes collector reads every `collect.processes.interval`, not every tick, so the
 * list may be a few ticks old: the API says how old, and root-cause context may ask for a reading now.
 * One table lives for the agent's life, so a reload that rebuilds the collectors keeps it.
 */
export interface ProcessTable {
  /** Every process of the last reading, unordered; empty before the first. */
  readonly items: readonly ProcessInfo[];
  /** Wall-clock milliseconds of the last reading; undefined before the first. */
  readonly readAt: number | undefined;
  /** Takes a reading just made (the processes collector's), stamped now. */
  set(items: readonly ProcessInfo[]): void;
  /**
   * The processes collector offers to read on demand (`read(now)`, monotonic ms, sets the table);
   * a collector rebuilt on reload replaces the one before.
   */
  attachReader(read: (now: number) => void): void;
  /** No collector reads processes any more (turned off on reload): no reader, no list. */
  clear(): void;
  /** Reads the processes now, through the attached collector; false when none is attached. Throws as the collector does. */
  readNow(): boolean;
}

export function createProcessTable(clock: Clock): ProcessTable {
  let items: readonly ProcessInfo[] = [];
  let readAt: number | undefined;
  let reader: ((now: number) => void) | undefined;
  return {
    get items() {
      return items;
    },
    get readAt() {
      return readAt;
    },
    set(next) {
      items = next;
      readAt = clock.wallMs();
    },
    attachReader(read) {
      reader = read;
    },
    clear() {
      reader = undefined;
      items = [];
      readAt = undefined;
    },
    readNow() {
      if (!reader) return false;
      reader(clock.now());
      return true;
    },
  };
}
