import { afterEach, describe, expect, test } from "bun:test";
import { cleanup, render } from "ink-testing-library";
import { HostPanel, hostPanelHeight, hostPanelMinHeight } from "../../../tui/components/HostPanel.tsx";
import { LEVELS, RED, SNAPSHOT, YELLOW, plain, withColours } from "../support.ts";

afterEach(cleanup);

const props = { snapshot: SNAPSHOT, thresholds: LEVELS, history: { cpu: [10, 45.2], rx: [0, 1_250_000] }, width: 80 };

describe("HostPanel", () => {
  test("every gauge of the hand-written snapshot, numbers in human units", () => {
    const lines = plain(render(<HostPanel {...props} height={20} />).lastFrame()).split("\n");
    expect(lines[0]).toStartWith("CPU    █████████···········  45.2%   usr 30% sys 15% io 1%");
    expect(lines[1]).toBe("per CPU  42  48  91  98");
    expect(lines[2]).toStartWith("Mem    ██████████··········  50.0%   4.00 GiB / 8.00 GiB");
    expect(lines[3]).toStartWith("Swap   █████···············  25.0%   512 MiB / 2.00 GiB");
    expect(lines[4]).toStartWith("Load   1.52  0.98  0.40  (0.38 per CPU)");
    expect(lines[5]).toStartWith("Net    rx  1.25 MB/s ▁█  tx  64.0 kB/s");
    expect(lines[6]).toStartWith("Disk   rd  2.50 MB/s   wr   300 kB/s");
    expect(lines[7]).toBe("PSI    cpu 2.5%  mem 0.0%  io 12.3%  stalled, some avg10");
    expect(lines[8]).toStartWith("/      ██████████████████▎·  91.0% ! 91.0 GiB / 100 GiB");
    expect(lines[8]).toContain("inodes 12.0%");
    expect(lines[9]).toStartWith("/boot  █████···············  25.0%   256 MiB / 1.00 GiB");
    expect(hostPanelHeight(props)).toBe(10);
  });

  test("the root filesystem above the disk level (90) is yellow; a CPU at 97.5 is red", async () => {
    await withColours(() => {
      const frame = render(<HostPanel {...props} height={20} />).lastFrame()!;
      const root = frame.split("\n").find((l) => plain(l).startsWith("/ "))!;
      expect(root).toContain(`${YELLOW} 91.0%`);
      expect(frame).toContain(`${RED}  98`);
    });
  });

  test("levels from the configuration: with disk at 95 the same root filesystem is green", async () => {
    await withColours(() => {
      const frame = render(<HostPanel {...props} thresholds={{ ...LEVELS, aiops_disk_usage_percent: { warning: 92, critical: 97 } }} height={20} />).lastFrame()!;
      const root = frame.split("\n").find((l) => plain(l).startsWith("/ "))!;
      expect(root).not.toContain(YELLOW);
      expect(root).not.toContain(RED);
    });
  });

  test("filesystems fullest first; short of lines, a critical one is never among those counted out", () => {
    const disk = (mountpoint: string, percent: number, inodes = 1) => ({ ...SNAPSHOT.disks![1]!, mountpoint, percent, inodes_percent: inodes });
    const snapshot = { ...SNAPSHOT, disks: [disk("/a", 10), disk("/b", 50), disk("/c", 96), disk("/d", 20, 97), disk("/e", 60)] };
    const all = plain(render(<HostPanel {...props} snapshot={snapshot} height={20} />).lastFrame()).split("\n");
    expect(all.filter((l) => l.startsWith("/")).map((l) => l.split(" ")[0])).toEqual(["/c", "/e", "/b", "/d", "/a"]);
    // Room for three filesystem lines: both criticals (/c by space, /d by inodes), then the count of the others.
    const fixed = all.findIndex((l) => l.startsWith("/"));
    const short = plain(render(<HostPanel {...props} snapshot={snapshot} height={fixed + 3} />).lastFrame()).split("\n");
    expect(short.slice(fixed).map((l) => l.split(" ")[0])).toEqual(["/c", "/d", "+3"]);
    expect(short.at(-1)).toStartWith("+3 more filesystems");
    expect(short.find((l) => l.startsWith("/d"))).toContain("inodes 1.0%".replace("1.0%", "97.0%!!"));
    expect(hostPanelMinHeight({ ...props, snapshot })).toBe(fixed + 3);
  });

  test("short of lines, filesystems that do not fit are counted", () => {
    const frame = plain(render(<HostPanel {...props} height={9} />).lastFrame());
    expect(frame.split("\n")).toHaveLength(9);
    expect(frame).toContain("+2 more filesystems");
    expect(frame).not.toContain("/boot");
  });

  test("no swap, no pressure, a container's limits, a failed collector", () => {
    const snapshot = {
      ...SNAPSHOT,
      memory: { ...SNAPSHOT.memory!, swap: { total: 0, used: 0, free: 0, percent: 0 } },
      pressure: null,
      cgroup: { version: 2 as const, path: "/", memory_usage: 256 * 1024 ** 2, memory_limit: 512 * 1024 ** 2, memory_percent: 50, cpu_limit_cores: 2, cpu_usage_percent: 12, cpu_throttled_per_second: 0, pids_current: 3, pids_limit: null },
      errors: { disk: "statfs /: permission denied" },
    };
    const frame = plain(render(<HostPanel {...props} snapshot={snapshot} height={20} />).lastFrame());
    expect(frame).toContain("Swap   none");
    expect(frame).not.toContain("PSI");
    expect(frame).toContain("cgroup mem 50.0% of 512 MiB  cpu 12.0% of 2.00 cores");
    expect(frame).toContain("disk collector failed: statfs /: permission denied");
  });

  test("before the first snapshot", () => {
    const { snapshot: _, ...empty } = props;
    expect(render(<HostPanel {...empty} height={5} />).lastFrame()).toContain("Waiting for the first snapshot…");
  });
});
