import { afterEach, describe, expect, test } from "bun:test";
import { cleanup, render } from "ink-testing-library";
import { Help } from "../../../tui/components/Help.tsx";
import { plain } from "../support.ts";

afterEach(cleanup);

describe("Help", () => {
  for (const width of [40, 80, 200]) {
    test(`at ${width} columns: wrapped (at most 80 columns), nothing cut off`, () => {
      const frame = plain(render(<Help target="http://web-1:8080" width={width} height={60} />).lastFrame());
      const lines = frame.split("\n");
      for (const line of lines) expect(line.length).toBeLessThanOrEqual(Math.min(80, width));
      expect(frame).not.toContain("…");
      const words = frame.replace(/\s+/g, " ");
      expect(words).toContain("thresholds.* of the agent's configuration");
      expect(words).toContain("the header says how old they are");
      expect(words).toContain("The agent at http://web-1:8080, over /api/v1 and its event stream.");
    });
  }
});
