import { expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createProcByteReader } from "../../../src/collect/linux/proc-byte-reader.ts";
import { isGone } from "../../../src/collect/linux/proc-file.ts";

test("a file larger than the buffer is read whole, and a smaller one after it only to its length", () => {
  const dir = mkdtempSync(join(tmpdir(), "aiops-bytes-"));
  try {
    const big = "x".repeat(10_000) + "end";
    writeFileSync(join(dir, "big"), big);
    writeFileSync(join(dir, "small"), "12 (sh) S\n");
    const reader = createProcByteReader();
    const read = (path: string) => {
      const length = reader.read(path);
      return reader.bytes.toString("latin1", 0, length); // after the read: it may have grown the buffer
    };
    expect(read(join(dir, "big"))).toBe(big);
    expect(read(join(dir, "small"))).toBe("12 (sh) S\n");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a held /proc/<pid>/stat reads the process afresh each time, a long command line whole, and says when the process is gone", async () => {
  const reader = createProcByteReader();
  const argument = "0".repeat(6000); // sleep adds its arguments up: 30 s and 0 s
  const child = Bun.spawn(["sleep", "30", argument], { stdout: "ignore", stderr: "ignore" });
  try {
    const text = (length: number) => reader.bytes.toString("latin1", 0, length);
    const handle = reader.open(`/proc/${child.pid}/stat`);
    expect(text(reader.reread(handle))).toStartWith(`${child.pid} (`);
    // Read afresh each time: it is seen going to sleep (R or the name of the program before exec, then S).
    let line = "";
    for (let i = 0; i < 200 && !line.startsWith(`${child.pid} (sleep) S `); i++) {
      await Bun.sleep(5);
      line = text(reader.reread(handle));
    }
    expect(line).toStartWith(`${child.pid} (sleep) S `);
    expect(text(reader.read(`/proc/${child.pid}/cmdline`))).toBe(`sleep\u000030\u0000${argument}\u0000`);
    child.kill("SIGKILL");
    await child.exited;
    let failure: unknown;
    try {
      reader.reread(handle);
    } catch (cause) {
      failure = cause;
    }
    expect(isGone(failure)).toBe(true);
    reader.close(handle);
  } finally {
    child.kill("SIGKILL");
  }
});
