import { describe, expect, test } from "bun:test";
import { layoutFor } from "../../tui/layout.ts";

describe("the layout", () => {
  test("80x24 with a small host: every panel in view, lists stacked, no room for charts", () => {
    const l = layoutFor({ columns: 80, rows: 24 }, { need: 11, min: 10 });
    expect(l).toEqual({ mode: "all", body: 21, host: 11, graphs: 0, anomalies: 5, alerts: 5, sideBySide: false });
    expect(l.host + l.anomalies + l.alerts).toBe(l.body);
  });

  test("many filesystems: the host gives up filesystem lines before the lists go", () => {
    const l = layoutFor({ columns: 80, rows: 24 }, { need: 30, min: 10 });
    expect(l).toMatchObject({ mode: "all", host: 13, graphs: 0, anomalies: 4, alerts: 4 });
  });

  test("a wide terminal puts the lists side by side", () => {
    expect(layoutFor({ columns: 140, rows: 30 }, { need: 12, min: 10, lists: { anomalies: 15, alerts: 15 } })).toEqual({ mode: "all", body: 27, host: 12, graphs: 0, anomalies: 15, alerts: 15, sideBySide: true });
  });

  test("a taller terminal gives its spare lines to charts (at most 60 %) and to the lists, never to blank space", () => {
    const at = (columns: number, rows: number) => layoutFor({ columns, rows }, { need: 10, min: 9, lists: { anomalies: 3, alerts: 6 } });
    const [small, middle, large] = [at(80, 24), at(120, 40), at(200, 60)];
    expect(small.graphs).toBe(0);
    expect(middle).toMatchObject({ host: 10, graphs: 16, anomalies: 11, alerts: 11 });
    expect(large).toMatchObject({ host: 10, graphs: 28, anomalies: 19, alerts: 19 });
    for (const l of [small, middle, large]) expect(l.host + l.graphs + (l.sideBySide ? l.anomalies : l.anomalies + l.alerts)).toBe(l.body);
  });

  test("lists with much to show keep it; the charts take only what is left", () => {
    const l = layoutFor({ columns: 120, rows: 40 }, { need: 10, min: 9, lists: { anomalies: 25, alerts: 25 } });
    expect(l).toMatchObject({ graphs: 0, anomalies: 27 });
  });

  test("too short for all: one panel at a time, each the whole body", () => {
    expect(layoutFor({ columns: 80, rows: 15 }, { need: 12, min: 10 })).toEqual({ mode: "paged", body: 12, host: 12, graphs: 0, anomalies: 12, alerts: 12, sideBySide: false });
    expect(layoutFor({ columns: 10, rows: 2 }, { need: 12, min: 10 }).body).toBe(1);
  });
});
