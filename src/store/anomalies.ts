import type { Database, SQLQueryBindings } from "bun:sqlite";
import { type Labels, seriesKey } from "../contracts/sample.ts";
import type { Finding, FindingEffect, RelatedSeries, Severity } from "../contracts/finding.ts";
import { filterBy, listPage, type Page, type PageRequest } from "./page.ts";

/** A recorded Finding and its row id. */
export interface AnomalyRecord extends Finding {
  id: number;
}

/** Filters of the anomaly listing; times in ms, inclusive. */
export interface AnomalyFilter extends PageRequest {
  from?: number;
  to?: number;
  type?: string;
  severity?: Severity;
  metric?: string;
  detector?: string;
  /** `seriesKey(metric, labels)` of one series. */
  seriesKey?: string;
}

interface AnomalyRow {
  id: number;
  ts: number;
  type: string;
  severity: Severity;
  message: string;
  value: number | null;
  threshold: number | null;
  metric: string;
  labels: string;
  series_key: string;
  detector: string;
  score: number;
  effect: string | null;
  related: string | null;
}

const finite = (n: number): number | null => (Number.isFinite(n) ? n : null);

/** Records findings (call inside a transaction to record a tick's findings at once); returns how many. */
export function recordAnomalies(db: Database, findings: readonly Finding[]): number {
  const insert = db.query<unknown, SQLQueryBindings[]>(
    `INSERT INTO anomalies (ts, type, severity, message, value, threshold, metric, labels, series_key, detector, score, effect, related)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  for (const f of findings) {
    const ts = Date.parse(f.timestamp);
    if (!Number.isFinite(ts)) throw new Error(`record anomaly: invalid timestamp ${JSON.stringify(f.timestamp)} of ${f.type}`);
    insert.run(
      ts,
      f.type,
      f.severity,
      f.message,
      finite(f.value),
      finite(f.threshold),
      f.metric,
      JSON.stringify(f.labels),
      seriesKey(f.metric, f.labels),
      f.detector,
      finite(f.score) ?? 0,
      f.effect ? JSON.stringify(f.effect) : null,
      f.related && f.related.length > 0 ? JSON.stringify(f.related) : null,
    );
  }
  return findings.length;
}

/** Recorded anomalies, newest first. */
export function listAnomalies(db: Database, filter: AnomalyFilter = {}): Page<AnomalyRecord> {
  const where: string[] = [];
  const params: SQLQueryBindings[] = [];
  filterBy(where, params, "ts", ">=", filter.from);
  filterBy(where, params, "ts", "<=", filter.to);
  filterBy(where, params, "type", "=", filter.type);
  filterBy(where, params, "severity", "=", filter.severity);
  filterBy(where, params, "metric", "=", filter.metric);
  filterBy(where, params, "detector", "=", filter.detector);
  filterBy(where, params, "series_key", "=", filter.seriesKey);
  return listPage<AnomalyRow, AnomalyRecord>(
    db,
    {
      table: "anomalies",
      sort: "ts",
      where,
      params,
      map: (r) => ({
        id: r.id,
        type: r.type,
        severity: r.severity,
        message: r.message,
        value: r.value ?? Number.NaN,
        threshold: r.threshold ?? Number.NaN,
        metric: r.metric,
        labels: JSON.parse(r.labels) as Labels,
        detector: r.detector,
        score: r.score,
        timestamp: new Date(r.ts).toISOString(),
        ...(r.effect !== null ? { effect: JSON.parse(r.effect) as FindingEffect } : {}),
        ...(r.related !== null ? { related: JSON.parse(r.related) as RelatedSeries[] } : {}),
      }),
    },
    filter,
  );
}
