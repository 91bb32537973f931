import { describe, expect, test } from "bun:test";
import { Gauge } from "../../../tui/components/Gauge.ts";
import { plainText } from "../../../tui/line.ts";
import { colourOf } from "../support.ts";

const base = { label: "Mem", labelWidth: 6, level: { warning: 85, critical: 95 }, barWidth: 10 };

describe("Gauge", () => {
  test("label, a bar filled to the value, the percentage and the detail", () => {
    expect(plainText(Gauge({ ...base, percent: 50, detail: "4.00 GiB / 8.00 GiB" }))).toBe("Mem    █████·····  50.0%   4.00 GiB / 8.00 GiB");
  });

  test("marked by the levels, so they read without colour: ! above warning, !! at critical", () => {
    expect(plainText(Gauge({ ...base, percent: 90 }))).toBe("Mem    █████████·  90.0% !");
    expect(plainText(Gauge({ ...base, percent: 96 }))).toBe("Mem    █████████▋  96.0%!!");
  });

  test("stale (disconnected, old): no colour of the level, drawn dim", () => {
    const line = Gauge({ ...base, percent: 96, stale: true });
    expect(line.some((s) => s.style?.color === "red")).toBe(false);
    expect(line.every((s) => s.style?.dim)).toBe(true);
  });

  test("coloured by the levels: green below warning, yellow above, red at critical", () => {
    expect(colourOf(Gauge({ ...base, percent: 50 }), "50.0%")).toBe("green");
    expect(colourOf(Gauge({ ...base, percent: 90 }), "90.0%")).toBe("yellow");
    expect(colourOf(Gauge({ ...base, percent: 95 }), "95.0%")).toBe("red");
    expect(colourOf(Gauge({ ...base, percent: 95 }), "█")).toBe("red");
  });

  test("a sparkline of recent values after the detail, scaled 0–100", () => {
    expect(plainText(Gauge({ ...base, percent: 100, detail: "x", detailWidth: 2, history: [0, 50, 100], sparkWidth: 5 }))).toBe("Mem    ██████████ 100.0%!! x  ▁▅█");
  });
});
