import type { AlertView } from "../contracts/alert.ts";
import type { Severity } from "../contracts/finding.ts";
import type { EventBus } from "../event-bus.ts";

/**
 * Tells the event stream when a tracked alert's severity changes without a change of state: a firing
 * warning that escalates to critical, or a critical that eases back to warning. The engine records
 * only changes of state (and notifies channels of an escalation itself), so without this every reader
 * of the stream (the TUI) would go on showing the severity the alert had when it last changed state.
 *
 * After each tick (its snapshot event), the engine's live alerts are compared with the last tick's; each
 * change of severity is published as an `alert` event whose `from` and `to` are the same state.
 * Returns the function that stops it.
 */
export function publishSeverityChanges(events: EventBus, alerts: (now: Date) => readonly AlertView[]): () => void {
  const last = new Map<string, Severity>();
  return events.subscribe((event) => {
    if (event.type !== "snapshot") return;
    const at = event.snapshot.timestamp;
    const changed: AlertView[] = [];
    const seen = new Set<string>();
    for (const alert of alerts(new Date(at))) {
      seen.add(alert.fingerprint);
      const before = last.get(alert.fingerprint);
      last.set(alert.fingerprint, alert.severity);
      if (before !== undefined && before !== alert.severity && alert.state !== "resolved") changed.push(alert);
    }
    for (const fingerprint of last.keys()) if (!seen.has(fingerprint)) last.delete(fingerprint);
    // After every listener has had the snapshot, so the stream's ids stay in order.
    if (changed.length > 0) {
      queueMicrotask(() => {
        for (const alert of changed) events.publish({ type: "alert", alert: { fingerprint: alert.fingerprint, from: alert.state, to: alert.state, at, alert } });
      });
    }
  });
}
