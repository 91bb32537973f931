import { afterEach, describe, expect, test } from "bun:test";
import { cleanup, render } from "ink-testing-library";
import { Sparkline } from "../../../tui/components/Sparkline.tsx";

afterEach(cleanup);

describe("Sparkline", () => {
  test("the newest values that fit, scaled to the largest shown", () => {
    expect(render(<Sparkline values={[9, 0, 1, 2, 4, 8]} width={5} />).lastFrame()).toBe("▁▂▃▅█");
  });

  test("a fixed scale for percentages; nothing without room or values", () => {
    expect(render(<Sparkline values={[0, 50, 100]} width={10} max={100} />).lastFrame()).toBe("▁▅█");
    expect(render(<Sparkline values={[]} width={10} />).lastFrame()).toBe("");
    expect(render(<Sparkline values={[1, 2]} width={0} />).lastFrame()).toBe("");
    expect(render(<Sparkline values={[0, 0]} width={4} />).lastFrame()).toBe("▁▁");
  });
});
