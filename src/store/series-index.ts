import type { Database, Statement } from "bun:sqlite";
import type { Clock } from "../clock.ts";
import { type Labels, seriesKey } from "../contracts/sample.ts";

/** One series the store knows: its small id (what points refer to), key, metric and labels. */
export interface SeriesInfo {
  id: number;
  key: string;
  metric: string;
  labels: Labels;
}

/** A series in the in-memory cache, with the last block that wrote it. */
interface Cached extends SeriesInfo {
  block: number;
}

interface Row {
  id: number;
  key: string;
  metric: string;
  labels: string;
}

/**
 * The `series` table, with the series that report now cached in memory: a key → id lookup on the
 * write path is a Map hit, and SQLite is asked only when a series is new to the cache. A series that
 * wrote nothing for a whole block leaves the cache (`forgetIdle`): the table keeps every series that
 * has history, and processes and containers that come and go would otherwise grow the cache for as
 * long as their history is kept. Lookups of other series (history queries) read the table.
 * Ids reserved inside a transaction reach the cache only once the caller says the transaction
 * committed, so a rolled-back tick leaves no id that the database does not have.
 */
export class SeriesIndex {
  private readonly byKey = new Map<string, Cached>();
  private readonly byId = new Map<number, Cached>();
  private readonly pending = new Map<string, Cached>();
  /** Rows of the table, kept up to date so that `size` asks SQLite nothing. */
  private rows = 0;
  /** Counts the blocks written (`forgetIdle`): a series cached in an earlier one and not used since is idle. */
  private block = 0;
  private readonly upsert: Statement<{ id: number }, [string, string, string, number]>;
  private readonly rowOfKey: Statement<Row, [string]>;

  constructor(
    private readonly db: Database,
    /** Stamps a new series' creation time. */
    private readonly clock: Clock,
  ) {
    this.upsert = db.prepare(
      // DO UPDATE (not DO NOTHING) so that RETURNING gives the id of an existing row too.
      `INSERT INTO series (key, metric, labels, created_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (key) DO UPDATE SET metric = excluded.metric RETURNING id`,
    );
    this.rowOfKey = db.prepare("SELECT id, key, metric, labels FROM series WHERE key = ?");
    this.reload();
  }

  /** Re-reads the table (after maintenance deleted series, or another database was swapped in). */
  reload(): void {
    this.byKey.clear();
    this.byId.clear();
    this.pending.clear();
    this.rows = this.db.query<{ n: number }, []>("SELECT count(*) AS n FROM series").get()?.n ?? 0;
  }

  /**
   * The id of a series, inserting its row when new (created at `createdAt`, else now). Call inside a
   * transaction, then `commit()` or `rollback()`. `key` is `seriesKey(metric, labels)` when the caller has it.
   */
  idOf(metric: string, labels: Labels, key = seriesKey(metric, labels), createdAt = this.clock.wallMs()): number {
    const known = this.byKey.get(key) ?? this.pending.get(key);
    if (known) {
      known.block = this.block;
      return known.id;
    }
    // Back after a while (a pid reused, an interface up again), or first seen since start: its row may be there.
    const row = this.rowOfKey.get(key);
    if (row) {
      this.add({ id: row.id, key, metric, labels, block: this.block });
      return row.id;
    }
    const inserted = this.upsert.get(key, metric, JSON.stringify(labels), createdAt);
    if (!inserted) throw new Error(`store: no id returned for series ${key}`);
    this.pending.set(key, { id: inserted.id, key, metric, labels, block: this.block });
    return inserted.id;
  }

  /** The transaction that called `idOf` committed: its new series are real. */
  commit(): void {
    for (const info of this.pending.values()) this.add(info);
    this.rows += this.pending.size;
    this.pending.clear();
  }

  /** The transaction that called `idOf` rolled back: forget the ids it reserved. */
  rollback(): void {
    this.pending.clear();
  }

  /**
   * Ends a block: the series that no `idOf` asked for since the last call leave the cache (their rows
   * stay). Call after each written block, so that the cache holds only the series of the last one.
   */
  forgetIdle(): void {
    for (const [key, info] of this.byKey) {
      if (info.block >= this.block) continue;
      this.byKey.delete(key);
      this.byId.delete(info.id);
    }
    this.block++;
  }

  /** Maintenance deleted the row of a series (no history left): it leaves the cache and the count. */
  forget(id: number): void {
    const info = this.byId.get(id);
    if (info) {
      this.byId.delete(id);
      if (this.byKey.get(info.key) === info) this.byKey.delete(info.key);
    }
    this.rows--;
  }

  get(id: number): SeriesInfo | undefined {
    const cached = this.byId.get(id);
    if (cached) return cached;
    const row = this.db.query<Row, [number]>("SELECT id, key, metric, labels FROM series WHERE id = ?").get(id);
    return row ? infoOf(row) : undefined;
  }

  /** The series of a key, when the store has it. */
  byKeyOf(key: string): SeriesInfo | undefined {
    const cached = this.byKey.get(key);
    if (cached) return cached;
    const row = this.rowOfKey.get(key);
    return row ? infoOf(row) : undefined;
  }

  /** Series of a metric whose labels include every given label (exact values); all series without a metric. */
  find(metric?: string, labels?: Labels): SeriesInfo[] {
    const rows =
      metric === undefined
        ? this.db.query<Row, []>("SELECT id, key, metric, labels FROM series").all()
        : this.db.query<Row, [string]>("SELECT id, key, metric, labels FROM series WHERE metric = ?").all(metric);
    const out: SeriesInfo[] = [];
    for (const row of rows) {
      const info = this.byId.get(row.id) ?? infoOf(row);
      if (labels && !Object.entries(labels).every(([name, value]) => info.labels[name] === value)) continue;
      out.push(info);
    }
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  /** Rows of the table: every series the store has. */
  get size(): number {
    return this.rows;
  }

  /** Series cached in memory now (those that wrote in the last blocks). */
  get cached(): number {
    return this.byId.size;
  }

  private add(info: Cached): void {
    this.byKey.set(info.key, info);
    this.byId.set(info.id, info);
  }
}

function infoOf(row: Row): SeriesInfo {
  return { id: row.id, key: row.key, metric: row.metric, labels: JSON.parse(row.labels) as Labels };
}
