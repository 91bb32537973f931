import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readProcFile } from "../../../src/collect/linux/proc-file.ts";

const dir = mkdtempSync(join(tmpdir(), "proc-file-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("readProcFile (one buffer for every read)", () => {
  test("reads a file larger than the buffer whole, then a small one without a trace of the large one", () => {
    const large = join(dir, "large");
    const text = Array.from({ length: 5000 }, (_, i) => `veth${i}: ${i} ${i * 2} ${i * 3}`).join("\n");
    writeFileSync(large, text);
    expect(readProcFile(large)).toBe(text);
    const small = join(dir, "small");
    writeFileSync(small, "42\n");
    expect(readProcFile(small)).toBe("42\n");
    expect(readProcFile(large)).toBe(text);
  });

  test("procfs files, handed out a page at a time, read whole as readFileSync reads them", () => {
    // Static while the test runs: the mounts, and the kernel's symbols (megabytes, read a page at a time,
    // past the size the shared buffer keeps).
    for (const path of ["/proc/self/mountinfo", "/proc/filesystems", "/proc/kallsyms"]) {
      expect(readProcFile(path, "utf8")).toBe(readFileSync(path, "utf8"));
    }
  });

  test("a mount point in UTF-8 reads back as written; a missing file keeps its code", () => {
    const utf8 = join(dir, "mountinfo");
    writeFileSync(utf8, "36 25 8:1 / /mnt/données rw - ext4 /dev/sda1 rw\n");
    expect(readProcFile(utf8, "utf8")).toContain("/mnt/données");
    expect(() => readProcFile(join(dir, "absent"))).toThrow(expect.objectContaining({ code: "ENOENT" }));
  });
});
