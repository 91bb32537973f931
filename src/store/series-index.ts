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

/**
 * The `series` table, cached in memory for the tick: a key → id lookup is a Map hit, and SQLite is
 * asked only the first time a series appears. Ids reserved inside a transaction reach the cache only
 * once the caller says the transaction committed, so a rolled-back tick leaves no id that the
 * database does not have.
 */
export class SeriesIndex {
  private readonly byKey = new Map<string, SeriesInfo>();
  private readonly byId = new Map<number, SeriesInfo>();
  private readonly pending = new Map<string, SeriesInfo>();
  private readonly upsert: Statement<{ id: number }, [string, string, string, number]>;

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
    this.reload();
  }

  /** Re-reads the table (after maintenance deleted series, or another database was swapped in). */
  reload(): void {
    this.byKey.clear();
    this.byId.clear();
    this.pending.clear();
    const rows = this.db.query<{ id: number; key: string; metric: string; labels: string }, []>("SELECT id, key, metric, labels FROM series").all();
    for (const row of rows) this.add({ id: row.id, key: row.key, metric: row.metric, labels: JSON.parse(row.labels) as Labels });
  }

  /**
   * The id of a series, inserting its row when new (created at `createdAt`, else now). Call inside a
   * transaction, then `commit()` or `rollback()`. `key` is `seriesKey(metric, labels)` when the caller has it.
   */
  idOf(metric: string, labels: Labels, key = seriesKey(metric, labels), createdAt = this.clock.wallMs()): number {
    const known = this.byKey.get(key) ?? this.pending.get(key);
    if (known) return known.id;
    const row = this.upsert.get(key, metric, JSON.stringify(labels), createdAt);
    if (!row) throw new Error(`store: no id returned for series ${key}`);
    this.pending.set(key, { id: row.id, key, metric, labels });
    return row.id;
  }

  /** The transaction that called `idOf` committed: its new series are real. */
  commit(): void {
    for (const info of this.pending.values()) this.add(info);
    this.pending.clear();
  }

  /** The transaction that called `idOf` rolled back: forget the ids it reserved. */
  rollback(): void {
    this.pending.clear();
  }

  /**
   * Drops a series from the cache (its row was deleted, or it is to be read from the table again
   * when it next reports): the next `idOf` of its key asks SQLite again.
   */
  forget(id: number): void {
    const info = this.byId.get(id);
    if (!info) return;
    this.byId.delete(id);
    if (this.byKey.get(info.key) === info) this.byKey.delete(info.key);
  }

  get(id: number): SeriesInfo | undefined {
    return this.byId.get(id);
  }

  /** The series of a key, when the store has it. */
  byKeyOf(key: string): SeriesInfo | undefined {
    return this.byKey.get(key);
  }

  /** Series of a metric whose labels include every given label (exact values); all series without a metric. */
  find(metric?: string, labels?: Labels): SeriesInfo[] {
    const out: SeriesInfo[] = [];
    for (const info of this.byId.values()) {
      if (metric !== undefined && info.metric !== metric) continue;
      if (labels && !Object.entries(labels).every(([name, value]) => info.labels[name] === value)) continue;
      out.push(info);
    }
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  get size(): number {
    return this.byId.size;
  }

  private add(info: SeriesInfo): void {
    this.byKey.set(info.key, info);
    this.byId.set(info.id, info);
  }
}
