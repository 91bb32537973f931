import type { ProcessInfo } from "../contracts/snapshot.ts";

/**
 * The full process list of the last collection. The Snapshot carries only the busiest processes (it
 * travels on every event and is kept in the replay buffer); the whole list, hundreds of rows, is read
 * from here on request: by `/api/v1/processes` and by the root-cause context of findings.
 * One table lives for the agent's life, so a reload that rebuilds the collectors keeps it.
 */
export interface ProcessTable {
  /** Every process of the last collection, unordered; empty before the first. */
  readonly items: readonly ProcessInfo[];
  set(items: readonly ProcessInfo[]): void;
}

export function createProcessTable(): ProcessTable {
  let items: readonly ProcessInfo[] = [];
  return {
    get items() {
      return items;
    },
    set(next) {
      items = next;
    },
  };
}
