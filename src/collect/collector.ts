import type { Snapshot } from "../contracts/snapshot.ts";

/** The part of a Snapshot one collector fills. */
export type SnapshotPart = Omit<Partial<Snapshot>, "timestamp" | "errors">;

/**
 * A Collector reads one kernel source and returns its part of the Snapshot. Rates come from deltas it
 * keeps between calls, so its first call may return less (nothing to compare with yet).
 * `now` is a monotonic clock in milliseconds: wall-clock jumps must not bend rates.
 */
export interface Collector {
  readonly name: string;
  collect(now: number): SnapshotPart | Promise<SnapshotPart>;
}

/** A collector result that is usable but incomplete: the agent keeps `part` and reports the reason. */
export class PartialCollection extends Error {
  constructor(
    readonly part: SnapshotPart,
    reason: string,
  ) {
    super(reason);
    this.name = "PartialCollection";
  }
}
