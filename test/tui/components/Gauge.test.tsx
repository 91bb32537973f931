import { afterEach, describe, expect, test } from "bun:test";
import { cleanup, render } from "ink-testing-library";
import { Gauge } from "../../../tui/components/Gauge.tsx";
import { GREEN, RED, YELLOW, plain, withColours } from "../support.ts";

afterEach(cleanup);

const base = { label: "Mem", labelWidth: 6, level: { warning: 85, critical: 95 }, barWidth: 10 };

describe("Gauge", () => {
  test("label, a bar filled to the value, the percentage and the detail", () => {
    const { lastFrame } = render(<Gauge {...base} percent={50} detail="4.00 GiB / 8.00 GiB" />);
    expect(plain(lastFrame())).toBe("Mem    █████·····  50.0%   4.00 GiB / 8.00 GiB");
  });

  test("marked by the levels, so they read without colour: ! above warning, !! at critical", () => {
    expect(plain(render(<Gauge {...base} percent={90} />).lastFrame())).toBe("Mem    █████████·  90.0% !");
    expect(plain(render(<Gauge {...base} percent={96} />).lastFrame())).toBe("Mem    █████████▋  96.0%!!");
  });

  test("stale (disconnected, old): no colour of the level, drawn dim", async () => {
    await withColours(() => {
      const frame = render(<Gauge {...base} percent={96} stale />).lastFrame()!;
      expect(frame).not.toContain(RED);
      expect(frame).toContain("\u001b[2m");
    });
  });

  test("coloured by the levels: green below warning, yellow above, red at critical", async () => {
    await withColours(() => {
      const ok = render(<Gauge {...base} percent={50} />).lastFrame()!;
      const warning = render(<Gauge {...base} percent={90} />).lastFrame()!;
      const critical = render(<Gauge {...base} percent={95} />).lastFrame()!;
      expect(ok).toContain(`${GREEN} 50.0%`);
      expect(warning).toContain(`${YELLOW} 90.0%`);
      expect(critical).toContain(`${RED} 95.0%`);
      expect(ok).not.toContain(RED);
    });
  });

  test("a sparkline of recent values after the detail, scaled 0–100", () => {
    const { lastFrame } = render(<Gauge {...base} percent={100} detail="x" detailWidth={2} history={[0, 50, 100]} sparkWidth={5} />);
    expect(plain(lastFrame())).toBe("Mem    ██████████ 100.0%!! x  ▁▅█");
  });
});
