import { expect, test } from "bun:test";
import type { AlertChange, AlertView } from "../../src/contracts/alert.ts";
import type { Severity } from "../../src/contracts/finding.ts";
import { ManualClock } from "../../src/clock.ts";
import { EventBus } from "../../src/event-bus.ts";
import { publishSeverityChanges } from "../../src/alert/severity-changes.ts";
import { SNAPSHOT } from "../server/support.ts";
import { finding } from "../support/findings.ts";

function alert(severity: Severity, state: AlertView["state"] = "firing"): AlertView {
  return {
    fingerprint: "fp-cpu",
    state,
    labels: { alertname: "cpu_high" },
    severity,
    finding: finding({ severity }),
    activeAt: "2026-11-26T17:00:00.000Z",
    silencedBy: [],
    flapping: false,
    notified: [],
  };
}

test("an escalation and a de-escalation of a firing alert reach the event stream, after the tick's snapshot", async () => {
  const events = new EventBus(new ManualClock());
  let live: AlertView[] = [];
  const stop = publishSeverityChanges(events, () => live);
  const seen: Array<{ type: string; id: number; alert?: AlertChange }> = [];
  events.subscribe((e) => seen.push({ type: e.type, id: e.id, ...(e.type === "alert" ? { alert: e.alert } : {}) }));
  const tick = async (timestamp: string) => {
    events.publish({ type: "snapshot", snapshot: { ...SNAPSHOT, timestamp } });
    await Promise.resolve();
  };

  live = [alert("warning")];
  await tick("2026-11-26T17:00:01.000Z");
  live = [alert("warning")];
  await tick("2026-11-26T17:00:02.000Z");
  expect(seen.map((e) => e.type)).toEqual(["snapshot", "snapshot"]);

  live = [alert("critical")];
  await tick("2026-11-26T17:00:03.000Z");
  live = [alert("warning")];
  await tick("2026-11-26T17:00:04.000Z");
  const changes = seen.filter((e) => e.type === "alert");
  expect(changes.map((e) => [e.alert!.from, e.alert!.to, e.alert!.alert.severity, e.alert!.at])).toEqual([
    ["firing", "firing", "critical", "2026-11-26T17:00:03.000Z"],
    ["firing", "firing", "warning", "2026-11-26T17:00:04.000Z"],
  ]);
  // Each change follows the snapshot of its tick, with the next id.
  expect(seen.map((e) => e.id)).toEqual([...seen.map((e) => e.id)].sort((a, b) => a - b));

  // A resolved alert, or one no longer tracked, says nothing more; stopping stops it.
  live = [alert("critical", "resolved")];
  await tick("2026-11-26T17:00:05.000Z");
  live = [];
  await tick("2026-11-26T17:00:06.000Z");
  stop();
  live = [alert("critical")];
  await tick("2026-11-26T17:00:07.000Z");
  live = [alert("warning")];
  await tick("2026-11-26T17:00:08.000Z");
  expect(seen.filter((e) => e.type === "alert")).toHaveLength(2);
});
