import { afterEach, describe, expect, test } from "bun:test";
import { cleanup, render } from "ink-testing-library";
import { PerCpu, perCpuLayout } from "../../../tui/components/PerCpu.tsx";
import { GREEN, RED, YELLOW, plain, withColours } from "../support.ts";

afterEach(cleanup);

describe("per-CPU usage", () => {
  test("whole percentages while they fit, each coloured by the CPU levels", async () => {
    await withColours(() => {
      const frame = render(<PerCpu values={[42, 48.4, 91, 97.5]} numbers label="per CPU" labelWidth={7} level={{ warning: 80, critical: 95 }} />).lastFrame()!;
      expect(plain(frame)).toBe("per CPU  42  48  91  98");
      expect(frame).toContain(`${GREEN} 42  48${YELLOW}  91${RED}  98`);
    });
  });

  test("layout: numbers for a few CPUs, one block per CPU for many, never more lines than allowed", () => {
    expect(perCpuLayout(4, 7, 80, 2)).toEqual({ numbers: true, rows: [[0, 4]], hidden: 0 });
    expect(perCpuLayout(20, 7, 80, 2)).toEqual({ numbers: true, rows: [[0, 18], [18, 20]], hidden: 0 });
    expect(perCpuLayout(128, 7, 80, 2)).toEqual({ numbers: false, rows: [[0, 72], [72, 128]], hidden: 0 });
    expect(perCpuLayout(256, 7, 80, 2)).toEqual({ numbers: false, rows: [[0, 72], [72, 144]], hidden: 112 });
  });

  test("blocks for many CPUs, and a count of those left out", () => {
    const frame = render(<PerCpu values={[0, 50, 100]} numbers={false} label="" labelWidth={3} level={{ warning: 80, critical: 95 }} hidden={5} />).lastFrame();
    expect(plain(frame)).toBe("    ▁▅█ +5");
  });
});
