import { HOUR_MS, MINUTE_MS } from "./buckets.ts";
import { encodeBlock } from "./point-block.ts";
import type { BufferedSeries, RawBuffer } from "./raw-buffer.ts";
import { addToBuckets, type Buckets, noBuckets } from "./rollup-block.ts";

/**
 * A block whose window is over, encoded a few series at a time on the ticks that follow (see
 * `PendingBlocks`): each series' points compressed (its part of the raw block) and rolled up by the
 * minute and by the hour. Encoding every series at once would hold one tick for the whole block (a
 * hundred milliseconds and more on a host of thousands of series); a slice per tick holds none.
 */
export class SealedBlock {
  /** The series of the block, in the order their parts are encoded. */
  readonly entries: BufferedSeries[];
  /** Compressed points of `entries[i]` (see `encodeBlock`). */
  readonly parts: Uint8Array[] = [];
  readonly minutes: Buckets[] = [];
  readonly hours: Buckets[] = [];

  constructor(readonly buffer: RawBuffer) {
    this.entries = [...buffer.entries()];
  }

  /** Every series is encoded: the block can be written. */
  get done(): boolean {
    return this.parts.length >= this.entries.length;
  }

  /** Encodes up to `max` more series, sooner done when `enough()` says so (asked every few series); returns how many. */
  encode(max: number, enough: () => boolean = () => false): number {
    let count = 0;
    while (!this.done && count < max) {
      const entry = this.entries[this.parts.length]!;
      const points = this.buffer.pointsOf(entry);
      this.minutes.push(addToBuckets(noBuckets(), points, MINUTE_MS));
      this.hours.push(addToBuckets(noBuckets(), points, HOUR_MS));
      this.parts.push(encodeBlock(points));
      count++;
      if (count % 8 === 0 && enough()) break;
    }
    return count;
  }
}
