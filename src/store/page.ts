import type { Database, SQLQueryBindings } from "bun:sqlite";

/** Which page of a listing: at most `limit` items after `cursor` (from the previous page's `nextCursor`). */
export interface PageRequest {
  limit?: number;
  cursor?: string;
}

/** One page of a listing, newest first; `nextCursor` is null on the last page. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** Items per page when the request gives no limit. */
export const DEFAULT_PAGE_LIMIT = 100;
/** Most items a page may hold; a larger limit is lowered to it. */
export const MAX_PAGE_LIMIT = 1000;

/** A cursor that this store did not hand out (the API answers 400). */
export class CursorError extends Error {
  constructor(cursor: string) {
    super(`invalid cursor ${JSON.stringify(cursor)}`);
    this.name = "CursorError";
  }
}

/** The position after an item, as an opaque string: its sort value and id. */
export function encodeCursor(sort: number, id: number | string): string {
  return Buffer.from(JSON.stringify([sort, id])).toString("base64url");
}

/** Reads a cursor of `encodeCursor`; throws CursorError for anything else. */
export function decodeCursor(cursor: string): { sort: number; id: number | string } {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw new CursorError(cursor);
  }
  if (!Array.isArray(value) || value.length !== 2 || typeof value[0] !== "number" || !["number", "string"].includes(typeof value[1])) {
    throw new CursorError(cursor);
  }
  return { sort: value[0], id: value[1] as number | string };
}

/** How to list one table: filters already turned into SQL, the time column it is sorted by, and how a row reads. */
export interface ListSpec<Row, Item> {
  table: string;
  /** Sort column (newest first), ties broken by `id`. */
  sort: string;
  where: string[];
  params: SQLQueryBindings[];
  map: (row: Row) => Item;
}

/**
 * Lists a table newest first with keyset pagination: the cursor is the (sort, id) of the last item,
 * so pages stay correct while rows are added, and each page is an index range, not an OFFSET scan.
 */
export function listPage<Row extends { id: number | string }, Item>(db: Database, spec: ListSpec<Row, Item>, request: PageRequest): Page<Item> {
  const limit = Math.min(Math.max(Math.floor(request.limit ?? DEFAULT_PAGE_LIMIT), 1), MAX_PAGE_LIMIT);
  const where = [...spec.where];
  const params = [...spec.params];
  if (request.cursor !== undefined) {
    const { sort, id } = decodeCursor(request.cursor);
    where.push(`(${spec.sort}, id) < (?, ?)`);
    params.push(sort, id);
  }
  const sql = `SELECT * FROM ${spec.table}${where.length ? ` WHERE ${where.join(" AND ")}` : ""} ORDER BY ${spec.sort} DESC, id DESC LIMIT ?`;
  const rows = db.query<Row, SQLQueryBindings[]>(sql).all(...params, limit + 1);
  const more = rows.length > limit;
  const page = more ? rows.slice(0, limit) : rows;
  const last = page.at(-1) as (Row & Record<string, unknown>) | undefined;
  return {
    items: page.map(spec.map),
    nextCursor: more && last ? encodeCursor(Number(last[spec.sort]), last.id) : null,
  };
}

/** Adds `column op ?` to a filter when the value is given. */
export function filterBy(where: string[], params: SQLQueryBindings[], column: string, op: "=" | ">=" | "<=", value: SQLQueryBindings | undefined): void {
  if (value === undefined) return;
  where.push(`${column} ${op} ?`);
  params.push(value);
}
