import { ceilTo, HOUR_MS, MINUTE_MS } from "./buckets.ts";

/** Which data a history query reads: raw points, or the 1-minute or 1-hour roll-ups. */
export type Resolution = "raw" | "1m" | "1h";

/** Points per series a query without a step aims at (a graph's width). */
export const DEFAULT_POINTS = 720;

/** Most points per series a query may return; a smaller step is raised to fit (Prometheus' limit). */
export const MAX_POINTS = 11_000;

/** The data a query reads and its step in ms; a step of 0 returns raw points as stored. */
export interface ResolutionChoice {
  resolution: Resolution;
  step: number;
}

/**
 * Picks the coarsest data that still gives the step asked for, as Prometheus' downsampling does: a
 * step under a minute reads raw points (while the range is inside the raw window), under an hour the
 * 1-minute roll-ups, otherwise the 1-hour ones. The step is raised to a whole number of the data's
 * resolution and to at most MAX_POINTS per series. Without a step, the range is cut in about
 * DEFAULT_POINTS steps, except that raw data comes back point by point.
 */
export function chooseResolution(query: { from: number; to: number; step?: number }, now: number, rawRetentionMs: number): ResolutionChoice {
  const { from, to, step } = query;
  if (!Number.isFinite(from) || !Number.isFinite(to) || to < from) throw new RangeError(`query: expected from <= to, got ${from} and ${to}`);
  if (step !== undefined && !(step > 0)) throw new RangeError(`query: expected a step above 0, got ${step}`);
  const range = Math.max(to - from, 1);
  const wanted = Math.max(step ?? range / DEFAULT_POINTS, range / MAX_POINTS);
  if (wanted < MINUTE_MS && from >= now - rawRetentionMs) {
    return { resolution: "raw", step: step === undefined ? 0 : Math.ceil(wanted) };
  }
  if (wanted < HOUR_MS) return { resolution: "1m", step: ceilTo(wanted, MINUTE_MS) };
  return { resolution: "1h", step: ceilTo(wanted, HOUR_MS) };
}
