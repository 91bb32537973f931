import { describe, expect, test } from "bun:test";
import { alertViewOf } from "../../../src/alert/engine/alert-view.ts";
import { alertRecord, at } from "./support.ts";

describe("alert view", () => {
  test("what the API shows of an alert: ISO times, why it is muted, whether it flaps, who was told", () => {
    const a = alertRecord({ activeAt: at(0), firedAt: at(30), told: { ops: { at: at(30), severity: "warning", seq: 1, flushed: true } } });
    const view = alertViewOf(a, { silencedBy: ["api-1"], inhibitedBy: "00ff" }, true);
    expect(view).toEqual({
      fingerprint: a.fingerprint,
      state: "firing",
      labels: a.labels,
      severity: "warning",
      finding: a.finding,
      activeAt: new Date(at(0)).toISOString(),
      firedAt: new Date(at(30)).toISOString(),
      silencedBy: ["api-1"],
      inhibitedBy: "00ff",
      flapping: true,
      notified: ["ops"],
    });
    // The API's JSON keeps this order.
    expect(Object.keys(view)).toEqual(["fingerprint", "state", "labels", "severity", "finding", "activeAt", "firedAt", "silencedBy", "inhibitedBy", "flapping", "notified"]);
  });

  test("times it does not have and an absent inhibitor are left out", () => {
    const view = alertViewOf(alertRecord({ state: "pending", firedAt: undefined }), { silencedBy: [] }, false);
    expect(Object.keys(view)).not.toContain("firedAt");
    expect(Object.keys(view)).not.toContain("resolvedAt");
    expect(Object.keys(view)).not.toContain("inhibitedBy");
  });
});
