import { describe, expect, test } from "bun:test";
import { mappingsOf, releaseStartupPages } from "../../src/commands/startup-pages.ts";

const MAPS = `00200000-01a40000 r--p 00000000 fd:01 1234 /usr/local/bin/aiops-agent
01a40000-06849000 r-xp 01838000 fd:01 1234 /usr/local/bin/aiops-agent
06849000-0684b000 rw-p 06640000 fd:01 1234 /usr/local/bin/aiops-agent
7f0000000000-7f0000021000 rw-p 00000000 00:00 0
7f1000000000-7f1000200000 r-xp 00000000 fd:01 99 /usr/lib/x86_64-linux-gnu/libc.so.6
7f2000000000-7f2000001000 r--p 00000000 fd:01 77 /opt/my agent/aiops-agent
`;

describe("releaseStartupPages", () => {
  test("finds every mapping of the executable, and only those (paths with spaces too)", () => {
    expect(mappingsOf(MAPS, "/usr/local/bin/aiops-agent")).toEqual([
      { start: 0x200000n, end: 0x1a40000n },
      { start: 0x1a40000n, end: 0x6849000n },
      { start: 0x6849000n, end: 0x684b000n },
    ]);
    expect(mappingsOf(MAPS, "/opt/my agent/aiops-agent")).toEqual([{ start: 0x7f2000000000n, end: 0x7f2000001000n }]);
    expect(mappingsOf(MAPS, "/usr/bin/other")).toEqual([]);
  });

  test("advises the whole of this process's executable, keeps the process working, and does nothing for a file it has not mapped", async () => {
    const mapped = mappingsOf(await Bun.file("/proc/self/maps").text(), process.execPath).reduce((sum, m) => sum + Number(m.end - m.start), 0);
    expect(mapped).toBeGreaterThan(0);
    expect(await releaseStartupPages()).toBe(mapped);
    // The code it gave back is read again as it runs.
    expect(JSON.parse(JSON.stringify({ ok: [1, 2, 3] }))).toEqual({ ok: [1, 2, 3] });
    expect(await releaseStartupPages("/nonexistent/aiops-agent")).toBe(0);
  });
});
