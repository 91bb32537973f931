import { describe, expect, test } from "bun:test";
import { layoutFor } from "../../tui/layout.ts";

describe("the layout", () => {
  test("80x24 with a small host: every panel in view, lists stacked, no room for charts", () => {
    const l = layoutFor({ columns: 80, rows: 24 }, { need: 11, min: 10 });
    expect(l).toEqual({ mode: "all", body: 21, host: 11, graphs: 0, lists: [5, 5], sideBySide: false });
    expect(l.host + l.lists[0]! + l.lists[1]!).toBe(l.body);
  });

  test("many filesystems: the host gives up filesystem lines before the lists go", () => {
    const l = layoutFor({ columns: 80, rows: 24 }, { need: 30, min: 10 });
    expect(l).toMatchObject({ mode: "all", host: 13, graphs: 0, lists: [4, 4] });
  });

  test("a wide terminal puts the lists side by side", () => {
    expect(layoutFor({ columns: 140, rows: 30 }, { need: 12, min: 10, lists: [15, 15] })).toEqual({ mode: "all", body: 27, host: 12, graphs: 0, lists: [15, 15], sideBySide: true });
  });

  test("a taller terminal gives its spare lines to charts (at most 60 %) and to the lists, never to blank space", () => {
    const at = (columns: number, rows: number) => layoutFor({ columns, rows }, { need: 10, min: 9, lists: [3, 6] });
    const [small, middle, large] = [at(80, 24), at(120, 40), at(200, 60)];
    expect(small.graphs).toBe(0);
    expect(middle).toMatchObject({ host: 10, graphs: 16, lists: [11, 11] });
    expect(large).toMatchObject({ host: 10, graphs: 28, lists: [19, 19] });
    for (const l of [small, middle, large]) expect(l.host + l.graphs + (l.sideBySide ? l.lists[0]! : l.lists[0]! + l.lists[1]!)).toBe(l.body);
  });

  test("lists with much to show keep it; the charts take only what is left", () => {
    const l = layoutFor({ columns: 120, rows: 40 }, { need: 10, min: 9, lists: [25, 25] });
    expect(l).toMatchObject({ graphs: 0, lists: [27, 27] });
  });

  test("a third list: below the first two when they stand side by side, under them when stacked", () => {
    const wide = layoutFor({ columns: 120, rows: 40 }, { need: 10, min: 9, lists: [10, 10, 5] });
    expect(wide).toMatchObject({ mode: "all", sideBySide: true, host: 10, graphs: 12, lists: [8, 8, 7] });
    expect(wide.host + wide.graphs + wide.lists[0]! + wide.lists[2]!).toBe(wide.body);
    const narrow = layoutFor({ columns: 80, rows: 24 }, { need: 8, min: 8, lists: [3, 3, 3] });
    expect(narrow).toMatchObject({ mode: "all", sideBySide: false, lists: [5, 4, 4] });
    // Short of lines for three lists and the host: one panel at a time.
    expect(layoutFor({ columns: 80, rows: 24 }, { need: 11, min: 10, lists: [3, 3, 3] }).mode).toBe("paged");
  });

  test("too short for all: one panel at a time, each the whole body", () => {
    expect(layoutFor({ columns: 80, rows: 15 }, { need: 12, min: 10 })).toEqual({ mode: "paged", body: 12, host: 12, graphs: 0, lists: [12, 12], sideBySide: false });
    expect(layoutFor({ columns: 10, rows: 2 }, { need: 12, min: 10 }).body).toBe(1);
  });
});
