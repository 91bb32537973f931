import { afterEach, describe, expect, test } from "bun:test";
import { cleanup, render } from "ink-testing-library";
import { Graph, graphRows } from "../../../tui/components/Graph.tsx";
import { Graphs } from "../../../tui/components/Graphs.tsx";
import { formatPercent } from "../../../tui/format.ts";
import { LEVELS, plain } from "../support.ts";

afterEach(cleanup);

describe("Graph", () => {
  test("each column filled to its value in eighths of a line, the newest on the right, a zero as a flat line", () => {
    expect(graphRows([0, 25, 50, 100], 6, 2, 100)).toEqual(["     █", "  ▁▄██"]);
    expect(graphRows([0, 50, 100], 3, 2, 100)).toEqual(["  █", "▁██"]);
  });

  test("a title with the latest and the highest value, then as many lines of chart as it is given", () => {
    const frame = plain(render(<Graph title="CPU %" values={[10, 90, 45.2]} width={30} height={5} max={100} format={formatPercent} />).lastFrame());
    const lines = frame.split("\n");
    expect(lines[0]).toBe("CPU %  now 45.2%  max 90.0%");
    expect(lines).toHaveLength(5);
  });

  test("Graphs: taller charts, and more of them, as the lines to fill grow; two by two on a wide terminal", () => {
    const history = { cpu: [10, 20, 30], memory: [50, 50, 50], rx: [1, 2, 3], tx: [3, 2, 1], diskRead: [0, 0, 1], diskWrite: [5, 5, 5] };
    const titles = (width: number, height: number) =>
      plain(render(<Graphs history={history} thresholds={LEVELS} width={width} height={height} />).lastFrame())
        .split("\n")
        .filter((l) => /now/.test(l));
    expect(titles(120, 5)).toEqual([]);
    expect(titles(120, 16)).toHaveLength(2);
    expect(titles(200, 28).join("\n")).toMatch(/^CPU %[^\n]*Memory %[^\n]*\nNetwork in[^\n]*Network out[^\n]*\nDisk read[^\n]*Disk write/);
  });
});
