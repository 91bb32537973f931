import type { Route } from "../../../src/alert/channel-routing.ts";
import type { AlertRecord } from "../../../src/alert/engine/engine-state.ts";
import { fingerprintOf, seriesKeyOf } from "../../../src/alert/engine/fingerprint.ts";
import type { Finding } from "../../../src/contracts/finding.ts";
import { finding } from "../fixtures.ts";

/** 2026-01-10T08:00:00Z: seconds after it with `at`. */
export const T0 = Date.parse("2026-01-10T08:00:00Z");
export const at = (s: number): number => T0 + s * 1000;

/** A tracked alert as the lifecycle leaves it: firing since T0 on the given finding unless overridden. */
export function alertRecord(over: Partial<AlertRecord> & { finding?: Finding } = {}): AlertRecord {
  const f = over.finding ?? finding();
  return {
    fingerprint: fingerprintOf(f),
    seriesKey: seriesKeyOf(f),
    labels: { ...f.labels, alertname: f.type, metric: f.metric, severity: f.severity, agent: "host-a", environment: "test" },
    finding: f,
    state: "firing",
    activeAt: T0,
    firedAt: T0,
    changes: [T0],
    held: false,
    told: {},
    ...over,
  };
}

/** A channel's route: every severity and type, resolves sent, reminded hourly, unless overridden. */
export const route = (channel: string, over: Partial<Route> = {}): Route => ({
  channel,
  severities: ["warning", "critical"],
  types: [],
  sendResolved: true,
  repeatIntervalMs: 3_600_000,
  ...over,
});
