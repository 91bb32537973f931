import { describe, expect, test } from "bun:test";
import { createForecastDetector, type ForecastOptions, formatEta } from "../../src/detect/forecast.ts";
import { noise } from "./synthetic.ts";

const DISK: ForecastOptions = {
  metric: "aiops_disk_usage_percent",
  labels: { mountpoint: "/var" },
  type: "disk_full_forecast",
  subject: "Disk /var",
  horizonSeconds: 86_400,
  windowSeconds: 6 * 3600,
};
const T = Date.UTC(2025, 0, 6);
const MINUTE = 60_000;

describe("forecast detector", () => {
  test("a disk filling at 2 %/h, now at 66 %, is forecast full in 17 h", () => {
    const d = createForecastDetector(DISK);
    let last;
    // Three hours of history, one point a minute: 60 % + 2 %/h.
    for (let m = 0; m <= 180; m++) last = d.update(T + m * MINUTE, 60 + (2 * m) / 60);
    // At 66 %: 34 points left at 2 %/h is 17 h.
    expect(d.secondsToFull / 3600).toBeCloseTo(17, 1);
    expect(last!.finding).toMatchObject({
      type: "disk_full_forecast",
      severity: "warning",
      message: "Disk /var full in 17h at the current rate",
      value: 66,
      threshold: 100,
      detector: "forecast",
      labels: { mountpoint: "/var" },
    });
    expect(last!.score).toBeGreaterThan(0.5);
  });

  test("beyond the horizon, no finding; it comes once the estimate is inside", () => {
    const d = createForecastDetector(DISK);
    // 0.5 %/h from 50 %: 100 h to full.
    for (let m = 0; m <= 180; m++) expect(d.update(T + m * MINUTE, 50 + (0.5 * m) / 60).finding).toBeUndefined();
    expect(d.secondsToFull / 3600).toBeCloseTo(97, 1);
    const short = createForecastDetector({ ...DISK, horizonSeconds: 7 * 86_400 });
    let r;
    for (let m = 0; m <= 180; m++) r = short.update(T + m * MINUTE, 50 + (0.5 * m) / 60);
    expect(r!.finding?.message).toBe("Disk /var full in 4d 1h at the current rate");
  });

  test("a flat disk, a shrinking one and a noisy one without trend forecast nothing", () => {
    const flat = createForecastDetector(DISK);
    const shrinking = createForecastDetector(DISK);
    const noisy = createForecastDetector(DISK);
    const n = noise(1, 3);
    for (let m = 0; m <= 600; m++) {
      expect(flat.update(T + m * MINUTE, 70).finding).toBeUndefined();
      expect(shrinking.update(T + m * MINUTE, 90 - m / 60).finding).toBeUndefined();
      expect(noisy.update(T + m * MINUTE, 80 + n()).finding).toBeUndefined();
    }
    expect(flat.secondsToFull).toBe(Number.POSITIVE_INFINITY);
  });

  test("no forecast before a quarter of the window of history", () => {
    const d = createForecastDetector(DISK);
    // 20 %/h: full in 2 h, but only 80 minutes of history (the window is 6 h).
    for (let m = 0; m <= 80; m++) expect(d.update(T + m * MINUTE, 50 + (20 * m) / 60).finding).toBeUndefined();
    expect(d.update(T + 91 * MINUTE, 50 + (20 * 91) / 60).finding).toBeDefined();
  });

  test("when the filling stops, the forecast clears", () => {
    const d = createForecastDetector(DISK);
    for (let m = 0; m <= 180; m++) d.update(T + m * MINUTE, 60 + (2 * m) / 60);
    let r;
    for (let m = 181; m <= 181 + 24 * 60; m++) r = d.update(T + m * MINUTE, 66);
    expect(r!.finding).toBeUndefined();
  });

  test("its state survives a restart", () => {
    const d = createForecastDetector(DISK);
    for (let m = 0; m <= 100; m++) d.update(T + m * MINUTE, 60 + (2 * m) / 60);
    const restored = createForecastDetector(DISK, JSON.parse(JSON.stringify(d.snapshot())));
    for (let m = 101; m <= 180; m++) expect(restored.update(T + m * MINUTE, 60 + (2 * m) / 60)).toEqual(d.update(T + m * MINUTE, 60 + (2 * m) / 60));
    expect(() => createForecastDetector(DISK, { v: 1, n: "x" })).toThrow("forecast state: bad n");
  });

  test("times to full read as people say them", () => {
    expect(formatEta(30)).toBe("less than a minute");
    expect(formatEta(45 * 60)).toBe("45m");
    expect(formatEta(3 * 3600 + 20 * 60)).toBe("3h 20m");
    expect(formatEta(2 * 86_400 + 4 * 3600 + 59)).toBe("2d 4h");
    expect(formatEta(86_400)).toBe("1d");
  });
});
