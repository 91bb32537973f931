import type { Database } from "bun:sqlite";
import type { Sample } from "../contracts/sample.ts";
import type { SeriesIndex } from "./series-index.ts";

/** Writes one tick of samples into a database. */
export interface SampleWriter {
  /** Writes the samples with a finite value at `ts` (ms) in one transaction; returns how many. Throws what SQLite throws. */
  write(ts: number, samples: readonly Sample[]): number;
}

/**
 * The per-tick write, kept cheap: one prepared statement, one transaction, series ids from the
 * in-memory index. Points go to the time-ordered write buffer (`points_recent`), so a tick appends to
 * one end of one tree instead of touching a page per series.
 */
export function createSampleWriter(db: Database, series: SeriesIndex): SampleWriter {
  const insert = db.prepare<unknown, [number, number, number]>("INSERT OR REPLACE INTO points_recent (ts, series_id, value) VALUES (?, ?, ?)");
  const writeAll = db.transaction((ts: number, samples: readonly Sample[]): number => {
    let written = 0;
    for (const sample of samples) {
      // SQLite would store NaN as NULL, which the column refuses: a missing value is no point.
      if (!Number.isFinite(sample.value)) continue;
      insert.run(ts, series.idOf(sample.metric, sample.labels), sample.value);
      written++;
    }
    return written;
  });
  return {
    write(ts, samples) {
      try {
        const written = writeAll(Math.round(ts), samples);
        series.commit();
        return written;
      } catch (error) {
        series.rollback();
        throw error;
      }
    },
  };
}
