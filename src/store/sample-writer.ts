import type { Database } from "bun:sqlite";
import type { Clock } from "../clock.ts";
import type { Sample } from "../contracts/sample.ts";
import { floorTo, HOUR_MS, MINUTE_MS } from "./buckets.ts";
import type { PendingBlocks } from "./pending-blocks.ts";
import { joinRawBlock } from "./raw-block.ts";
import type { BufferedSeries } from "./raw-buffer.ts";
import { encodeRollupBlock, type SeriesBuckets } from "./rollup-block.ts";
import type { SealedBlock } from "./sealed-block.ts";
import type { SeriesIndex } from "./series-index.ts";

/** Most series of a sealed block encoded in one tick. */
export const SERIES_PER_TICK = 64;

/** Most time (ms) a tick spends encoding a sealed block (it stops at the first check past it). */
export const ENCODE_BUDGET_MS = 2;

/** Takes the samples of each tick into the pending blocks and writes them as blocks. */
export interface SampleWriter {
  /**
   * Buffers the samples with a finite value at `ts` (ms); returns how many. When the tick starts a
   * new block (see `RawBuffer.needsFlushBefore`), the block being filled is sealed, and each tick
   * then encodes a slice of it (SERIES_PER_TICK series, ENCODE_BUDGET_MS) and writes it once it is
   * encoded. Throws what SQLite throws on that write, and then the points stay buffered.
   */
  write(ts: number, samples: readonly Sample[]): number;
  /** Writes every buffered point now (the sealed block, then the one being filled); returns the points written. */
  flush(): number;
  /** Series the store knows, those in the pending blocks that it does not have yet included. */
  readonly seriesCount: number;
}

/**
 * The per-tick write, kept cheap: a tick appends to arrays in memory (see `raw-buffer.ts`) and
 * encodes a slice of the block sealed before (see `sealed-block.ts`); once that is encoded, one row
 * holding every series' points, compressed, is appended to `raw_blocks`, with the same points
 * rolled up by the minute and by the hour in two small rows of `rollup_blocks`: roll-ups are never
 * computed again from what was written, and every write appends (no page of an older row is
 * touched). New series are inserted with that row, not on the tick that first saw them. A `kill -9`
 * loses the block being filled and the one being encoded (a clean stop writes both).
 */
export function createSampleWriter(
  db: Database,
  series: SeriesIndex,
  blocks: PendingBlocks,
  clock: Clock,
  /** Most series of a sealed block encoded in one tick. */
  seriesPerTick = SERIES_PER_TICK,
): SampleWriter {
  /** Series of the block being filled that the store does not have yet; and of the sealed block. */
  let unsaved = 0;
  let unsavedSealed = 0;
  const insert = db.prepare<unknown, [number, number, number, Uint8Array, Uint8Array]>(
    "INSERT INTO raw_blocks (start_ts, end_ts, points, series, data) VALUES (?, ?, ?, ?, ?)",
  );
  const insertRollup = db.prepare<unknown, [number, number, number, Uint8Array, Uint8Array]>(
    "INSERT INTO rollup_blocks (resolution, start_ts, end_ts, series, data) VALUES (?, ?, ?, ?, ?)",
  );
  const writeBlock = db.transaction((sealed: SealedBlock): number => {
    const { buffer, entries } = sealed;
    const ids = entries.map((entry) => series.idOf(entry.metric, entry.labels, entry.key, entry.firstSeen));
    const block = joinRawBlock(ids, sealed.parts);
    insert.run(buffer.start, buffer.end, buffer.points, block.series, block.data);
    const rollups = (buckets: typeof sealed.minutes): SeriesBuckets[] => ids.map((id, i) => ({ id, ...buckets[i]! }));
    const byMinute = encodeRollupBlock(rollups(sealed.minutes));
    insertRollup.run(MINUTE_MS, buffer.start, buffer.end, byMinute.series, byMinute.data);
    // A block never spans an hour: its hour's share, merged with the hour's other shares by maintenance.
    const byHour = encodeRollupBlock(rollups(sealed.hours));
    const hourStart = floorTo(buffer.start, HOUR_MS);
    insertRollup.run(HOUR_MS, hourStart, hourStart, byHour.series, byHour.data);
    return buffer.points;
  });

  /** Writes the sealed block, encoded; returns its points. */
  function writeSealed(sealed: SealedBlock): number {
    let written: number;
    try {
      written = writeBlock(sealed);
    } catch (error) {
      series.rollback();
      throw error;
    }
    series.commit();
    // Series that wrote nothing in this block (an exited process) leave the memory; their rows stay.
    series.forgetIdle();
    blocks.written();
    unsavedSealed = 0;
    return written;
  }

  function seal(): void {
    blocks.seal();
    unsavedSealed = unsaved;
    unsaved = 0;
  }

  function flush(): number {
    let written = 0;
    for (;;) {
      const sealed = blocks.sealed;
      if (sealed) {
        sealed.encode(Number.POSITIVE_INFINITY);
        written += writeSealed(sealed);
      }
      if (blocks.filling.empty) return written;
      seal();
    }
  }

  const countUnsaved = (entry: BufferedSeries) => {
    if (!series.byKeyOf(entry.key) && !blocks.sealed?.buffer.get(entry.key)) unsaved++;
  };

  return {
    write(ts, samples) {
      const started = clock.now();
      const at = Math.round(ts);
      // A block encoded on an earlier tick whose write failed (or was left for this tick) goes first.
      if (blocks.sealed?.done) writeSealed(blocks.sealed);
      if (blocks.filling.needsFlushBefore(at)) {
        // The block before is still being encoded (a long interval, a huge block): it goes first, whole.
        const sealed = blocks.sealed;
        if (sealed) {
          sealed.encode(Number.POSITIVE_INFINITY);
          writeSealed(sealed);
        }
        seal();
      }
      const taken = blocks.filling.addTick(at, samples, clock.wallMs(), countUnsaved);
      const sealed = blocks.sealed;
      if (sealed) {
        const enough = () => clock.now() - started >= ENCODE_BUDGET_MS;
        if (!sealed.done) sealed.encode(seriesPerTick, enough);
        // The write itself takes its own tick unless this one has time left.
        if (sealed.done && !enough()) writeSealed(sealed);
      }
      return taken;
    },
    flush,
    get seriesCount() {
      return series.size + unsaved + unsavedSealed;
    },
  };
}
