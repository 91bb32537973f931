import { describe, expect, test } from "bun:test";
import type { Route } from "../../../src/alert/channel-routing.ts";
import { decideNotify } from "../../../src/alert/engine/notify-decision.ts";
import { finding } from "../fixtures.ts";
import { alertRecord, at, route } from "./support.ts";

const ops = (over: Partial<Route> = {}): Route => route("ops", { repeatIntervalMs: 60_000, ...over });
const unmuted = { silencedBy: [] };

describe("the notify decision", () => {
  test("now for a routed, unmuted alert the channel has not heard", () => {
    expect(decideNotify(alertRecord(), ops(), unmuted, at(0))).toEqual({ notify: "now", why: "first", seq: 1 });
  });

  test("never while silenced or inhibited, naming why (silences first)", () => {
    expect(decideNotify(alertRecord(), ops(), { silencedBy: ["api-1"], inhibitedBy: "f" }, at(0))).toEqual({ notify: "never", why: "silenced" });
    expect(decideNotify(alertRecord(), ops(), { silencedBy: [], inhibitedBy: "f" }, at(0))).toEqual({ notify: "never", why: "inhibited" });
  });

  test("never for a channel whose route does not take the alert's severity or type", () => {
    expect(decideNotify(alertRecord(), ops({ severities: ["critical"] }), unmuted, at(0))).toEqual({ notify: "never", why: "not routed" });
    expect(decideNotify(alertRecord(), ops({ types: ["disk_full"] }), unmuted, at(0))).toEqual({ notify: "never", why: "not routed" });
    const disk = alertRecord({ finding: finding({ type: "disk_full", severity: "critical" }) });
    expect(decideNotify(disk, ops({ severities: ["critical"], types: ["disk_full"] }), unmuted, at(0)).notify).toBe("now");
  });

  test("later when the channel was told within its repeat interval", () => {
    const told = alertRecord({ told: { ops: { at: at(0), severity: "warning", seq: 1, flushed: true } } });
    expect(decideNotify(told, ops(), unmuted, at(30))).toEqual({ notify: "later", at: at(60) });
    // Each channel keeps its own account.
    expect(decideNotify(told, ops({ channel: "pager" }), unmuted, at(30))).toEqual({ notify: "now", why: "first", seq: 1 });
  });
});
