import { Database } from "bun:sqlite";
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { migrate } from "./migrations.ts";

/**
 * When a database file's own schema cannot be read (the page holding its last tables was cut off),
 * its rows are still on their pages. This writes a copy of the file whose first page is a new schema
 * of the tables named, at the root pages an agent's file has them (the migrations create them in a
 * fixed order), so SQLite can read the rows again. Only the schema page differs; the file itself is
 * left as it was. Returns the copy's bytes, or undefined when the file is not one to rebuild.
 */
export function withKnownSchema(path: string, tables: readonly string[]): Buffer | undefined {
  const fd = openSync(path, "r");
  let bytes: Buffer;
  try {
    const header = Buffer.alloc(100);
    if (readSync(fd, header, 0, 100, 0) < 100 || header.toString("latin1", 0, 15) !== "SQLite format 3") return undefined;
    const size = fstatSync(fd).size;
    if (size > MAX_COPY) return undefined;
    bytes = Buffer.alloc(size);
    readSync(fd, bytes, 0, size, 0);
  } finally {
    closeSync(fd);
  }
  const rawPageSize = bytes.readUInt16BE(16);
  const pageSize = rawPageSize === 1 ? 65536 : rawPageSize;
  const reserved = bytes[20]!;
  const entries = knownSchema(tables, pageSize).filter((e) => pageMatches(bytes, pageSize, e));
  const page = schemaPage(bytes.subarray(0, 100), pageSize, reserved, entries);
  if (!page) return undefined;
  page.copy(bytes, 0);
  // Read from memory: no WAL there, so the copy says rollback journal (its WAL, if any, is not read).
  bytes[18] = 1;
  bytes[19] = 1;
  return bytes;
}

/** Largest file rebuilt (the copy is held in memory). */
const MAX_COPY = 256 * 1024 * 1024;

interface SchemaEntry {
  name: string;
  rootpage: number;
  sql: string;
  withoutRowid: boolean;
}

/** The tables as a fresh database of this agent has them: root page and a compact definition (columns and key). */
function knownSchema(tables: readonly string[], pageSize: number): SchemaEntry[] {
  // Built as the agent builds its files, with the file's page size (incremental auto-vacuum puts a
  // pointer-map page at 2, and another every so many pages, which depends on the page size).
  const db = new Database(":memory:");
  db.run(`PRAGMA page_size = ${pageSize}`);
  db.run("PRAGMA auto_vacuum = INCREMENTAL");
  migrate(db, 0);
  try {
    const out: SchemaEntry[] = [];
    for (const name of tables) {
      const row = db.query<{ rootpage: number; sql: string }, [string]>("SELECT rootpage, sql FROM sqlite_schema WHERE type = 'table' AND name = ?").get(name);
      if (!row) continue;
      const withoutRowid = /WITHOUT\s+ROWID\s*;?\s*$/i.test(row.sql);
      const columns = db.query<{ name: string; type: string; pk: number }, []>(`PRAGMA table_info(${name})`).all();
      const keys = columns.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk);
      // An INTEGER PRIMARY KEY is the rowid itself: it must stay declared so for its values to read back.
      const alias = !withoutRowid && keys.length === 1 && keys[0]!.type.toUpperCase() === "INTEGER" ? keys[0]!.name : undefined;
      // Names only: a column's type changes how values are stored, not how they read back. Short,
      // so that every table fits on one page even of a smaller page size.
      const defs = columns.map((c) => (c.name === alias ? `"${c.name}" INTEGER PRIMARY KEY` : `"${c.name}"`));
      if (withoutRowid) defs.push(`PRIMARY KEY(${keys.map((k) => `"${k.name}"`).join(",")})`);
      out.push({ name, rootpage: row.rootpage, withoutRowid, sql: `CREATE TABLE ${name}(${defs.join(",")})${withoutRowid ? " WITHOUT ROWID" : ""}` });
    }
    return out;
  } finally {
    db.close();
  }
}

/** The page at the entry's root is a b-tree page of its kind (table, or index for WITHOUT ROWID). */
function pageMatches(bytes: Buffer, pageSize: number, entry: SchemaEntry): boolean {
  const offset = (entry.rootpage - 1) * pageSize;
  if (entry.rootpage < 2 || offset >= bytes.length) return false;
  const type = bytes[offset]!;
  return entry.withoutRowid ? type === 0x02 || type === 0x0a : type === 0x05 || type === 0x0d;
}

/** Page 1: the file's header (freelist dropped), then a leaf of sqlite_schema holding `entries`. */
function schemaPage(header: Buffer, pageSize: number, reserved: number, entries: SchemaEntry[]): Buffer | undefined {
  const page = Buffer.alloc(pageSize);
  header.copy(page, 0, 0, 100);
  // No free list: its pages may be gone, and reading does not need it.
  page.writeUInt32BE(0, 32);
  page.writeUInt32BE(0, 36);
  const cells = entries.map((e, i) => cell(i + 1, ["table", e.name, e.name, e.rootpage, e.sql]));
  const usable = pageSize - reserved;
  let end = usable;
  const pointers: number[] = [];
  const pointerEnd = 108 + 2 * cells.length;
  for (const c of cells) {
    end -= c.length;
    // The tables do not fit on one page (small pages): no rebuild, the copy reports what it could not read.
    if (end < pointerEnd) return undefined;
    pointers.push(end);
    c.copy(page, end);
  }
  page[100] = 0x0d;
  page.writeUInt16BE(0, 101);
  page.writeUInt16BE(cells.length, 103);
  page.writeUInt16BE(end === 65536 ? 0 : end, 105);
  page[107] = 0;
  pointers.forEach((p, i) => page.writeUInt16BE(p, 108 + 2 * i));
  return page;
}

/** One cell of a table leaf: payload length, rowid, and the record (all of it local: schema rows are short). */
function cell(rowid: number, values: Array<string | number>): Buffer {
  const types: number[] = [];
  const bodies: Buffer[] = [];
  for (const v of values) {
    if (typeof v === "number") {
      const b = Buffer.alloc(4);
      b.writeInt32BE(v);
      types.push(4);
      bodies.push(b);
    } else {
      const b = Buffer.from(v, "utf8");
      types.push(13 + 2 * b.length);
      bodies.push(b);
    }
  }
  const typeBytes = Buffer.concat(types.map(varint));
  let headerSize = typeBytes.length + 1;
  if (varint(headerSize).length > 1) headerSize = typeBytes.length + varint(typeBytes.length + 2).length;
  const record = Buffer.concat([varint(headerSize), typeBytes, ...bodies]);
  return Buffer.concat([varint(record.length), varint(rowid), record]);
}

/** SQLite's big-endian varint (1 to 9 bytes); values here are small and positive. */
function varint(value: number): Buffer {
  const bytes: number[] = [value & 0x7f];
  let v = Math.floor(value / 128);
  while (v > 0) {
    bytes.unshift((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  return Buffer.from(bytes);
}
