import { closeSync, openSync, readFileSync, writeSync } from "node:fs";
import { SERIES, type SeriesDetection } from "../collect/series.ts";
import type { Config } from "../config/schema.ts";
import { DETECTOR_NAMES, type DetectorName, createEnsemble } from "./ensemble.ts";

/** Somewhere replay writes its CSV: a path, or anything with `write` (stdout, a test's collector). */
export type ReplayOutput = string | { write(chunk: string): unknown };

export interface ReplayOptions {
  /** CSV of `timestamp,value` (a header row is optional; columns are found by name when there is one). */
  input: string;
  /** Where `timestamp,value,anomaly_score` goes; nothing is written without it. */
  output?: ReplayOutput;
  /** `ensemble` (default), `statistical`, `contextual`, `threshold` or `forecast`. */
  detector?: DetectorName;
  /**
   * A metric of the Series table the values are (e.g. `aiops_disk_usage_percent`), so its thresholds and
   * forecast apply; without it the values are a plain series and only the learned detectors (statistical,
   * contextual) apply.
   */
  metric?: string;
  config: Config;
  /** Told about each bad row (with its line number) and anything else skipped. */
  warn(message: string): void;
}

/** What a replay did. */
export interface ReplayCounts {
  /** Rows read and written, one output row each (including missing values and bad rows). */
  rows: number;
  /** Rows with an empty or NaN value: written, scored 0, and a gap to the detectors. */
  missing: number;
  /** Bad rows: reported, written with score 0, and not given to the detectors. */
  skipped: number;
  /** Rows on which at least one finding held. */
  findings: number;
}

/** Bad rows reported one by one; past this, only counted and summed up at the end. */
const MAX_ROW_WARNINGS = 100;
/** Output is written in chunks of about this many characters. */
const CHUNK = 1 << 16;

/**
 * Runs the agent's own detector code over a CSV of `timestamp,value`, as fast as it can, and writes
 * `timestamp,value,anomaly_score`: exactly one output row per input row, in the same order, so the
 * output lines up with the input row for row (scorers such as NAB's pair them by position).
 * Timestamps may be `2014-04-01 00:00:00` (UTC, as in NAB), ISO-8601 (UTC unless a zone is given) or
 * epoch seconds (numbers above 1e11 are read as milliseconds). A row that cannot be used (an unreadable
 * time or value, a missing column, a time earlier than the row before) is reported with its line
 * number, written as it came with score 0, and not given to the detectors: never silently.
 */
export function replay(options: ReplayOptions): ReplayCounts {
  const detector = options.detector ?? "ensemble";
  if (!DETECTOR_NAMES.includes(detector)) throw new Error(`unknown detector ${detector}; expected one of ${DETECTOR_NAMES.join(", ")}`);
  const detect = detectionFor(options.metric);
  const ensemble = createEnsemble(
    { metric: options.metric ?? "value", labels: {}, detect, only: detector },
    options.config,
  );

  let text: string;
  try {
    text = readFileSync(options.input, "utf8");
  } catch (cause) {
    throw new Error(`read ${options.input}`, { cause });
  }

  const sink = openOutput(options.output);
  const counts: ReplayCounts = { rows: 0, missing: 0, skipped: 0, findings: 0 };
  let buffer = sink ? "timestamp,value,anomaly_score\n" : "";
  let timeColumn = 0;
  let valueColumn = 1;
  let lastTs = Number.NEGATIVE_INFINITY;
  let lineNo = 0;
  let first = true;
  const write = (tsText: string, valueText: string, score: number) => {
    if (!sink) return;
    buffer += `${tsText},${valueText},${score}\n`;
    if (buffer.length >= CHUNK) {
      sink.write(buffer);
      buffer = "";
    }
  };
  const bad = (reason: string, line: string, tsText: string, valueText: string) => {
    counts.skipped++;
    counts.rows++;
    if (counts.skipped <= MAX_ROW_WARNINGS) options.warn(`${options.input}:${lineNo}: ${reason}, row scored 0: ${line.slice(0, 80)}`);
    write(tsText, valueText, 0);
  };

  try {
    let start = 0;
    while (start < text.length) {
      let end = text.indexOf("\n", start);
      if (end < 0) end = text.length;
      let line = text.slice(start, end);
      start = end + 1;
      lineNo++;
      if (line.endsWith("\r")) line = line.slice(0, -1);
      if (line.trim() === "") continue;
      const fields = line.split(",").map(unquote);
      if (first) {
        first = false;
        if (parseTimestamp(fields[0] ?? "") === undefined) {
          // A header: find the columns by name, falling back to the first two.
          const names = fields.map((f) => f.toLowerCase());
          const t = names.indexOf("timestamp");
          const v = names.indexOf("value");
          timeColumn = t >= 0 ? t : 0;
          valueColumn = v >= 0 ? v : timeColumn === 0 ? 1 : 0;
          continue;
        }
      }
      const tsText = fields[timeColumn];
      const valueText = fields[valueColumn];
      if (tsText === undefined || valueText === undefined) {
        bad(`expected ${Math.max(timeColumn, valueColumn) + 1} columns, got ${fields.length}`, line, tsText ?? "", valueText ?? "");
        continue;
      }
      const ts = parseTimestamp(tsText);
      if (ts === undefined) {
        bad(`cannot read the timestamp ${JSON.stringify(tsText)}`, line, tsText, valueText);
        continue;
      }
      if (ts < lastTs) {
        bad("timestamp earlier than the row before", line, tsText, valueText);
        continue;
      }
      const value = parseValue(valueText);
      if (value === undefined) {
        bad(`cannot read the value ${JSON.stringify(valueText)}`, line, tsText, valueText);
        continue;
      }
      lastTs = ts;
      counts.rows++;
      if (Number.isNaN(value)) counts.missing++;
      const r = ensemble.update(ts, value);
      if (r.findings.length > 0) counts.findings++;
      write(tsText, valueText, r.score);
    }
    if (sink && buffer.length > 0) sink.write(buffer);
  } finally {
    sink?.close();
  }
  if (counts.skipped > MAX_ROW_WARNINGS) options.warn(`${options.input}: ${counts.skipped - MAX_ROW_WARNINGS} more bad rows scored 0`);
  if (counts.skipped > 0) options.warn(`${options.input}: ${counts.skipped} bad row(s) of ${counts.rows} scored 0 and not given to the detectors`);
  return counts;
}

/** What replay runs for `metric`: its Series table rules, or learning only for a plain series. */
function detectionFor(metric: string | undefined): SeriesDetection {
  if (metric === undefined) return { statistical: true };
  const def = SERIES.find((d) => d.metric === metric);
  if (!def) throw new Error(`unknown metric ${metric}; expected a metric of the Series table`);
  if (!def.detect) throw new Error(`metric ${metric} is not watched by any detector`);
  return def.detect;
}

function openOutput(output: ReplayOutput | undefined): { write(chunk: string): void; close(): void } | undefined {
  if (output === undefined) return undefined;
  if (typeof output !== "string") return { write: (chunk) => void output.write(chunk), close: () => {} };
  let fd: number;
  try {
    fd = openSync(output, "w");
  } catch (cause) {
    throw new Error(`write ${output}`, { cause });
  }
  return { write: (chunk) => void writeSync(fd, chunk), close: () => closeSync(fd) };
}

function unquote(field: string): string {
  const f = field.trim();
  return f.length >= 2 && f.startsWith('"') && f.endsWith('"') ? f.slice(1, -1) : f;
}

const DATE_TIME = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2})?)(\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;

/**
 * Milliseconds since the epoch of `2014-04-01 00:00:00`, an ISO-8601 time (UTC unless it names a zone)
 * or epoch seconds (above 1e11, milliseconds); undefined when it is none of them.
 */
export function parseTimestamp(text: string): number | undefined {
  const s = text.trim();
  if (/^\d+(\.\d+)?$/.test(s)) {
    const n = Number(s);
    return n > 1e11 ? n : n * 1000;
  }
  const m = DATE_TIME.exec(s);
  if (!m) return undefined;
  const [, date, time, fraction, zone] = m;
  const ms = fraction ? `.${fraction.slice(1, 4).padEnd(3, "0")}` : "";
  const iso = `${date}T${time ?? "00:00"}${time && time.length === 5 ? ":00" : ""}${ms}${zone ? normaliseZone(zone) : "Z"}`;
  const ts = Date.parse(iso);
  return Number.isFinite(ts) ? ts : undefined;
}

function normaliseZone(zone: string): string {
  if (zone.toUpperCase() === "Z") return "Z";
  return zone.includes(":") ? zone : `${zone.slice(0, 3)}:${zone.slice(3)}`;
}

/** A number; NaN for a missing value (empty, `NaN`, `null`); undefined when it is not a number. */
function parseValue(text: string): number | undefined {
  const s = text.trim();
  if (s === "" || /^(nan|null|none)$/i.test(s)) return Number.NaN;
  const n = Number(s);
  return Number.isFinite(n) ? n : undefined;
}
