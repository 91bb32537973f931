import { describe, expect, test } from "bun:test";
import { describeError, storageProblem } from "../../src/store/storage-problem.ts";

const coded = (code: string, message = "boom") => Object.assign(new Error(message), { code });

describe("storageProblem", () => {
  test.each([
    ["SQLITE_FULL", "disk_full"],
    ["ENOSPC", "disk_full"],
    ["EDQUOT", "disk_full"],
    ["SQLITE_CORRUPT", "corrupt"],
    ["SQLITE_CORRUPT_INDEX", "corrupt"],
    ["SQLITE_NOTADB", "corrupt"],
    ["SQLITE_READONLY", "read_only"],
    ["SQLITE_READONLY_DIRECTORY", "read_only"],
    ["SQLITE_CANTOPEN", "read_only"],
    ["EACCES", "read_only"],
    ["EROFS", "read_only"],
    ["ENOTDIR", "read_only"],
    ["SQLITE_IOERR_WRITE", "io_error"],
    ["EIO", "io_error"],
  ] as const)("%s is %s", (code, problem) => {
    expect(storageProblem(coded(code))).toBe(problem);
  });

  test.each(["SQLITE_BUSY", "SQLITE_CONSTRAINT_UNIQUE", "SQLITE_ERROR"])("%s is not a storage problem (a lock or a bug must not hide in memory)", (code) => {
    expect(storageProblem(coded(code))).toBeUndefined();
  });

  test("an error without a code is not a storage problem", () => {
    expect(storageProblem(new Error("x"))).toBeUndefined();
    expect(storageProblem(undefined)).toBeUndefined();
  });
});

describe("describeError", () => {
  test("puts the code before a message that does not name it", () => {
    expect(describeError(coded("SQLITE_FULL", "database or disk is full"))).toBe("SQLITE_FULL: database or disk is full");
    expect(describeError(coded("EACCES", "EACCES: permission denied, mkdir '/x'"))).toBe("EACCES: permission denied, mkdir '/x'");
  });
});
