import { Database, type SQLQueryBindings } from "bun:sqlite";
import { withKnownSchema } from "./known-schema-copy.ts";
import { closeSync, existsSync, fstatSync, ftruncateSync, openSync, readFileSync, readSync, statSync, unlinkSync } from "node:fs";

/**
 * What a replacement database takes over from the one it replaces: small tables the alert engine,
 * the outbox, the export queue and the detectors need to go on (and the raw points: the blocks of the raw
 * retention, and what an older agent left in its write buffer), not the bulk of the
 * history. In dependency order (delivery attempts refer to notifications).
 */
export const STATE_TABLES = [
  "series",
  "raw_blocks",
  "raw_blocks_pending",
  "points_recent",
  "alerts",
  "notifications",
  "delivery_attempts",
  "silences",
  "detector_state",
  "alert_engine_state",
  "export_queue",
] as const;

/** The state tables that are history (series ids and the newest points) rather than alert and outbox state. */
export const HISTORY_STATE_TABLES: readonly string[] = ["series", "raw_blocks", "raw_blocks_pending", "points_recent"];

/** Which tables came across (whole or in part), which could not be read at all, and the rows copied. */
export interface CopyReport {
  copied: string[];
  failed: string[];
  rows: number;
  /** Tables read only in part (damaged pages skipped), with the rows that came across. */
  partial: string[];
  /** The file's own schema was lost: its tables were read at the root pages an agent's file has them. */
  rebuiltSchema?: boolean;
}

export interface CopyOptions {
  /** Tables to copy, in order (default STATE_TABLES). */
  tables?: readonly string[];
  /**
   * The source is the newer truth: rows of these tables in the target are deleted first (a return
   * from memory to the file, where the queue moved on). Otherwise rows already there are kept.
   */
  replace?: boolean;
  /** Any table that cannot be written fails the whole copy, which then changes nothing (a file that is still full). */
  atomic?: boolean;
}

/** Most range queries spent looking for readable rows around damaged pages of one table. */
const SALVAGE_QUERIES = 4000;

/**
 * Copies the state tables of `from` into `into`, table by table and row by row, so that damaged pages
 * cost only the rows on them: a table that cannot be read whole is read in key order from both ends,
 * and (for tables with a rowid) the range between is searched by halves for the rows still readable.
 * Columns are matched by name, so a source of an older schema still gives up what it has.
 */
export function copyState(from: Database, into: Database, options: CopyOptions = {}): CopyReport {
  const report: CopyReport = { copied: [], failed: [], rows: 0, partial: [] };
  const tables = options.tables ?? STATE_TABLES;
  into.transaction(() => {
    // Rows of dependent tables go first when replacing, so no reference is left dangling meanwhile.
    if (options.replace) for (const table of [...tables].reverse()) into.run(`DELETE FROM main.${table}`);
    for (const table of tables) {
      try {
        const result = copyTable(from, into, table);
        report.rows += result.rows;
        report.copied.push(table);
        if (!result.whole) report.partial.push(table);
      } catch (error) {
        if (options.atomic) throw error;
        report.failed.push(table);
      }
    }
  })();
  return report;
}

/**
 * Opens a database file to read what it still holds: read-only, never written, and when the file is
 * shorter than its header says (cut off by a full disk or a bad copy), extended with zeros to that
 * size first, so SQLite reads the pages that are there instead of refusing the whole file.
 */
export function openForSalvage(path: string): Database {
  try {
    padTruncatedFile(path);
  } catch {
    // A file that cannot be extended (a read-only filesystem) is read as it is.
  }
  const db = new Database(path, { readonly: true, strict: true });
  try {
    // Reading the schema is what fails first on a file SQLite cannot use at all.
    db.query("SELECT count(*) FROM sqlite_schema").get();
    return db;
  } catch (error) {
    db.close();
    return openCopyInMemory(path, error);
  }
}

/**
 * The file with its schema page rebuilt (see `withKnownSchema`), in memory: for a file whose own
 * schema is lost. Undefined when it cannot be rebuilt.
 */
function openWithKnownSchema(path: string, tables: readonly string[]): Database | undefined {
  const bytes = withKnownSchema(path, tables);
  if (!bytes) return undefined;
  const db = Database.deserialize(bytes, { readonly: true, strict: true });
  try {
    db.query("SELECT count(*) FROM sqlite_schema").get();
    return db;
  } catch {
    db.close();
    return undefined;
  }
}

/** Largest file read into memory when it cannot be opened in place (no -shm can be made beside it). */
const IN_MEMORY_LIMIT = 256 * 1024 * 1024;

/** The file's bytes as an in-memory database (its WAL, if any, is not read): a read-only directory's last resort. */
function openCopyInMemory(path: string, why: unknown): Database {
  const bytes = readFileSync(path);
  if (bytes.length > IN_MEMORY_LIMIT) throw why;
  const size = declaredSize(bytes.subarray(0, 100));
  const padded = size !== undefined && size > bytes.length && size <= IN_MEMORY_LIMIT ? Buffer.concat([bytes, Buffer.alloc(size - bytes.length)]) : bytes;
  // A database in memory has no WAL: the copy must say rollback journal for SQLite to open it.
  if (padded.length >= 20) {
    padded[18] = 1;
    padded[19] = 1;
  }
  return Database.deserialize(padded, { readonly: true, strict: true });
}

/** The size a database header declares, when the header is SQLite's and the declaration valid. */
function declaredSize(header: Buffer): number | undefined {
  if (header.length < 100 || header.toString("latin1", 0, 15) !== "SQLite format 3") return undefined;
  const rawPageSize = header.readUInt16BE(16);
  const pageSize = rawPageSize === 1 ? 65536 : rawPageSize;
  // The declared size counts only while it is valid (its change counter matches), and is bounded.
  if (header.readUInt32BE(24) !== header.readUInt32BE(92)) return undefined;
  const size = header.readUInt32BE(28) * pageSize;
  return size <= 2 ** 40 ? size : undefined;
}

/** Copies the state of the database file at `path` into `into`; the report says what could not be read. */
export function copyStateFromFile(path: string, into: Database, options: CopyOptions = {}): CopyReport {
  // Reading a WAL database makes its -wal and -shm companions: those this read made are removed after.
  const made = ["-wal", "-shm"].filter((suffix) => !existsSync(path + suffix));
  let from: Database;
  try {
    from = openForSalvage(path);
  } catch {
    return { copied: [], failed: [...(options.tables ?? STATE_TABLES)], rows: 0, partial: [] };
  }
  try {
    let report = copyState(from, into, options);
    // Nothing readable through the file's own schema (its page is lost): read it through ours.
    if (report.copied.length === 0) {
      const rebuilt = openWithKnownSchema(path, options.tables ?? STATE_TABLES);
      if (rebuilt) {
        try {
          report = { ...copyState(rebuilt, into, options), rebuiltSchema: true };
        } finally {
          rebuilt.close();
        }
      }
    }
    return report;
  } finally {
    from.close();
    for (const suffix of made) {
      try {
        if (statSync(path + suffix).size === 0 || suffix === "-shm") unlinkSync(path + suffix);
      } catch {
        // not there, or not ours to remove (a read-only directory)
      }
    }
  }
}

/** Extends a file cut short to the page count its header declares (sparse zeros): nothing is overwritten. */
function padTruncatedFile(path: string): void {
  const fd = openSync(path, "r+");
  try {
    const header = Buffer.alloc(100);
    if (readSync(fd, header, 0, 100, 0) < 100) return;
    const declared = declaredSize(header);
    if (declared !== undefined && declared > fstatSync(fd).size) ftruncateSync(fd, declared);
  } finally {
    closeSync(fd);
  }
}

interface TableShape {
  columns: string[];
  /** Columns of the key rows are read in order of: `rowid`, or the primary key of a WITHOUT ROWID table. */
  key: string[];
  rowid: boolean;
}

function shapeOf(db: Database, table: string): TableShape {
  const info = db.query<{ name: string; pk: number }, []>(`PRAGMA table_info(${table})`).all();
  if (info.length === 0) throw new Error(`no table ${table}`);
  const withoutRowid =
    (db.query<{ sql: string | null }, [string]>("SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = ?").get(table)?.sql ?? "").match(
      /WITHOUT\s+ROWID\s*;?\s*$/i,
    ) !== null;
  const pk = info.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk).map((c) => c.name);
  return { columns: info.map((c) => c.name), key: withoutRowid ? pk : ["rowid"], rowid: !withoutRowid };
}

function copyTable(from: Database, into: Database, table: string): { rows: number; whole: boolean } {
  const source = shapeOf(from, table);
  const target = shapeOf(into, table);
  const columns = target.columns.filter((c) => source.columns.includes(c));
  const list = columns.map((c) => `"${c}"`).join(", ");
  const insert = into.prepare(`INSERT OR IGNORE INTO main.${table} (${list}) VALUES (${columns.map(() => "?").join(", ")})`);
  const keyList = source.key.map((k) => (k === "rowid" ? "rowid" : `"${k}"`)).join(", ");
  const select = `SELECT ${source.rowid ? "rowid AS __rowid, " : ""}${list} FROM ${table}`;
  let rows = 0;
  const put = (row: Record<string, unknown>) => {
    insert.run(...(columns.map((c) => row[c]) as SQLQueryBindings[]));
    rows++;
  };

  // The whole table in key order; on a damaged page, what came before it is kept.
  const forward = readUntilError(from, `${select} ORDER BY ${keyList}`, []);
  forward.rows.forEach(put);
  if (forward.complete) return { rows, whole: true };
  // Then from the other end, down to the last row read forwards.
  const last = forward.rows.at(-1);
  const backward = readUntilError(from, `${select} ORDER BY ${source.key.map((k) => `${k === "rowid" ? "rowid" : `"${k}"`} DESC`).join(", ")}`, [], (row) =>
    last !== undefined && compareKeys(source, row, last) <= 0,
  );
  backward.rows.forEach(put);
  if (source.rowid) {
    // Between the two, rows on pages that are still readable: searched by halves of the rowid range.
    const lo = last === undefined ? Number.MIN_SAFE_INTEGER : Number(last.__rowid) + 1;
    const first = backward.rows.at(-1);
    const hi = first === undefined ? Number.MAX_SAFE_INTEGER : Number(first.__rowid) - 1;
    const budget = { queries: SALVAGE_QUERIES };
    salvageRange(from, select, lo, hi, budget).forEach(put);
  }
  return { rows, whole: false };
}

/** Rows of one query until it ends or fails; `stop` ends it early (the rows already read from the other end). */
function readUntilError(
  db: Database,
  sql: string,
  params: SQLQueryBindings[],
  stop?: (row: Record<string, unknown>) => boolean,
): { rows: Array<Record<string, unknown>>; complete: boolean } {
  const rows: Array<Record<string, unknown>> = [];
  try {
    for (const row of db.query<Record<string, unknown>, SQLQueryBindings[]>(sql).iterate(...params)) {
      if (stop?.(row)) return { rows, complete: true };
      rows.push(row);
    }
    return { rows, complete: true };
  } catch {
    return { rows, complete: false };
  }
}

/** Readable rows with rowid in [lo, hi], found by reading ranges and halving the ones that fail. */
function salvageRange(db: Database, select: string, lo: number, hi: number, budget: { queries: number }): Array<Record<string, unknown>> {
  if (lo > hi || budget.queries <= 0) return [];
  budget.queries--;
  const read = readUntilError(db, `${select} WHERE rowid BETWEEN ? AND ? ORDER BY rowid`, [lo, hi]);
  if (read.complete) return read.rows;
  const after = read.rows.length > 0 ? Number(read.rows.at(-1)!.__rowid) + 1 : lo;
  if (after > hi) return read.rows;
  if (after === hi) return read.rows; // the one rowid left is on the damaged page
  const mid = Math.floor(after / 2 + hi / 2);
  return [...read.rows, ...salvageRange(db, select, after, mid, budget), ...salvageRange(db, select, mid + 1, hi, budget)];
}

function compareKeys(shape: TableShape, a: Record<string, unknown>, b: Record<string, unknown>): number {
  for (const k of shape.key) {
    const x = (k === "rowid" ? a.__rowid : a[k]) as number | string | null;
    const y = (k === "rowid" ? b.__rowid : b[k]) as number | string | null;
    if (x === y) continue;
    if (x === null) return -1;
    if (y === null) return 1;
    return x < y ? -1 : 1;
  }
  return 0;
}
