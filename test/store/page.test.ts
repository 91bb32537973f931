import { describe, expect, test } from "bun:test";
import { CursorError, decodeCursor, encodeCursor, listPage, MAX_PAGE_LIMIT } from "../../src/store/page.ts";
import { openMemoryDatabase } from "../../src/store/open-database.ts";

describe("listPage", () => {
  function table() {
    const db = openMemoryDatabase(0);
    db.run("CREATE TABLE t (id INTEGER PRIMARY KEY, ts INTEGER NOT NULL)");
    // Ties on ts are broken by id.
    for (const ts of [10, 20, 20, 20, 30, 40]) db.run("INSERT INTO t (ts) VALUES (?)", [ts]);
    return db;
  }
  const spec = { table: "t", sort: "ts", where: [], params: [], map: (r: { id: number; ts: number }) => `${r.ts}#${r.id}` };

  test("walks a table newest first, page by page, each item once", () => {
    const db = table();
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let pages = 0; pages < 10; pages++) {
      const page = listPage(db, spec, { limit: 2, ...(cursor ? { cursor } : {}) });
      seen.push(...page.items);
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    expect(seen).toEqual(["40#6", "30#5", "20#4", "20#3", "20#2", "10#1"]);
  });

  test("a page that reaches the end has no next cursor", () => {
    expect(listPage(table(), spec, { limit: 6 }).nextCursor).toBeNull();
    expect(listPage(table(), spec, { limit: 5 }).nextCursor).not.toBeNull();
  });

  test("limits are clamped to 1..MAX_PAGE_LIMIT", () => {
    expect(listPage(table(), spec, { limit: 0 }).items).toEqual(["40#6"]);
    expect(listPage(table(), spec, { limit: MAX_PAGE_LIMIT * 10 }).items.length).toBe(6);
  });

  test("a cursor it did not hand out is a CursorError", () => {
    expect(decodeCursor(encodeCursor(5, "a"))).toEqual({ sort: 5, id: "a" });
    for (const bad of ["", "nope", Buffer.from('{"a":1}').toString("base64url"), Buffer.from('["x",1]').toString("base64url")]) {
      expect(() => listPage(table(), spec, { cursor: bad })).toThrow(CursorError);
    }
  });
});
