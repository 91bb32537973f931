import type { Database } from "bun:sqlite";
import { statSync } from "node:fs";
import { dirname } from "node:path";
import type { Clock } from "../clock.ts";
import type { Sample } from "../contracts/sample.ts";
import type { Config } from "../config/schema.ts";
import type { Finding } from "../contracts/finding.ts";
import { componentLogger, type Logger } from "../log.ts";
import type { SelfMetrics } from "../self-metrics.ts";
import { recordAnomalies } from "./anomalies.ts";
import { copyState, copyStateFromFile, HISTORY_STATE_TABLES, STATE_TABLES } from "./copy-state.ts";
import { type DetectorStateEntry, type DetectorStateRecord, loadDetectorStates, saveDetectorStates } from "./detector-state.ts";
import { moveAside } from "./move-aside.ts";
import { type Degraded, describeCopy, openDatabase, openDatabaseFile, openMemoryDatabase } from "./open-database.ts";
import { applyRetention, type DeletedRows } from "./retention.ts";
import { floorTo, HOUR_MS } from "./buckets.ts";
import { PendingBlocks } from "./pending-blocks.ts";
import { mergeHourBlocks, ROLLUP_BATCH_HOURS, ROLLUP_GRACE_MS, rollUp, rollUpDue, type RollUpReport } from "./roll-up.ts";
import { createSampleWriter, type SampleWriter } from "./sample-writer.ts";
import { type LatestPoint, latest, listSeries, querySeries, type SeriesFilter, type SeriesListing, type SeriesQuery, type SeriesQueryResult } from "./series-query.ts";
import { SeriesIndex } from "./series-index.ts";
import { enforceSizeCap, type SizeCapReport, usedBytes, vacuumFreePages } from "./size-cap.ts";
import { describeError, type StorageProblem, storageProblem } from "./storage-problem.ts";
import { createStoreMetrics, type StoreMetrics } from "./store-metrics.ts";

/** The `store` section of the configuration: retention in seconds, size cap in MB, maintenance interval in seconds. */
export type StoreSettings = Config["store"];

/** What the store needs; everything comes in here, nothing from globals. */
export interface StoreOptions {
  /** Directory of `aiops-agent.db` (`agent.data_dir`). */
  dataDir: string;
  settings: StoreSettings;
  /** The root logger; the store logs as `aiops_agent.store`. */
  log: Logger;
  metrics: SelfMetrics;
  /** Wall time for what is stored and queried; the timers of maintenance, of the file checks and of the retries while degraded. */
  clock: Clock;
  /** How often the file is checked (deleted or replaced under the agent), ms. */
  checkIntervalMs?: number;
  /** Most series of a block encoded in one tick (default SERIES_PER_TICK); tests of failures write a block in one tick. */
  encodeSeriesPerTick?: number;
  /** First retry of the file while degraded, ms; each later one waits twice as long, up to `maxRetryMs`. */
  retryMs?: number;
  maxRetryMs?: number;
}

/** What `/readyz` reports of the store. */
export interface StoreStatus {
  open: boolean;
  /** History goes to the database file. */
  persistent: boolean;
  /** The database file; null while history is in memory. */
  path: string | null;
  degraded: Degraded | null;
  /** Events an operator should know of that did not degrade the store (a corrupt file moved aside). */
  notices: string[];
}

/** The outcome of one tick's write; it never throws. */
export interface WriteResult {
  written: number;
  /** Why nothing was written, when it failed even after falling back to memory. */
  error?: string;
}

/** What one maintenance run did. */
export interface MaintenanceReport {
  rolledUp: RollUpReport;
  deleted: DeletedRows;
  sizeCap: SizeCapReport;
  durationMs: number;
}

/**
 * The history store. A storage failure (read-only or full disk, I/O error) on any call moves the
 * store to an in-memory database, carrying the state tables over, and the call is tried once more
 * there; a corrupt file is moved aside and replaced by a fresh one. The agent never stops for it.
 */
export interface Store {
  /** Opens the database, or falls back to memory. Safe twice. */
  open(): StoreStatus;
  /** `open()`, then maintenance every `maintenance_interval`. Safe twice. */
  start(): StoreStatus;
  /** Stops maintenance, checkpoints the WAL and closes. Safe twice, and before open. */
  close(): void;
  status(): StoreStatus;
  /** Why history is in memory only; null while it goes to the file. */
  readonly degraded: Degraded | null;
  /**
   * While degraded, tries the file again now: when it can be written, the state in memory (the queue
   * with its keys, alerts, silences, the newest history) is carried into it and the store returns to
   * it. Also checks that the file still exists, recreating it when it was deleted. `start()` runs
   * both on timers; true when the store is on its file afterwards.
   */
  checkFile(): boolean;
  /**
   * The open database. It changes when the store falls back to memory: read it for each use, never
   * keep it. Prefer `transaction` and `read`, which handle storage failures.
   */
  readonly db: Database;
  /**
   * Runs `fn` in one (IMMEDIATE) transaction and returns its result; for the alert engine's change of
   * state and its outbox rows. `fn` must be synchronous (the transaction commits when it returns).
   * On a storage failure the store falls back to memory and runs `fn` once more there: keep `fn` to
   * database work. Nested calls become savepoints.
   */
  transaction<T>(fn: (db: Database) => T): T;
  /** Runs a read with the same fallback as `transaction` (for the API's listings). */
  read<T>(fn: (db: Database) => T): T;
  /**
   * Takes one tick's samples at `ts` (ms): they are kept in memory and written with the next few
   * minutes' as one block (a clean stop writes them; `kill -9` loses at most that block). Queries see
   * them at once. Never throws.
   */
  writeSamples(ts: number, samples: readonly Sample[]): WriteResult;
  /** Records a tick's findings in the anomalies table. Never throws. */
  recordFindings(findings: readonly Finding[]): WriteResult;
  /** Saves detector states (replacing earlier ones). Never throws. */
  saveDetectorStates(entries: readonly DetectorStateEntry[]): WriteResult;
  /** Saved detector states, of one detector or all; empty when they cannot be read. */
  loadDetectorStates(detector?: string): DetectorStateRecord[];
  /** Roll-ups, retention, size cap and checkpoint; `start()` runs it on its interval. Never throws (null on failure). */
  maintain(): MaintenanceReport | null;
  /** History of the matching series, at the resolution the range and step call for. Throws RangeError on a bad range. */
  querySeries(query: SeriesQuery): SeriesQueryResult;
  listSeries(filter?: SeriesFilter): SeriesListing[];
  /** The newest point of each matching series. */
  latest(filter?: SeriesFilter): LatestPoint[];
}

/** How often the file is checked for having been deleted or replaced. */
const DEFAULT_CHECK_MS = 5_000;
/** First retry of the file while degraded, and the longest wait between two. */
const DEFAULT_RETRY_MS = 5_000;
const MAX_RETRY_MS = 5 * 60_000;

/** While degraded, history in memory is held to this size, whatever the cap for the file. */
export const MEMORY_CAP_BYTES = 64 * 1024 * 1024;

/** Creates the store. Nothing touches the disk before `open()` or `start()`. */
export function createStore(options: StoreOptions): Store {
  return new SqliteStore(options);
}

interface Current {
  db: Database;
  path: string | null;
  index: SeriesIndex;
  writer: SampleWriter;
}

class SqliteStore implements Store {
  private readonly log: Logger;
  private readonly metrics: StoreMetrics;
  private readonly clock: Clock;
  /** Raw points not yet written: the store's, whichever database it is on (they outlive a fall back to memory). */
  private readonly buffer = new PendingBlocks();
  private phase: "new" | "open" | "closed" = "new";
  private current: Current | null = null;
  private degradedBy: Degraded | null = null;
  private readonly notices: string[] = [];
  private cancelMaintenance: (() => void) | undefined;
  /** Cancels the pending file check or retry. */
  private cancelCheck: (() => void) | undefined;
  private retryMs: number;
  /** The memory database holds the state of the file it replaced: it can be carried back whole. */
  private seeded = false;
  /** Inode of the open file: another inode (or none) at its path means it was deleted or replaced. */
  private fileIno: number | undefined;
  /** Last error logged per operation: a failure that repeats every tick is logged once and counted. */
  private readonly lastLogged = new Map<string, string>();

  constructor(private readonly options: StoreOptions) {
    this.log = componentLogger(options.log, "store");
    this.metrics = createStoreMetrics(options.metrics);
    this.clock = options.clock;
    this.retryMs = options.retryMs ?? DEFAULT_RETRY_MS;
  }

  open(): StoreStatus {
    if (this.phase === "closed") throw new Error("store: open after close");
    if (this.phase === "open") return this.status();
    const opened = openDatabase(this.options.dataDir, this.clock.wallMs());
    this.use(opened.db, opened.path);
    this.seeded = opened.seeded;
    this.phase = "open";
    for (const notice of opened.notices) this.notice(notice);
    if (opened.degraded) this.degrade(opened.degraded);
    else this.log.info({ path: opened.path }, "store opened");
    this.updateGauges();
    return this.status();
  }

  start(): StoreStatus {
    const status = this.open();
    const interval = this.options.settings.maintenance_interval;
    // A repeating timer: maintenance never keeps a stopping process alive.
    if (this.cancelMaintenance === undefined && interval > 0) this.cancelMaintenance = this.clock.setRepeating(interval * 1000, () => this.maintain());
    if (this.cancelCheck === undefined) this.scheduleCheck();
    return status;
  }

  close(): void {
    // A clean stop loses no raw point: the block being filled is written first.
    if (this.phase === "open" && this.current && !this.buffer.empty) {
      try {
        this.guard("write samples", (c) => c.writer.flush());
      } catch (error) {
        this.failed("write_samples", error);
      }
    }
    this.cancelMaintenance?.();
    this.cancelMaintenance = undefined;
    this.cancelCheck?.();
    this.cancelCheck = undefined;
    const current = this.current;
    this.current = null;
    this.phase = "closed";
    if (!current) return;
    if (current.path) {
      try {
        current.db.run("PRAGMA optimize");
        // Leaves the whole database in the file and the WAL empty, for a copy or a backup.
        current.db.run("PRAGMA wal_checkpoint(TRUNCATE)");
      } catch (error) {
        this.log.warning({ error: describeError(error) }, "store: checkpoint on close failed");
      }
    }
    closeQuietly(current.db);
  }

  status(): StoreStatus {
    const path = this.current?.path ?? null;
    return { open: this.phase === "open", persistent: path !== null, path, degraded: this.degraded, notices: [...this.notices] };
  }

  get degraded(): Degraded | null {
    const d = this.degradedBy;
    if (!d) return null;
    if (d.problem === "newer_schema" || d.problem === "locked") return d;
    const retry = `retrying the file every ${Math.round(this.retryMs / 1000)} s or less${this.lastRetryError ? ` (last try: ${this.lastRetryError})` : ""}`;
    return { ...d, reason: `${d.reason}; ${retry}` };
  }

  checkFile(): boolean {
    if (this.phase !== "open" || !this.current) return false;
    try {
      if (this.degradedBy) return this.tryFileAgain();
      this.checkFileStillThere();
    } catch (error) {
      this.failed("check_file", error);
    }
    return this.current?.path !== null && this.degradedBy === null;
  }

  /** The next file check: every `checkIntervalMs` on the file, with a growing back-off while degraded. */
  private scheduleCheck(): void {
    const delay = this.degradedBy ? this.retryMs : (this.options.checkIntervalMs ?? DEFAULT_CHECK_MS);
    this.cancelCheck = this.clock.setTimer(delay, () => {
      this.cancelCheck = undefined;
      if (this.phase !== "open") return;
      const wasDegraded = this.degradedBy !== null;
      const onFile = this.checkFile();
      this.retryMs = onFile ? (this.options.retryMs ?? DEFAULT_RETRY_MS) : wasDegraded ? Math.min(this.retryMs * 2, this.options.maxRetryMs ?? MAX_RETRY_MS) : this.retryMs;
      this.scheduleCheck();
    });
  }

  /**
   * Degraded: opens the file again, and if it takes writes, carries the state in memory into it
   * (replacing the file's older copy of the queue) and goes back to it. A file of a newer agent, or
   * one another process holds, is left alone: that needs an operator.
   */
  private tryFileAgain(): boolean {
    const degraded = this.degradedBy!;
    if (degraded.problem === "newer_schema" || degraded.problem === "locked") return false;
    const memory = this.require();
    let opened: ReturnType<typeof openDatabaseFile>;
    try {
      opened = openDatabaseFile(this.options.dataDir, this.clock.wallMs());
    } catch (error) {
      this.lastRetryError = describeError(error);
      return false;
    }
    try {
      // Without the file's state in memory, series ids would not match the file's: carry only the queue.
      const tables = this.seeded ? STATE_TABLES : STATE_TABLES.filter((t) => !HISTORY_STATE_TABLES.includes(t));
      const copied = copyState(memory.db, opened.db, { replace: true, tables, atomic: true });
      if (this.seeded) copyState(memory.db, opened.db, { tables: ["points", "rollup_1m", "rollup_1h", "rollup_blocks"], atomic: true });
      closeQuietly(memory.db);
      this.use(opened.db, opened.path);
      this.degradedBy = null;
      this.lastRetryError = undefined;
      this.metrics.degraded.set({}, 0);
      this.log.info(
        { path: opened.path, carried: describeCopy(copied), degraded_for_s: Math.round((this.clock.wallMs() - degraded.since) / 1000) },
        "store back on its file: the state kept in memory was carried over",
      );
      this.updateGauges();
      return true;
    } catch (error) {
      closeQuietly(opened.db);
      this.lastRetryError = describeError(error);
      return false;
    }
  }

  /** On the file: when it was deleted or replaced under the agent, recreates it with the state carried over. */
  private checkFileStillThere(): void {
    const c = this.require();
    if (c.path === null) return;
    let ino: number | undefined;
    try {
      ino = statSync(c.path).ino;
    } catch {
      ino = undefined;
    }
    if (ino !== undefined && ino === this.fileIno) return;
    const path = c.path;
    // The open connection still reads the deleted file: keep its state in memory, close it (which
    // removes its WAL cleanly), then start a fresh file and carry the state into it.
    const staging = openMemoryDatabase(this.clock.wallMs());
    const held = copyState(c.db, staging);
    closeQuietly(c.db);
    this.current = null;
    let opened: ReturnType<typeof openDatabaseFile>;
    try {
      opened = openDatabaseFile(this.options.dataDir, this.clock.wallMs());
    } catch (error) {
      this.use(staging, null);
      this.seeded = false;
      this.degrade({ problem: storageProblem(error) ?? "io_error", reason: `${path} was ${ino === undefined ? "deleted" : "replaced"} and cannot be recreated (${describeError(error)})`, since: this.clock.wallMs() });
      this.updateGauges();
      return;
    }
    try {
      copyState(staging, opened.db, { replace: true, atomic: true });
    } catch (error) {
      closeQuietly(opened.db);
      this.use(staging, null);
      this.seeded = true;
      this.degrade({ problem: storageProblem(error) ?? "io_error", reason: `${path} was recreated but cannot take the state (${describeError(error)})`, since: this.clock.wallMs() });
      this.updateGauges();
      return;
    }
    closeQuietly(staging);
    this.use(opened.db, opened.path);
    this.notice(`${path} was ${ino === undefined ? "deleted" : "replaced by another file"} while the agent ran; recreated it and carried over ${describeCopy(held)}`);
    this.updateGauges();
  }

  get db(): Database {
    return this.require().db;
  }

  transaction<T>(fn: (db: Database) => T): T {
    return this.guard("transaction", (c) => c.db.transaction(() => fn(c.db)).immediate());
  }

  read<T>(fn: (db: Database) => T): T {
    return this.guard("read", (c) => fn(c.db));
  }

  writeSamples(ts: number, samples: readonly Sample[]): WriteResult {
    const started = this.clock.now();
    try {
      const written = this.guard("write samples", (c) => c.writer.write(ts, samples));
      this.metrics.writeSeconds.observe((this.clock.now() - started) / 1000);
      this.metrics.pointsWritten.inc({}, written);
      this.metrics.series.set({}, this.require().writer.seriesCount);
      return { written };
    } catch (error) {
      return this.failed("write_samples", error);
    }
  }

  recordFindings(findings: readonly Finding[]): WriteResult {
    if (findings.length === 0) return { written: 0 };
    try {
      return { written: this.transaction((db) => recordAnomalies(db, findings)) };
    } catch (error) {
      return this.failed("record_findings", error);
    }
  }

  saveDetectorStates(entries: readonly DetectorStateEntry[]): WriteResult {
    try {
      return { written: this.transaction((db) => saveDetectorStates(db, entries, this.clock.wallMs())) };
    } catch (error) {
      return this.failed("save_detector_states", error);
    }
  }

  loadDetectorStates(detector?: string): DetectorStateRecord[] {
    try {
      return this.read((db) => loadDetectorStates(db, detector));
    } catch (error) {
      this.failed("load_detector_states", error);
      return [];
    }
  }

  maintain(): MaintenanceReport | null {
    const started = this.clock.now();
    try {
      const report = this.guard("maintenance", (c) => this.maintainOnce(c));
      report.durationMs = this.clock.now() - started;
      this.metrics.maintenanceSeconds.observe(report.durationMs / 1000);
      this.updateGauges();
      return report;
    } catch (error) {
      this.failed("maintenance", error);
      return null;
    }
  }

  querySeries(query: SeriesQuery): SeriesQueryResult {
    return this.guard("query", (c) => querySeries(c.db, c.index, query, this.clock.wallMs(), this.options.settings.raw_retention * 1000, this.buffer));
  }

  listSeries(filter?: SeriesFilter): SeriesListing[] {
    return listSeries(this.require().index, filter, this.buffer);
  }

  latest(filter?: SeriesFilter): LatestPoint[] {
    return this.guard("latest", (c) => latest(c.db, c.index, filter, this.buffer));
  }

  private maintainOnce(c: Current): MaintenanceReport {
    const now = this.clock.wallMs();
    const settings = this.options.settings;
    // Ticks that stopped (or a long interval) can leave a complete hour in memory: write it to roll it up.
    if (!this.buffer.empty && floorTo(this.buffer.start, HOUR_MS) < floorTo(now - ROLLUP_GRACE_MS, HOUR_MS)) c.writer.flush();
    // Roll-ups are written with each block; what remains is merging a past hour's shares into one row,
    // and the roll-up of raw blocks an older agent left waiting.
    mergeHourBlocks(c.db, now);
    const rolledUp = rollUpDue(c.db, now) ? rollUp(c.db, now) : { hours: 0, points: 0 };
    // Retention cuts on whole hours: run it when a cut-off moved, not on every run, so that a minute's
    // maintenance does no work per series (a range per series, dead ones included).
    const retention = { rawMs: settings.raw_retention * 1000, rollupMs: settings.rollup_retention * 1000, rawStepMs: ROLLUP_BATCH_HOURS * HOUR_MS };
    const cutoffs = `${floorTo(now - retention.rawMs, retention.rawStepMs)}/${floorTo(now - retention.rollupMs, HOUR_MS)}`;
    // Series deleted (no history left) leave the index one by one: reading the table again would
    // cost a parse per series, live or not.
    let gone: number[] = [];
    const deleted = c.db === this.retainedDb && cutoffs === this.retainedAt ? {} : applyRetention(c.db, now, retention, (ids) => (gone = ids));
    this.retainedAt = cutoffs;
    this.retainedDb = c.db;
    for (const id of gone) c.index.forget(id);
    const capBytes = settings.max_size_mb * 1024 * 1024;
    const sizeCap = enforceSizeCap(c.db, c.path ? capBytes : Math.min(capBytes, MEMORY_CAP_BYTES), now);
    // Free pages left by retention are reused by the next hour's points: giving them back would only
    // grow the file again. Give them back when they are many (retention shortened) or the cap trimmed.
    if (sizeCap.vacuumedPages === 0 && freeShare(c.db) > 0.25) sizeCap.vacuumedPages = vacuumFreePages(c.db);
    // Checkpoint off the tick, once an hour and after a legacy roll-up or a vacuum, truncating the WAL.
    // Between two, the WAL holds that hour's blocks (a few MB; `wal_autocheckpoint` bounds it only if
    // maintenance stops): a page that several blocks touched (the end of a tree, an index) is copied
    // into the file once, not once per block, and no checkpoint ever falls on a tick's write.
    const hour = floorTo(now, HOUR_MS);
    if (c.path && (rolledUp.hours > 0 || sizeCap.vacuumedPages > 0 || hour !== this.checkpointedHour)) {
      c.db.run("PRAGMA wal_checkpoint(TRUNCATE)");
      this.checkpointedHour = hour;
    }

    const retained = Object.entries(deleted).reduce((sum, [table, n]) => (table === "series" ? sum : sum + n), 0);
    if (retained > 0) this.metrics.rowsDeleted.inc({ reason: "retention" }, retained);
    if (sizeCap.deleted > 0) {
      this.metrics.rowsDeleted.inc({ reason: "size_cap" }, sizeCap.deleted);
      this.log.warning(
        { cap_mb: settings.max_size_mb, trimmed_before: new Date(sizeCap.trimmedBefore ?? 0).toISOString(), rows: sizeCap.deleted },
        "store: size cap reached, deleted the oldest history",
      );
    }
    if (rolledUp.hours > 0) this.log.debug({ hours: rolledUp.hours, points: rolledUp.points, deleted }, "store: rolled up");
    return { rolledUp, deleted, sizeCap, durationMs: 0 };
  }

  /**
   * Runs `fn` on the current database. A storage failure replaces the database (see `replace`) and
   * runs `fn` once more; any other error, or a failure in memory already, is thrown.
   */
  private guard<T>(operation: string, fn: (c: Current) => T): T {
    const c = this.require();
    try {
      return fn(c);
    } catch (error) {
      const problem = storageProblem(error);
      if (problem === undefined || c.path === null) throw error;
      this.replace(c, problem, `${operation} failed (${describeError(error)})`);
      return fn(this.require());
    }
  }

  /**
   * Replaces a database file that failed. A corrupt file is moved aside and a fresh one started (the
   * store stays persistent); otherwise history continues in memory. Either way the state tables are
   * carried over when they can still be read.
   */
  private replace(old: Current, problem: StorageProblem, reason: string): void {
    const path = old.path!;
    const now = this.clock.wallMs();
    if (problem === "corrupt") {
      closeQuietly(old.db);
      let aside: string;
      try {
        aside = moveAside(path, now);
      } catch (error) {
        this.toMemory(null, { problem, reason: `${reason}; cannot move ${path} aside (${describeError(error)})`, since: now });
        return;
      }
      const opened = openDatabase(dirname(path), now);
      const copied = copyStateFromFile(aside, opened.db);
      this.use(opened.db, opened.path);
      this.notice(`${reason}: moved ${path} aside to ${aside} and started a fresh file (carried over ${describeCopy(copied)})`);
      for (const notice of opened.notices) this.notice(notice);
      if (opened.degraded) this.degrade(opened.degraded);
      this.updateGauges();
      return;
    }
    this.toMemory(old, { problem, reason: `${reason}; history is kept in memory from now on`, since: now });
    closeQuietly(old.db);
  }

  private toMemory(from: Current | null, degraded: Degraded): void {
    const db = openMemoryDatabase(this.clock.wallMs());
    // Read through the failing connection first (a full disk still reads), else the file.
    let copied = from ? copyState(from.db, db) : undefined;
    if (from?.path && (copied === undefined || copied.failed.length > 0)) copied = copyStateFromFile(from.path, db);
    this.seeded = copied !== undefined && copied.failed.length === 0;
    this.use(db, null);
    this.degrade(degraded);
    this.updateGauges();
  }

  private use(db: Database, path: string | null): void {
    const index = new SeriesIndex(db, this.clock);
    this.current = { db, path, index, writer: createSampleWriter(db, index, this.buffer, this.clock, this.options.encodeSeriesPerTick) };
    try {
      this.fileIno = path ? statSync(path).ino : undefined;
    } catch {
      this.fileIno = undefined;
    }
  }

  /** The hour (ms) of the last checkpoint of maintenance. */
  private checkpointedHour = Number.NaN;

  /** The retention cut-offs last applied, and to which database. */
  private retainedAt = "";
  private retainedDb: Database | undefined;

  /** The last failed retry of the file while degraded, for /readyz. */
  private lastRetryError: string | undefined;

  private degrade(degraded: Degraded): void {
    this.degradedBy = degraded;
    this.metrics.degraded.set({}, 1);
    this.log.warning({ problem: degraded.problem, reason: degraded.reason }, "store degraded: history is kept in memory only");
    // Retry soon: a freed disk or a fixed permission should not wait for the back-off of an old outage.
    this.retryMs = this.options.retryMs ?? DEFAULT_RETRY_MS;
    if (this.cancelCheck) {
      this.cancelCheck();
      this.scheduleCheck();
    }
  }

  private notice(text: string): void {
    this.notices.push(text);
    this.log.warning({ notice: text }, "store notice");
  }

  private failed(operation: string, error: unknown): WriteResult {
    const message = describeError(error);
    this.metrics.errors.inc({ operation });
    if (this.lastLogged.get(operation) !== message) {
      this.lastLogged.set(operation, message);
      this.log.error({ operation, error: message }, "store operation failed");
    }
    return { written: 0, error: message };
  }

  private require(): Current {
    if (this.phase !== "open" || !this.current) throw new Error(this.phase === "closed" ? "store: used after close" : "store: not open");
    return this.current;
  }

  private updateGauges(): void {
    const c = this.current;
    if (!c) return;
    this.metrics.degraded.set({}, this.degradedBy ? 1 : 0);
    this.metrics.series.set({}, c.writer.seriesCount);
    this.metrics.sizeBytes.set({}, c.path ? fileBytes(c.path) : usedBytes(c.db));
  }
}

function freeShare(db: Database): number {
  const row = db
    .query<{ pages: number; free: number }, []>(
      "SELECT (SELECT page_count FROM pragma_page_count) AS pages, (SELECT freelist_count FROM pragma_freelist_count) AS free",
    )
    .get();
  return row && row.pages > 0 ? row.free / row.pages : 0;
}

/** Size on disk of the database file and its WAL. */
function fileBytes(path: string): number {
  let total = 0;
  for (const file of [path, `${path}-wal`]) {
    try {
      total += statSync(file).size;
    } catch {
      // No WAL between a truncating checkpoint and the next write.
    }
  }
  return total;
}

function closeQuietly(db: Database): void {
  try {
    // Finalizes our prepared statements too, so the file is released now, not at garbage collection.
    db.close(true);
  } catch {
    db.close();
  }
}
