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

  test("a change of severity is a new notice, either way; the first critical one is an escalation", () => {
    const warned = toldNow(undefined, "warning", 1, at(0));
    expect(repeatDecision(warned, "critical", HOUR, at(10))).toEqual({ notify: "now", why: "escalation", seq: 2 });
    const paged = toldNow(warned, "critical", 2, at(10));
    expect(repeatDecision(paged, "warning", HOUR, at(20))).toEqual({ notify: "now", why: "severity", seq: 3 });
    const eased = toldNow(paged, "warning", 3, at(20));
    expect(repeatDecision(eased, "critical", HOUR, at(30))).toEqual({ notify: "now", why: "severity", seq: 4 });
  });

  test("what the channel knows once told: whether a notice left its group, when it last heard a new severity, whether it heard critical", () => {
    expect(toldNow(undefined, "warning", 1, at(0))).toEqual({ at: at(0), severity: "warning", seq: 1, flushed: false, severityAt: at(0), heardCritical: false });
    const sent = toldNow(undefined, "warning", 1, at(0));
    sent.flushed = true;
    const paged = toldNow(sent, "critical", 2, at(10));
    expect(paged).toEqual({ at: at(10), severity: "critical", seq: 2, flushed: true, severityAt: at(10), heardCritical: true });
    // A repeat keeps when the severity was last new; an easing keeps that critical was heard.
    expect(toldNow(paged, "critical", 3, at(70))).toMatchObject({ at: at(70), severityAt: at(10), heardCritical: true });
    expect(toldNow(paged, "warning", 3, at(400))).toMatchObject({ severity: "warning", severityAt: at(400), heardCritical: true });
    // Saved state keeps its keys in this order, the fields added later at the end: older agents' state compares byte for byte.
    expect(Object.keys(paged)).toEqual(["at", "severity", "seq", "flushed", "severityAt", "heardCritical"]);
  });

  test("state saved before severity damping: the last notice stands for the last new severity, and only a critical one for having heard critical", () => {
    const old = { at: at(100), severity: "warning" as const, seq: 3, flushed: true };
    expect(toldNow(old, "warning", 4, at(200))).toMatchObject({ severityAt: at(100), heardCritical: false });
    expect(repeatDecision(old, "critical", HOUR, at(200))).toMatchObject({ why: "escalation" });
    expect(toldNow({ ...old, severity: "critical" }, "warning", 4, at(200))).toMatchObject({ severityAt: at(200), heardCritical: true });
  });
});
