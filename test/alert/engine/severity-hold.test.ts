import { describe, expect, test } from "bun:test";
import { toldNow } from "../../../src/alert/engine/repeat.ts";
import { severityHold } from "../../../src/alert/engine/severity-hold.ts";
import { at } from "./support.ts";

const HOLD = 300_000;

describe("severity hold", () => {
  test("does not apply to a channel never told, nor while the severity is what it heard", () => {
    expect(severityHold(undefined, "critical", HOLD, at(0))).toBeUndefined();
    const warned = toldNow(undefined, "warning", 1, at(0));
    expect(severityHold(warned, "warning", HOLD, at(10))).toBeUndefined();
  });

  test("the first escalation to critical of an episode is told at once, even right after the first notice", () => {
    const warned = toldNow(undefined, "warning", 1, at(0));
    expect(severityHold(warned, "critical", HOLD, at(1))).toBeUndefined();
  });

  test("any later move between warning and critical waits for the hold, from the last new severity told", () => {
    const warned = toldNow(undefined, "warning", 1, at(0));
    const paged = toldNow(warned, "critical", 2, at(10));
    expect(severityHold(paged, "warning", HOLD, at(20))).toEqual({ notify: "later", at: at(310) });
    expect(severityHold(paged, "warning", HOLD, at(309))).toEqual({ notify: "later", at: at(310) });
    expect(severityHold(paged, "warning", HOLD, at(310))).toBeUndefined();
    // Back to critical after the easing was told: not the first escalation any more, so held too.
    const eased = toldNow(paged, "warning", 3, at(310));
    expect(severityHold(eased, "critical", HOLD, at(320))).toEqual({ notify: "later", at: at(610) });
  });

  test("a repeat does not restart the hold; a hold of 0 damps nothing", () => {
    const paged = toldNow(undefined, "critical", 1, at(0));
    const repeated = toldNow(paged, "critical", 2, at(250));
    expect(severityHold(repeated, "warning", HOLD, at(300))).toBeUndefined();
    expect(severityHold(paged, "warning", 0, at(1))).toBeUndefined();
  });

  test("an alert first told critical eases within the hold: held", () => {
    const paged = toldNow(undefined, "critical", 1, at(0));
    expect(severityHold(paged, "warning", HOLD, at(30))).toEqual({ notify: "later", at: at(300) });
  });
});
