import { afterAll, expect, test } from "bun:test";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readBoundedFile } from "../../src/config/read-bounded-file.ts";
import { expandedValues, yamlDepth } from "../../src/config/yaml-limits.ts";

const dir = mkdtempSync(join(tmpdir(), "aiops-bounded-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const reason = (fn: () => unknown) => {
  try {
    fn();
    return "read";
  } catch (cause) {
    return (cause as Error).message;
  }
};

test("a regular file within the limit is read, also through a symlink (a mounted Secret)", () => {
  writeFileSync(join(dir, "token"), "s3cret\n");
  symlinkSync(join(dir, "token"), join(dir, "link"));
  expect(readBoundedFile(join(dir, "link"), 64)).toBe("s3cret\n");
});

test("a FIFO, a device and a directory are refused without a read; a large file by its size", () => {
  execFileSync("mkfifo", [join(dir, "fifo")]);
  expect(reason(() => readBoundedFile(join(dir, "fifo"), 64))).toBe("not a regular file (a FIFO)");
  expect(reason(() => readBoundedFile("/dev/zero", 64))).toBe("not a regular file (a character device)");
  expect(reason(() => readBoundedFile(dir, 64))).toBe("not a regular file (a directory)");
  writeFileSync(join(dir, "big"), "x".repeat(3000));
  expect(reason(() => readBoundedFile(join(dir, "big"), 2048))).toBe("larger than 2 KiB (2.9 KiB)");
});

test("YAML depth is estimated from the text: indentation, items opened on one line, and flow brackets", () => {
  expect(yamlDepth("agent:\n  interval: 1\nalert:\n  channels:\n    - name: a\n      type: webhook\n")).toBe(4);
  expect(yamlDepth(`a: ${"[".repeat(100)}${"]".repeat(100)}`)).toBeGreaterThan(64);
  expect(yamlDepth(`a:\n  ${"- ".repeat(100)}x`)).toBeGreaterThan(64);
  expect(yamlDepth('a: "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["  # [[[[')).toBe(1);
});

test("values are counted as aliases expand them, stopping past the limit", () => {
  const leaf = ["x", "x", "x"];
  const shared = [leaf, leaf, leaf];
  expect(expandedValues({ a: shared, b: shared })).toBe(1 + 2 * (1 + 3 * 4));
  expect(expandedValues({ a: Array(1000).fill(shared) }, 500)).toBe(501);
});
