import type { Database } from "bun:sqlite";
import type { Clock } from "../clock.ts";
import type { Sample } from "../contracts/sample.ts";
import { floorTo, HOUR_MS, MINUTE_MS } from "./buckets.ts";
import { encodeRawBlock, type SeriesPoints } from "./raw-block.ts";
import type { BufferedSeries, RawBuffer } from "./raw-buffer.ts";
import { addToBuckets, encodeRollupBlock, noBuckets, type SeriesBuckets } from "./rollup-block.ts";
import type { SeriesIndex } from "./series-index.ts";

/** Takes the samples of each tick into the raw buffer and writes the buffer as blocks. */
export interface SampleWriter {
  /**
   * Buffers the samples with a finite value at `ts` (ms); returns how many. When the tick starts a
   * new block (see `RawBuffer.needsFlushBefore`), the buffered block is written first. Throws what
   * SQLite throws on that write, and then the points stay buffered.
   */
  write(ts: number, samples: readonly Sample[]): number;
  /** Writes the buffered block, and the series new to the store, in one transaction; returns the points written. */
  flush(): number;
  /** Series the store knows, those in the buffer that it does not have yet included. */
  readonly seriesCount: number;
}

/**
 * The per-tick write, kept cheap: a tick only appends to arrays in memory (see `raw-buffer.ts`), and
 * every few minutes one row holding every series' points, compressed, is appended to `raw_blocks`
 * (see `raw-buffer.ts` for what a `kill -9` loses), with the same points rolled up by the minute and
 * by the hour in two small rows of `rollup_blocks`: roll-ups are never computed again from what was
 * written, and every write appends (no page of an older row is touched). New series are inserted
 * with that row, not on the tick that first saw them.
 */
export function createSampleWriter(db: Database, series: SeriesIndex, buffer: RawBuffer, clock: Clock): SampleWriter {
  /** Series buffered that the store does not have yet: counted as they first report in a block. */
  let unsaved = 0;
  const insert = db.prepare<unknown, [number, number, number, Uint8Array, Uint8Array]>(
    "INSERT INTO raw_blocks (start_ts, end_ts, points, series, data) VALUES (?, ?, ?, ?, ?)",
  );
  const insertRollup = db.prepare<unknown, [number, number, number, Uint8Array, Uint8Array]>(
    "INSERT INTO rollup_blocks (resolution, start_ts, end_ts, series, data) VALUES (?, ?, ?, ?, ?)",
  );
  const writeBlock = db.transaction((): number => {
    const raw: SeriesPoints[] = [];
    const minutes: SeriesBuckets[] = [];
    const hour: SeriesBuckets[] = [];
    for (const entry of buffer.entries()) {
      const id = series.idOf(entry.metric, entry.labels, entry.key, entry.firstSeen);
      const points = buffer.pointsOf(entry);
      raw.push({ id, ...points });
      minutes.push({ id, ...addToBuckets(noBuckets(), points, MINUTE_MS) });
      hour.push({ id, ...addToBuckets(noBuckets(), points, HOUR_MS) });
    }
    const block = encodeRawBlock(raw);
    insert.run(buffer.start, buffer.end, buffer.points, block.series, block.data);
    const byMinute = encodeRollupBlock(minutes);
    insertRollup.run(MINUTE_MS, buffer.start, buffer.end, byMinute.series, byMinute.data);
    // A block never spans an hour: its hour's share, merged with the hour's other blocks by maintenance.
    const byHour = encodeRollupBlock(hour);
    const hourStart = floorTo(buffer.start, HOUR_MS);
    insertRollup.run(HOUR_MS, hourStart, hourStart, byHour.series, byHour.data);
    return buffer.points;
  });

  function flush(): number {
    if (buffer.empty) return 0;
    let written: number;
    try {
      written = writeBlock();
    } catch (error) {
      series.rollback();
      throw error;
    }
    series.commit();
    buffer.clear();
    unsaved = 0;
    return written;
  }

  const countUnsaved = (entry: BufferedSeries) => {
    if (!series.byKeyOf(entry.key)) unsaved++;
  };

  return {
    write(ts, samples) {
      const at = Math.round(ts);
      if (buffer.needsFlushBefore(at)) flush();
      return buffer.addTick(at, samples, clock.wallMs(), countUnsaved);
    },
    flush,
    get seriesCount() {
      return series.size + unsaved;
    },
  };
}
