import { describe, expect, test } from "bun:test";
import { formatAgo, formatBytes, formatDuration, formatNumber, formatPercent, formatRate, truncate } from "../../tui/format.ts";

describe("numbers for people", () => {
  test("sizes in binary units, three significant digits", () => {
    expect(formatBytes(0)).toBe("0 B");
    expect(formatBytes(512)).toBe("512 B");
    expect(formatBytes(1536)).toBe("1.50 KiB");
    expect(formatBytes(8 * 1024 ** 3)).toBe("8.00 GiB");
    expect(formatBytes(252.4 * 1024 ** 3)).toBe("252 GiB");
    expect(formatBytes(23.5 * 1024 ** 3)).toBe("23.5 GiB");
    expect(formatBytes(3 * 1024 ** 4)).toBe("3.00 TiB");
  });

  test("rates in decimal units per second", () => {
    expect(formatRate(0)).toBe("0 B/s");
    expect(formatRate(999)).toBe("999 B/s");
    expect(formatRate(64_000)).toBe("64.0 kB/s");
    expect(formatRate(1_250_000)).toBe("1.25 MB/s");
    expect(formatRate(125_000_000)).toBe("125 MB/s");
    expect(formatRate(Number.NaN)).toBe("–");
  });

  test("percentages, counts and durations", () => {
    expect(formatPercent(45.24)).toBe("45.2%");
    expect(formatPercent(100)).toBe("100.0%");
    expect(formatNumber(1.524)).toBe("1.52");
    expect(formatNumber(-0.5)).toBe("-0.50");
    expect(formatNumber(12.34)).toBe("12.3");
    expect(formatDuration(3 * 86400 + 4 * 3600 + 5 * 60)).toBe("3d 4h");
    expect(formatDuration(3 * 86400 + 5 * 60)).toBe("3d");
    expect(formatDuration(4 * 3600 + 12 * 60 + 9)).toBe("4h 12m");
    expect(formatDuration(42)).toBe("42s");
    expect(formatDuration(1)).toBe("1s");
    expect(formatDuration(0)).toBe("0s");
    expect(formatAgo(1_000, 91_000)).toBe("1m 30s ago");
    expect(formatAgo(1_000, 1_200)).toBe("now");
  });

  test("truncation ends in an ellipsis", () => {
    expect(truncate("abcdef", 4)).toBe("abc…");
    expect(truncate("abc", 4)).toBe("abc");
    expect(truncate("abc", 0)).toBe("");
  });
});
