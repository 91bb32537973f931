import { describe, expect, test } from "bun:test";
import { inhibitionOf } from "../../../src/alert/engine/inhibition.ts";
import { isMuted, muteOf } from "../../../src/alert/engine/mute.ts";
import { Silences } from "../../../src/alert/silences.ts";
import { finding } from "../fixtures.ts";
import { alertRecord, at } from "./support.ts";

const disk = alertRecord({ finding: finding({ type: "disk_full", metric: "aiops_disk_used_percent", labels: { mountpoint: "/" } }) });
const critical = alertRecord({ finding: finding({ severity: "critical" }) });
const anomaly = alertRecord({ finding: finding({ type: "cpu_usage_anomaly", detector: "ewma" }) });

describe("mute", () => {
  test("an alert matching an active silence is muted by it, only while the silence lasts", () => {
    const silences = new Silences([{ matchers: ["alertname=~disk_.*", "mountpoint=/"], startsAt: at(0), endsAt: at(100) }]);
    const none = inhibitionOf([], true);
    expect(muteOf(disk, at(10), silences, none)).toEqual({ silencedBy: ["config-0"], inhibitedBy: undefined });
    expect(isMuted(muteOf(disk, at(10), silences, none))).toBe(true);
    expect(isMuted(muteOf(disk, at(100), silences, none))).toBe(false);
    expect(isMuted(muteOf(critical, at(10), silences, none))).toBe(false);
  });

  test("an inhibited alert is muted by the critical alert hiding it; a silenced and inhibited one names both", () => {
    const silences = new Silences([{ matchers: ["alertname=cpu_usage_anomaly"], startsAt: at(0), endsAt: at(100) }]);
    const inhibition = inhibitionOf([critical, anomaly], true);
    expect(muteOf(anomaly, at(10), new Silences(), inhibition)).toEqual({ silencedBy: [], inhibitedBy: critical.fingerprint });
    expect(muteOf(anomaly, at(10), silences, inhibition)).toEqual({ silencedBy: ["config-0"], inhibitedBy: critical.fingerprint });
  });

  test("isMuted reads an AlertView as well (what actions on alerts check)", () => {
    expect(isMuted({ silencedBy: [] })).toBe(false);
    expect(isMuted({ silencedBy: [], inhibitedBy: "0123456789abcdef" })).toBe(true);
    expect(isMuted({ silencedBy: ["api-1"] })).toBe(true);
  });
});
