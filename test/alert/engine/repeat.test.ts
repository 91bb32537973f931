import { describe, expect, test } from "bun:test";
import { repeatDecision, toldNow } from "../../../src/alert/engine/repeat.ts";
import { at } from "./support.ts";

const HOUR = 3_600_000;

describe("repeat", () => {
  test("a channel never told hears the alert now: the first notice of the episode", () => {
    expect(repeatDecision(undefined, "warning", HOUR, at(0))).toEqual({ notify: "now", why: "first", seq: 1 });
  });

  test("told at this severity: later, once the repeat interval has passed; then a new notice", () => {
    const told = toldNow(undefined, "warning", 1, at(0));
    expect(repeatDecision(told, "warning", HOUR, at(3599))).toEqual({ notify: "later", at: at(3600) });
    expect(repeatDecision(told, "warning", HOUR, at(3600))).toEqual({ notify: "now", why: "repeat", seq: 2 });
  });

  test("a change of severity is told at once, either way", () => {
    const warned = toldNow(undefined, "warning", 1, at(0));
    expect(repeatDecision(warned, "critical", HOUR, at(10))).toEqual({ notify: "now", why: "severity", seq: 2 });
    const paged = toldNow(warned, "critical", 2, at(10));
    expect(repeatDecision(paged, "warning", HOUR, at(20))).toEqual({ notify: "now", why: "severity", seq: 3 });
  });

  test("what the channel knows once told keeps whether an earlier notice already left its group", () => {
    expect(toldNow(undefined, "warning", 1, at(0))).toEqual({ at: at(0), severity: "warning", seq: 1, flushed: false });
    const sent = { at: at(0), severity: "warning" as const, seq: 1, flushed: true };
    expect(toldNow(sent, "critical", 2, at(10))).toEqual({ at: at(10), severity: "critical", seq: 2, flushed: true });
    // The saved state keeps these keys in this order: older agents' state compares byte for byte.
    expect(Object.keys(toldNow(sent, "critical", 2, at(10)))).toEqual(["at", "severity", "seq", "flushed"]);
  });
});
