import { describe, expect, test } from "bun:test";
import { mappingsOf, releaseStartupPages } from "../../src/commands/startup-pages.ts";

const SMAPS = `00200000-01a40000 r--p 00000000 fd:01 1234 /usr/local/bin/aiops-agent
Size:              25088 kB
Rss:                4000 kB
Anonymous:             0 kB
01a40000-06849000 r-xp 01838000 fd:01 1234 /usr/local/bin/aiops-agent
Size:              79908 kB
Anonymous:             0 kB
0684b000-06850000 r--p 06642000 fd:01 1234 /usr/local/bin/aiops-agent
Anonymous:            20 kB
06850000-06860000 rw-p 06647000 fd:01 1234 /usr/local/bin/aiops-agent
Anonymous:            64 kB
7f0000000000-7f0000021000 rw-p 00000000 00:00 0
Anonymous:           132 kB
7f1000000000-7f1000200000 r-xp 00000000 fd:01 99 /usr/lib/x86_64-linux-gnu/libc.so.6
Anonymous:             0 kB
7f2000000000-7f2000001000 r--p 00000000 fd:01 77 /opt/my agent/aiops-agent
Anonymous:             0 kB
`;

describe("releaseStartupPages", () => {
  test("finds every mapping of the executable and only those (paths with spaces too), with the pages the process changed", () => {
    expect(mappingsOf(SMAPS, "/usr/local/bin/aiops-agent")).toEqual([
      { start: 0x200000n, end: 0x1a40000n, writable: false, anonymousKb: 0 },
      { start: 0x1a40000n, end: 0x6849000n, writable: false, anonymousKb: 0 },
      // Relocated at load, then made read-only: its changed pages must not be dropped.
      { start: 0x684b000n, end: 0x6850000n, writable: false, anonymousKb: 20 },
      { start: 0x6850000n, end: 0x6860000n, writable: true, anonymousKb: 64 },
    ]);
    expect(mappingsOf(SMAPS, "/opt/my agent/aiops-agent")).toEqual([{ start: 0x7f2000000000n, end: 0x7f2000001000n, writable: false, anonymousKb: 0 }]);
    expect(mappingsOf(SMAPS, "/usr/bin/other")).toEqual([]);
  });

  test("advises the whole of this process's executable, keeps the process working, and does nothing for a file it has not mapped", async () => {
    const mapped = mappingsOf(await Bun.file("/proc/self/smaps").text(), process.execPath).reduce((sum, m) => sum + Number(m.end - m.start), 0);
    expect(mapped).toBeGreaterThan(0);
    const residentFileKb = async () => Number(/^RssFile:\s+(\d+) kB/m.exec(await Bun.file("/proc/self/status").text())![1]);
    const before = await residentFileKb();
    expect(await releaseStartupPages()).toBe(mapped);
    // Most of what the test runner's start-up touched of the runtime is no longer resident.
    expect(await residentFileKb()).toBeLessThan(before / 2);
    // The code it gave back is read again as it runs.
    expect(JSON.parse(JSON.stringify({ ok: [1, 2, 3] }))).toEqual({ ok: [1, 2, 3] });
    expect(await releaseStartupPages("/nonexistent/aiops-agent")).toBe(0);
  });
});
