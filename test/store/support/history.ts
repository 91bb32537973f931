import type { Database } from "bun:sqlite";
import { ManualClock } from "../../../src/clock.ts";
import type { Labels } from "../../../src/contracts/sample.ts";
import { openMemoryDatabase } from "../../../src/store/open-database.ts";
import { PendingBlocks } from "../../../src/store/pending-blocks.ts";
import { createSampleWriter, type SampleWriter } from "../../../src/store/sample-writer.ts";
import { SeriesIndex } from "../../../src/store/series-index.ts";
import { T0 } from "./temp.ts";

/**
 * An in-memory database with the schema, its series index, raw buffer and writer; new series are
 * dated `at`. `writer.write` buffers as the store does (blocks are written as ticks go by);
 * `put` writes one point of one series and its block at once. With `olderAgent`, blocks are left
 * as an agent of schema 6 left them: waiting for their roll-up (`raw_blocks_pending`), without
 * roll-up blocks.
 */
export function memoryHistory(at = T0, options: { olderAgent?: boolean } = {}) {
  const db = openMemoryDatabase(T0);
  const clock = new ManualClock(at);
  const index = new SeriesIndex(db, clock);
  const buffer = new PendingBlocks();
  const writer = options.olderAgent ? asOlderAgent(db, createSampleWriter(db, index, buffer, clock)) : createSampleWriter(db, index, buffer, clock);
  const put = (metric: string, ts: number, value: number, labels: Labels = {}) => {
    const n = writer.write(ts, [{ metric, labels, value }]);
    writer.flush();
    return n;
  };
  return { db, index, buffer, writer, put };
}

/** Every row of a table, in key order. */
export function rows(db: Database, table: string, order = "series_id, ts"): Array<Record<string, number>> {
  return db.query<Record<string, number>, []>(`SELECT * FROM ${table} ORDER BY ${order}`).all();
}

/** A writer whose blocks look like an older agent's: pending their roll-up, without roll-up blocks. */
function asOlderAgent(db: Database, writer: SampleWriter): SampleWriter {
  let converted = 0;
  const convert = () => {
    db.run("INSERT INTO raw_blocks_pending (id, start_ts) SELECT id, start_ts FROM raw_blocks WHERE id > ?", [converted]);
    db.run("DELETE FROM rollup_blocks");
    converted = db.query<{ id: number | null }, []>("SELECT max(id) AS id FROM raw_blocks").get()?.id ?? 0;
  };
  return {
    write(ts, samples) {
      const n = writer.write(ts, samples);
      convert();
      return n;
    },
    flush() {
      const n = writer.flush();
      convert();
      return n;
    },
    get seriesCount() {
      return writer.seriesCount;
    },
  };
}

/**
 * Takes a database back to what an agent of schema 7 wrote: each roll-up block's data in layout 1
 * (every series' part deflated together, after the byte 1), as that agent's `encodeRollupBlock`
 * made it, and schema version 7.
 */
export function asSchema7(db: Database): void {
  const blocks = db.query<{ id: number; data: Uint8Array }, []>("SELECT id, data FROM rollup_blocks").all();
  for (const { id, data } of blocks) {
    if (data[0] !== 2) throw new Error(`roll-up block ${id}: expected layout 2, got ${data[0]}`);
    const parts: Uint8Array[] = [];
    for (let at = 1; at < data.length; ) {
      let length = 0;
      let scale = 1;
      for (;;) {
        const b = data[at++]!;
        length += (b & 0x7f) * scale;
        scale *= 0x80;
        if (b < 0x80) break;
      }
      parts.push(Bun.inflateSync(data.subarray(at, at + length) as Uint8Array<ArrayBuffer>));
      at += length;
    }
    const whole = Bun.deflateSync(Buffer.concat(parts), { library: "libdeflate" });
    db.run("UPDATE rollup_blocks SET data = ? WHERE id = ?", [Buffer.concat([Uint8Array.of(1), whole]), id]);
  }
  db.run("DELETE FROM schema_migrations WHERE version > 7");
}
