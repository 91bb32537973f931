import { describe, expect, test } from "bun:test";
import { layoutFor } from "../../tui/layout.ts";

describe("the layout", () => {
  test("80x24 with a small host: every panel in view, lists stacked", () => {
    const l = layoutFor({ columns: 80, rows: 24 }, { need: 11, min: 10 });
    expect(l).toEqual({ mode: "all", body: 21, host: 11, anomalies: 5, alerts: 5, sideBySide: false });
    expect(l.host + l.anomalies + l.alerts).toBe(l.body);
  });

  test("many filesystems: the host gives up filesystem lines before the lists go", () => {
    const l = layoutFor({ columns: 80, rows: 24 }, { need: 30, min: 10 });
    expect(l).toMatchObject({ mode: "all", host: 13, anomalies: 4, alerts: 4 });
  });

  test("a wide terminal puts the lists side by side", () => {
    expect(layoutFor({ columns: 140, rows: 30 }, { need: 12, min: 10 })).toEqual({ mode: "all", body: 27, host: 12, anomalies: 15, alerts: 15, sideBySide: true });
  });

  test("too short for all: one panel at a time, each the whole body", () => {
    expect(layoutFor({ columns: 80, rows: 15 }, { need: 12, min: 10 })).toEqual({ mode: "paged", body: 12, host: 12, anomalies: 12, alerts: 12, sideBySide: false });
    expect(layoutFor({ columns: 10, rows: 2 }, { need: 12, min: 10 }).body).toBe(1);
  });
});
