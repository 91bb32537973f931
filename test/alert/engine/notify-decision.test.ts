import { describe, expect, test } from "bun:test";
import type { Route } from "../../../src/alert/channel-routing.ts";
import { decideNotify } from "../../../src/alert/engine/notify-decision.ts";
import { finding } from "../fixtures.ts";
import { alertRecord, at, route } from "./support.ts";

const ops = (over: Partial<Route> = {}): Route => route("ops", { repeatIntervalMs: 60_000, ...over });
const unmuted = { silencedBy: [] };

describe("the notify decision", () => {
  test("now for a routed, unmuted alert the channel has not heard", () => {
    expect(decideNotify(alertRecord(), ops(), unmuted, at(0), 0)).toEqual({ notify: "now", why: "first", seq: 1 });
  });

  test("never while silenced or inhibited, naming why (silences first)", () => {
    expect(decideNotify(alertRecord(), ops(), { silencedBy: ["api-1"], inhibitedBy: "f" }, at(0), 0)).toEqual({ notify: "never", why: "silenced" });
    expect(decideNotify(alertRecord(), ops(), { silencedBy: [], inhibitedBy: "f" }, at(0), 0)).toEqual({ notify: "never", why: "inhibited" });
  });

  test("never for a channel whose route does not take the alert's severity or type", () => {
    expect(decideNotify(alertRecord(), ops({ severities: ["critical"] }), unmuted, at(0), 0)).toEqual({ notify: "never", why: "not routed" });
    expect(decideNotify(alertRecord(), ops({ types: ["disk_full"] }), unmuted, at(0), 0)).toEqual({ notify: "never", why: "not routed" });
    const disk = alertRecord({ finding: finding({ type: "disk_full", severity: "critical" }) });
    expect(decideNotify(disk, ops({ severities: ["critical"], types: ["disk_full"] }), unmuted, at(0), 0).notify).toBe("now");
  });

  test("never for the channel an alert is about (its `channel` label): the others still hear it", () => {
    const aboutOps = alertRecord({ finding: finding({ type: "delivery_failing", severity: "critical", labels: { channel: "ops" } }) });
    expect(decideNotify(aboutOps, ops(), unmuted, at(0), 0)).toEqual({ notify: "never", why: "not routed" });
    expect(decideNotify(aboutOps, ops({ channel: "pager" }), unmuted, at(0), 0)).toEqual({ notify: "now", why: "first", seq: 1 });
  });

  test("later when the channel was told within its repeat interval", () => {
    const told = alertRecord({ told: { ops: { at: at(0), severity: "warning", seq: 1, flushed: true } } });
    expect(decideNotify(told, ops(), unmuted, at(30), 0)).toEqual({ notify: "later", at: at(60) });
    // Each channel keeps its own account.
    expect(decideNotify(told, ops({ channel: "pager" }), unmuted, at(30), 0)).toEqual({ notify: "now", why: "first", seq: 1 });
  });

  test("a move between warning and critical within the severity hold: later, when the hold ends, and no repeat meanwhile", () => {
    const paged = alertRecord({ told: { ops: { at: at(0), severity: "critical", seq: 1, flushed: true, severityAt: at(0), heardCritical: true } } });
    const eased = { ...paged, finding: finding({ severity: "warning" }) };
    expect(decideNotify(eased, ops(), unmuted, at(90), 300_000)).toEqual({ notify: "later", at: at(300) });
    expect(decideNotify(eased, ops(), unmuted, at(300), 300_000)).toEqual({ notify: "now", why: "severity", seq: 2 });
    // Muting and routing come first: a silenced alert is never told, held or not.
    expect(decideNotify(eased, ops(), { silencedBy: ["api-1"] }, at(90), 300_000)).toEqual({ notify: "never", why: "silenced" });
    expect(decideNotify(eased, ops({ severities: ["critical"] }), unmuted, at(90), 300_000)).toEqual({ notify: "never", why: "not routed" });
  });

  test("the first escalation to critical is told at once, whatever the hold", () => {
    const warned = alertRecord({ told: { ops: { at: at(0), severity: "warning", seq: 1, flushed: true, severityAt: at(0), heardCritical: false } } });
    const critical = { ...warned, finding: finding({ severity: "critical" }) };
    expect(decideNotify(critical, ops(), unmuted, at(5), 300_000)).toEqual({ notify: "now", why: "escalation", seq: 2 });
  });
});
