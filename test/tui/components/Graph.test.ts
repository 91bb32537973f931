import { describe, expect, test } from "bun:test";
import { Graph, graphRows } from "../../../tui/components/Graph.ts";
import { Graphs } from "../../../tui/components/Graphs.ts";
import { formatPercent } from "../../../tui/format.ts";
import { LEVELS, frameText } from "../support.ts";

describe("Graph", () => {
  test("each column filled to its value in eighths of a line, the newest on the right, a zero as a flat line", () => {
    expect(graphRows([0, 25, 50, 100], 6, 2, 100)).toEqual(["     █", "  ▁▄██"]);
    expect(graphRows([0, 50, 100], 3, 2, 100)).toEqual(["  █", "▁██"]);
  });

  test("a title with the latest and the highest value, then as many lines of chart as it is given", () => {
    const lines = Graph({ title: "CPU %", values: [10, 90, 45.2], width: 30, height: 5, max: 100, format: formatPercent });
    expect(frameText(lines).split("\n")[0]).toBe("CPU %  now 45.2%  max 90.0%");
    expect(lines).toHaveLength(5);
  });

  test("Graphs: taller charts, and more of them, as the lines to fill grow; two by two on a wide terminal", () => {
    const history = { cpu: [10, 20, 30], memory: [50, 50, 50], rx: [1, 2, 3], tx: [3, 2, 1], diskRead: [0, 0, 1], diskWrite: [5, 5, 5] };
    const titles = (width: number, height: number) =>
      frameText(Graphs({ history, thresholds: LEVELS, width, height }))
        .split("\n")
        .filter((l) => /now/.test(l));
    expect(titles(120, 5)).toEqual([]);
    expect(titles(120, 16)).toHaveLength(2);
    expect(titles(200, 28).join("\n")).toMatch(/^CPU %[^\n]*Memory %[^\n]*\nNetwork in[^\n]*Network out[^\n]*\nDisk read[^\n]*Disk write/);
    // The lines given, all of them, each as wide as the terminal at most.
    const lines = Graphs({ history, thresholds: LEVELS, width: 200, height: 28 });
    expect(lines).toHaveLength(28);
    for (const line of frameText(lines).split("\n")) expect(line.length).toBeLessThanOrEqual(200);
  });
});
