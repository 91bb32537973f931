import type { Database } from "bun:sqlite";
import type { Clock } from "../clock.ts";
import type { Sample } from "../contracts/sample.ts";
import { encodeRawBlock, type SeriesPoints } from "./raw-block.ts";
import type { RawBuffer } from "./raw-buffer.ts";
import { SeriesKeyCache } from "./series-key-cache.ts";
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
 * The per-tick write, kept cheap: a tick only appends to arrays in memory (the series key comes from
 * a cache, not rebuilt per sample), and every few minutes one row holding every series' points,
 * compressed, is appended to `raw_blocks` (see `raw-buffer.ts` for what a `kill -9` loses). New
 * series are inserted with that row, not on the tick that first saw them.
 */
export function createSampleWriter(db: Database, series: SeriesIndex, buffer: RawBuffer, clock: Clock): SampleWriter {
  const keys = new SeriesKeyCache();
  /** Series buffered that the store does not have yet: counted as they first report in a block. */
  let unsaved = 0;
  const insert = db.prepare<{ id: number }, [number, number, number, Uint8Array, Uint8Array]>(
    "INSERT INTO raw_blocks (start_ts, end_ts, points, series, data) VALUES (?, ?, ?, ?, ?) RETURNING id",
  );
  // OR REPLACE: a row left by a copy that could not carry its block (a damaged file) gives way.
  const pending = db.prepare<unknown, [number, number]>("INSERT OR REPLACE INTO raw_blocks_pending (id, start_ts) VALUES (?, ?)");
  const writeBlock = db.transaction((): number => {
    const list: SeriesPoints[] = [];
    for (const entry of buffer.entries()) {
      list.push({ id: series.idOf(entry.metric, entry.labels, entry.key, entry.firstSeen), ts: entry.ts, values: entry.values });
    }
    const block = encodeRawBlock(list);
    const id = insert.get(buffer.start, buffer.end, buffer.points, block.series, block.data)!.id;
    pending.run(id, buffer.start);
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
    // Series that wrote nothing in this block (an exited process) leave the memory; their rows stay.
    series.forgetIdle();
    buffer.clear();
    unsaved = 0;
    // Keys of series that stopped reporting go with the block.
    keys.clear();
    return written;
  }

  return {
    write(ts, samples) {
      const at = Math.round(ts);
      if (buffer.needsFlushBefore(at)) flush();
      const wall = clock.wallMs();
      let buffered = 0;
      for (const sample of samples) {
        // SQLite would store NaN as NULL, and a block holds only numbers: a missing value is no point.
        if (!Number.isFinite(sample.value)) continue;
        const key = keys.keyOf(sample.metric, sample.labels);
        if (buffer.add(at, key, sample.metric, sample.labels, sample.value, wall) && !series.byKeyOf(key)) unsaved++;
        buffered++;
      }
      return buffered;
    },
    flush,
    get seriesCount() {
      return series.size + unsaved;
    },
  };
}
