import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, expect, test } from "bun:test";
import { moveAside } from "../../src/store/move-aside.ts";
import { cleanUp, T0, tempDir } from "./support/temp.ts";

afterEach(cleanUp);

test("moves the file with its -wal and -shm under a timestamped name, and never overwrites an earlier one", () => {
  const dir = tempDir();
  const path = join(dir, "a.db");
  const write = () => {
    writeFileSync(path, "db");
    writeFileSync(`${path}-wal`, "wal");
    writeFileSync(`${path}-shm`, "shm");
  };
  write();
  expect(moveAside(path, T0)).toBe(`${path}.corrupt-20250101T100000Z`);
  write();
  expect(moveAside(path, T0)).toBe(`${path}.corrupt-20250101T100000Z-1`);
  expect(existsSync(path)).toBe(false);
  expect(readdirSync(dir).sort()).toEqual([
    "a.db.corrupt-20250101T100000Z",
    "a.db.corrupt-20250101T100000Z-1",
    "a.db.corrupt-20250101T100000Z-1-shm",
    "a.db.corrupt-20250101T100000Z-1-wal",
    "a.db.corrupt-20250101T100000Z-shm",
    "a.db.corrupt-20250101T100000Z-wal",
  ]);
  expect(readFileSync(`${path}.corrupt-20250101T100000Z-wal`, "utf8")).toBe("wal");
});
