import type { AlertState } from "../../contracts/alert.ts";
import type { Finding } from "../../contracts/finding.ts";
import type { AlertRecord } from "./engine-state.ts";
import type { FlapDamping } from "./flap-damping.ts";
import { fingerprintOf, seriesKeyOf } from "./fingerprint.ts";
import { SEVERITY_RANK } from "./severity-rank.ts";

/** What the lifecycle needs to know (ms). */
export interface LifecycleSettings {
  agentName: string;
  environment: string;
  /** A finding must hold this long before its alert fires. */
  forMs: number;
  /** A resolved alert is forgotten this long after it resolved (flap detection counts across episodes until then). */
  flapWindowMs: number;
  hash: (text: string) => string;
}

/** A change of state one tick made to one alert. */
export interface LifecycleChange {
  alert: AlertRecord;
  from: AlertState | "inactive";
  to: AlertState | "inactive";
}

/**
 * The alert lifecycle: a finding starts an alert pending; it fires once its finding has held for
 * `for`; it resolves when its finding stops (unless flap damping holds it firing); a pending alert
 * whose finding stops never fired and goes away quietly; a resolved alert is forgotten after the flap
 * window. Several findings of one alert in a tick count as the strongest (most severe, then highest
 * score): the alert carries that finding and its severity.
 */
export interface Lifecycle {
  /** Moves the tracked alerts (changed in place) on the findings of the tick at `now`; returns the changes in order. */
  advance(alerts: Map<string, AlertRecord>, findings: readonly Finding[], now: number): LifecycleChange[];
}

/** Creates the lifecycle step; flap damping decides whether a firing alert whose finding stopped is held. */
export function createLifecycle(settings: LifecycleSettings, flap: FlapDamping): Lifecycle {
  const fingerprints = createFingerprints(settings.hash);
  return {
    advance(alerts, findings, now) {
      const changes: LifecycleChange[] = [];
      const change = (alert: AlertRecord, from: LifecycleChange["from"], to: LifecycleChange["to"]) => changes.push({ alert, from, to });
      const seen = strongestFindings(findings, fingerprints);

      // Alerts whose finding holds: start, advance from pending, or refresh.
      for (const [fp, f] of seen) {
        let a = alerts.get(fp);
        if (!a || a.state === "resolved") {
          const from = a ? "resolved" : "inactive";
          a = {
            fingerprint: fp,
            seriesKey: seriesKeyOf(f),
            labels: labelsOf(f, settings),
            finding: f,
            state: "pending",
            activeAt: now,
            // The last episode's end and changes stay: flap detection counts across episodes, and a
            // pending alert that never fires goes back to resolved rather than vanishing.
            ...(a?.resolvedAt !== undefined ? { resolvedAt: a.resolvedAt } : {}),
            changes: a?.changes ?? [],
            held: false,
            told: {},
          };
          alerts.set(fp, a);
          change(a, from, "pending");
        }
        a.finding = f;
        a.labels = labelsOf(f, settings);
        flap.heard(a);
        if (a.state === "pending" && now - a.activeAt >= settings.forMs) {
          a.state = "firing";
          a.firedAt = now;
          a.resolvedAt = undefined;
          flap.recordChange(a, now);
          change(a, "pending", "firing");
        }
      }

      // Alerts whose finding stopped: drop if pending, hold if flapping, else resolve; forget old ones.
      for (const a of alerts.values()) {
        if (seen.has(a.fingerprint)) continue;
        if (a.state === "pending") {
          // Never fired this episode: nothing was sent, nothing to resolve.
          if (a.resolvedAt !== undefined) a.state = "resolved";
          else alerts.delete(a.fingerprint);
          change(a, "pending", "inactive");
        } else if (a.state === "firing") {
          if (flap.holdsFiring(a, now)) continue;
          a.state = "resolved";
          a.resolvedAt = flap.resolvedAt(a, now);
          a.held = false;
          flap.recordChange(a, now);
          change(a, "firing", "resolved");
        } else if (a.resolvedAt !== undefined && now - a.resolvedAt >= settings.flapWindowMs) {
          alerts.delete(a.fingerprint);
        }
      }
      return changes;
    },
  };
}

/**
 * `fingerprintOf` with what it made kept by the finding's labels object: the findings of a series carry
 * the labels object the flattener interned for it, the same tick after tick, so an alert that holds
 * is not hashed again on every tick. (Kept weakly: labels of series that are gone take their entries.)
 */
function createFingerprints(hash: (text: string) => string): (f: Finding) => string {
  const byLabels = new WeakMap<Finding["labels"], Map<string, string>>();
  return (f) => {
    let known = byLabels.get(f.labels);
    if (!known) byLabels.set(f.labels, (known = new Map()));
    const name = `${f.type}\u0000${f.metric}`;
    let fp = known.get(name);
    if (fp === undefined) known.set(name, (fp = fingerprintOf(f, hash)));
    return fp;
  };
}

/** The findings of a tick, one per alert (by fingerprint): the most severe, then the highest score. */
function strongestFindings(findings: readonly Finding[], fingerprint: (f: Finding) => string): Map<string, Finding> {
  const seen = new Map<string, Finding>();
  for (const f of findings) {
    const fp = fingerprint(f);
    const prev = seen.get(fp);
    if (!prev || SEVERITY_RANK[f.severity] > SEVERITY_RANK[prev.severity] || (f.severity === prev.severity && f.score > prev.score)) {
      seen.set(fp, f);
    }
  }
  return seen;
}

/** The alert's labels: the series labels, then what identifies the alert (these win on a clash). */
function labelsOf(f: Finding, settings: Pick<LifecycleSettings, "agentName" | "environment">): Record<string, string> {
  return {
    ...f.labels,
    alertname: f.type,
    metric: f.metric,
    severity: f.severity,
    agent: settings.agentName,
    environment: settings.environment,
  };
}
