import { Database } from "bun:sqlite";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { assertKnownSchema, migrate, NewerSchemaError } from "./migrations.ts";
import { copyStateFromFile, type CopyReport } from "./copy-state.ts";
import { moveAside } from "./move-aside.ts";
import { describeError, errorCode, type StorageProblem, storageProblem } from "./storage-problem.ts";

/** Name of the database file in the data directory. */
export const DATABASE_FILE = "aiops-agent.db";

/** How long a statement waits for a lock another process holds before it fails with SQLITE_BUSY. */
export const BUSY_TIMEOUT_MS = 5000;

/** Why history lives in memory only, and since when (ms). */
export interface Degraded {
  problem: StorageProblem;
  /** One sentence for the log and `/readyz`. */
  reason: string;
  since: number;
}

/** A database ready for the store: the file, or memory with the reason it is not the file. */
export interface OpenedDatabase {
  db: Database;
  /** The database file; null when the database lives in memory. */
  path: string | null;
  degraded: Degraded | null;
  /** Things an operator should hear that did not stop the file from being used (a corrupt file moved aside). */
  notices: string[];
  /**
   * In memory, the state of the file that could not be written (its queue, alerts and keys) was read
   * in: the file can be taken back later with this state carried over.
   */
  seeded: boolean;
}

/**
 * Opens `<dataDir>/aiops-agent.db`, creating the directory and the file, in WAL mode with the latest
 * schema, and proves it can write. When it cannot, the agent still runs: a directory that cannot be
 * created or written, a full disk, or a file of a newer agent gives an in-memory database and a
 * reason; a file that is not a database is moved aside (never deleted) and a fresh file is started.
 */
export function openDatabase(dataDir: string, now: number): OpenedDatabase {
  const path = join(dataDir, DATABASE_FILE);
  try {
    mkdirSync(dataDir, { recursive: true });
  } catch (error) {
    return inMemory(now, storageProblem(error) ?? "read_only", `cannot create the data directory ${dataDir} (${describeError(error)})`);
  }
  try {
    const { db, notices } = openFile(path, now);
    return { db, path, degraded: null, notices, seeded: false };
  } catch (error) {
    return recoverOpen(path, error, now);
  }
}

/** Opens (or creates) the database file and its directory, proven writable; throws when it cannot. */
export function openDatabaseFile(dataDir: string, now: number): { db: Database; path: string; notices: string[] } {
  const path = join(dataDir, DATABASE_FILE);
  mkdirSync(dataDir, { recursive: true });
  return { path, ...openFile(path, now) };
}

/** What a copy of state carried over, in words for a notice. */
export function describeCopy(report: CopyReport): string {
  const parts = [`${report.rows} rows of ${report.copied.join(", ") || "no table"}`];
  if (report.rebuiltSchema) parts.push("its schema page was lost: read through the schema this agent writes");
  if (report.partial.length > 0) parts.push(`damaged pages skipped in ${report.partial.join(", ")}`);
  if (report.failed.length > 0) parts.push(`unreadable: ${report.failed.join(", ")}`);
  return parts.join("; ");
}

function recoverOpen(path: string, error: unknown, now: number): OpenedDatabase {
  if (error instanceof NewerSchemaError) {
    return inMemory(now, "newer_schema", `${path}: ${error.message}; the file is left untouched`);
  }
  const code = errorCode(error) ?? "";
  if (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED")) {
    return inMemory(now, "locked", `${path} is locked by another process (${describeError(error)})`);
  }
  const problem = storageProblem(error);
  // Anything else is a bug (a migration that does not parse): it must stop start-up, not hide in memory.
  if (problem === undefined) throw error;
  if (problem !== "corrupt") {
    // The file cannot be written, but it may still be read: its queue is delivered from memory under
    // the same idempotency keys, its alerts and silences go on, and nothing is sent twice as new.
    const opened = inMemory(now, problem, `cannot write ${path} (${describeError(error)})`);
    if (existsSync(path)) {
      const copied = copyStateFromFile(path, opened.db);
      opened.seeded = copied.failed.length === 0;
      opened.notices.push(`read the state of ${path} into memory (${describeCopy(copied)}): its queue is delivered from there`);
    }
    return opened;
  }

  let aside: string;
  try {
    aside = moveAside(path, now);
  } catch (moveError) {
    return inMemory(
      now,
      "corrupt",
      `${path} is not a usable database (${describeError(error)}) and cannot be moved aside (${describeError(moveError)})`,
    );
  }
  const notice = `${path} was not a usable database (${describeError(error)}); moved it aside to ${aside} and started a fresh file`;
  let opened: OpenedDatabase;
  try {
    const { db, notices } = openFile(path, now);
    opened = { db, path, degraded: null, notices: [notice, ...notices], seeded: false };
  } catch (freshError) {
    opened = inMemory(now, storageProblem(freshError) ?? "io_error", `cannot start a fresh ${path} (${describeError(freshError)})`);
    opened.notices.push(notice);
  }
  // What the damaged file still holds comes across row by row: the queue keeps its keys.
  const copied = copyStateFromFile(aside, opened.db);
  if (opened.path === null) opened.seeded = copied.failed.length === 0;
  opened.notices.push(`carried over from ${aside}: ${describeCopy(copied)}`);
  return opened;
}

function inMemory(now: number, problem: StorageProblem, reason: string): OpenedDatabase {
  return { db: openMemoryDatabase(now), path: null, degraded: { problem, reason, since: now }, notices: [], seeded: false };
}

/** An in-memory database with the latest schema: where history goes when the file cannot be used. */
export function openMemoryDatabase(now: number): Database {
  const db = new Database(":memory:", { strict: true });
  configure(db, false);
  migrate(db, now);
  return db;
}

/** Opens (or creates) the file and proves it writable; closes it again on any failure. */
function openFile(path: string, now: number): { db: Database; notices: string[] } {
  const db = new Database(path, { create: true, readwrite: true, strict: true });
  try {
    db.run(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
    // Reading the schema reads the header: a file that is not a database fails here (SQLITE_NOTADB).
    // A newer agent's file fails here too, before anything is written to it.
    assertKnownSchema(db);
    const notices = configure(db, true).map((n) => `${path}: ${n}`);
    migrate(db, now);
    // A file can open and still refuse writes (a read-only file, a full disk): learn it now, not on the first tick.
    db.run("INSERT INTO store_meta (key, value) VALUES ('opened_at', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", [
      String(now),
    ]);
    return { db, notices };
  } catch (error) {
    db.close();
    throw error;
  }
}

/** Page size of a new database file. */
export const PAGE_SIZE = 4096;

/** Connection settings; returns notices about settings the file could not take. */
function configure(db: Database, file: boolean): string[] {
  const notices: string[] = [];
  // Page size and auto_vacuum can only be chosen before the first table exists. INCREMENTAL lets
  // maintenance hand freed pages back to the filesystem, so deleting history (the size cap) shrinks
  // the file. 4 KiB pages, measured against 1 and 2 KiB (`npm run bench:store`): smaller pages write
  // 10 to 30 % less a day (the hourly roll-up touches a page or two of every series, each written
  // whole), but deepen the trees, and a file cut short then loses the interior pages that the rows
  // before the cut are read through (test/store/copy-state.test.ts): salvage comes first.
  const pages = db.query<{ page_count: number }, []>("PRAGMA page_count").get()?.page_count ?? 0;
  if (pages === 0) {
    db.run(`PRAGMA page_size = ${PAGE_SIZE}`);
    db.run("PRAGMA auto_vacuum = INCREMENTAL");
  }
  // Sorts of the hourly roll-up stay in memory: a container's root filesystem (and /tmp) may be read-only.
  db.run("PRAGMA temp_store = MEMORY");
  db.run("PRAGMA foreign_keys = ON");
  if (!file) return notices;
  const mode = db.query<{ journal_mode: string }, []>("PRAGMA journal_mode = WAL").get()?.journal_mode;
  if (mode !== "wal") notices.push(`the filesystem does not support WAL mode; using journal mode ${mode ?? "unknown"}`);
  // In WAL mode NORMAL loses no committed transaction on a process crash (kill -9); on power loss the
  // last transactions may go, which is fine for monitoring history and spares an fsync per tick.
  db.run("PRAGMA synchronous = NORMAL");
  // Maintenance checkpoints every run, off the tick; this only bounds the WAL when maintenance does not run.
  db.run("PRAGMA wal_autocheckpoint = 10000");
  // After a checkpoint, a WAL that grew is cut back to this size when it is next reused.
  db.run(`PRAGMA journal_size_limit = ${4 * 1024 * 1024}`);
  return notices;
}
