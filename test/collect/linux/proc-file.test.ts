import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HeldProcFile, isGone, procBytes, readHostFile, readProcFile, readProcRecord } from "../../../src/collect/linux/proc-file.ts";

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

describe("readHostFile (host-wide files held open)", () => {
  test("a kernel file held open reads what the kernel says now, every time", () => {
    const first = readHostFile("/proc/self/stat");
    const ticks = (text: string) => Number(text.slice(text.lastIndexOf(")") + 2).split(" ")[11]); // utime
    let later = first;
    // Burn CPU until the kernel counts a tick of it: a held descriptor must show the new count.
    for (let spin = 0; ticks(later) === ticks(first) && spin < 200; spin++) {
      for (let i = 0; i < 1e6; i++) Math.sqrt(i);
      later = readHostFile("/proc/self/stat");
    }
    expect(ticks(later)).toBeGreaterThan(ticks(first));
    // Files of many pages, handed out one at a time, read whole through the held descriptor, twice.
    for (const path of ["/proc/self/mountinfo", "/proc/kallsyms", "/proc/self/mountinfo", "/proc/kallsyms"]) {
      expect(readHostFile(path, "utf8")).toBe(readFileSync(path, "utf8"));
    }
  });

  test("an ordinary file (a captured tree) replaced by a rename is read afresh, never through an old descriptor", () => {
    const meminfo = join(dir, "meminfo");
    writeFileSync(meminfo, "MemTotal: 1 kB\n");
    expect(readHostFile(meminfo)).toBe("MemTotal: 1 kB\n");
    writeFileSync(`${meminfo}.new`, "MemTotal: 2 kB\n");
    renameSync(`${meminfo}.new`, meminfo);
    expect(readHostFile(meminfo)).toBe("MemTotal: 2 kB\n");
  });
});

describe("readProcRecord and HeldProcFile (bytes of one record, no string made)", () => {
  /** The bytes a read left, as text: taken after the read, which may have grown the buffer. */
  const text = (length: number) => procBytes().toString("latin1", 0, length);

  test("a record larger than the buffer is read whole, and a smaller one after it only to its length", () => {
    const big = join(dir, "big-record");
    const content = `${"x".repeat(40_000)}end`;
    writeFileSync(big, content);
    const small = join(dir, "small-record");
    writeFileSync(small, "12 (sh) S\n");
    expect(text(readProcRecord(big))).toBe(content);
    expect(text(readProcRecord(small))).toBe("12 (sh) S\n");
    // And the text reads share that buffer without a trace of either.
    expect(readProcFile(small)).toBe("12 (sh) S\n");
  });

  test("a held /proc/<pid>/stat reads the process afresh each time, a long command line whole, and says when the process is gone", async () => {
    const argument = "0".repeat(20_000); // past the shared buffer; sleep adds its arguments up: 30 s and 0 s
    const child = Bun.spawn(["sleep", "30", argument], { stdout: "ignore", stderr: "ignore" });
    try {
      const stat = new HeldProcFile(`/proc/${child.pid}/stat`);
      expect(text(stat.read())).toStartWith(`${child.pid} (`);
      // Read afresh each time: it is seen going to sleep (R or the name of the program before exec, then S).
      let line = "";
      for (let i = 0; i < 200 && !line.startsWith(`${child.pid} (sleep) S `); i++) {
        await Bun.sleep(5);
        line = text(stat.read());
      }
      expect(line).toStartWith(`${child.pid} (sleep) S `);
      expect(text(readProcRecord(`/proc/${child.pid}/cmdline`))).toBe(`sleep\u000030\u0000${argument}\u0000`);
      child.kill("SIGKILL");
      await child.exited;
      let failure: unknown;
      try {
        stat.read();
      } catch (cause) {
        failure = cause;
      }
      expect(isGone(failure)).toBe(true);
      stat.close();
      stat.close();
      expect(() => stat.read()).toThrow("closed");
    } finally {
      child.kill("SIGKILL");
    }
  });
});
