import { type Labels, seriesKey } from "../contracts/sample.ts";
import type { Finding, FindingEffect, RelatedSeries } from "../contracts/finding.ts";
import { isLearnedFinding } from "./practical-effect.ts";

/** What a series measures, for telling which deviations belong to one event. */
export type Resource = "cpu" | "memory" | "io" | "network";

/** A series' resource, and its device when it is one disk's or one interface's (none: host-wide). */
export interface ResourceOf {
  resource: Resource;
  device?: string;
}

/**
 * Which resource a series measures: CPU (usage, modes but iowait, load, CPU pressure, the cgroup's
 * CPU), memory (memory, swap, memory pressure, the cgroup's memory), I/O (a disk's bytes and busy
 * time, all disks', iowait, I/O pressure) or the network (an interface's traffic, errors and drops, all
 * interfaces'). Anything else (filesystems, sensors, processes, plugins) stands alone.
 */
export function resourceOf(metric: string, labels: Labels): ResourceOf | undefined {
  if (metric === "aiops_pressure_stalled_percent") {
    const r = labels.resource;
    return r === "cpu" || r === "memory" ? { resource: r } : r === "io" ? { resource: "io" } : undefined;
  }
  if (metric === "aiops_cpu_mode_percent") return { resource: labels.mode === "iowait" ? "io" : "cpu" };
  if (/^aiops_(cpu_usage_percent|load1|load5|load15|cgroup_cpu_usage_percent|cgroup_cpu_throttled_per_second)$/.test(metric)) return { resource: "cpu" };
  if (/^aiops_(memory|swap|cgroup_memory)_usage_percent$/.test(metric)) return { resource: "memory" };
  if (/^aiops_disk_total_/.test(metric) && /_per_second$|_busy_percent$/.test(metric)) return { resource: "io" };
  if (/^aiops_disk_(read_bytes|write_bytes|reads|writes)_per_second$|^aiops_disk_busy_percent$/.test(metric)) return device("io", labels);
  if (/^aiops_network_total_/.test(metric)) return { resource: "network" };
  if (/^aiops_network_/.test(metric)) return device("network", labels);
  return undefined;
}

function device(resource: Resource, labels: Labels): ResourceOf {
  return labels.device === undefined ? { resource } : { resource, device: labels.device };
}

/** Two series belong to one event: the same resource, and the same device unless one of them is host-wide. */
export function relates(a: ResourceOf, b: ResourceOf): boolean {
  return a.resource === b.resource && (a.device === undefined || b.device === undefined || a.device === b.device);
}

/**
 * Series no detector raises findings on but that tell what goes with one: the 1-minute load, and the
 * share of time some task stalled (PSI, over 10 s) on CPU, memory and I/O. Returns a short key of the
 * series (unique among them, cheaper than `seriesKey` on every tick), undefined for any other series.
 */
export function contextKey(metric: string, labels: Labels): string | undefined {
  if (metric === "aiops_load1") return "load1";
  if (metric !== "aiops_pressure_stalled_percent" || labels.kind !== "some" || labels.window !== "10s") return undefined;
  return `pressure:${labels.resource}`;
}

/** A series off its normal this tick by at least its family's minimum effect, finding or not. */
export interface Deviation {
  metric: string;
  labels: Labels;
  value: number;
  effect: FindingEffect;
}

/** Folds findings of one event together, tick after tick. */
export interface Correlator {
  /**
   * The findings of one tick with those of related series folded into one: the one that started first
   * (a threshold or forecast finding before a learned one at the same time) lists the others, and the
   * deviations of related series, in `related`. Threshold and forecast findings are never folded.
   */
  correlate(ts: number, findings: readonly Finding[], deviations: readonly Deviation[]): Finding[];
}

interface Item {
  finding: Finding;
  index: number;
  key: string;
  series: string;
  start: number;
  resource: ResourceOf | undefined;
}

/**
 * Creates a correlator: series of one resource (see `resourceOf`) whose findings start within
 * `windowMs` of each other, or that deviate within it, are one event, told by one finding. It keeps
 * when each holding finding started, so the same finding leads its event on every tick while it holds.
 */
export function createCorrelator(windowMs: number): Correlator {
  let starts = new Map<string, number>();
  return {
    correlate(ts, findings, deviations) {
      const next = new Map<string, number>();
      const items: Item[] = findings.map((finding, index) => {
        const series = seriesKey(finding.metric, finding.labels);
        const key = `${finding.type}|${series}`;
        const start = starts.get(key) ?? ts;
        next.set(key, start);
        return { finding, index, key, series, start, resource: resourceOf(finding.metric, finding.labels) };
      });
      starts = next;
      if (items.every((i) => i.resource === undefined)) return [...findings];

      const order = [...items].sort((a, b) => a.start - b.start || rank(a.finding) - rank(b.finding) || a.index - b.index);
      const folded = new Map<Item, Item[]>();
      for (const item of order) {
        if (item.resource && isLearnedFinding(item.finding)) {
          const lead = [...folded.keys()].find(
            (p) => p.resource !== undefined && p.series !== item.series && relates(p.resource, item.resource!) && item.start - p.start <= windowMs,
          );
          if (lead) {
            folded.get(lead)!.push(item);
            continue;
          }
        }
        folded.set(item, []);
      }

      const out: Finding[] = [];
      for (const item of items) {
        const members = folded.get(item);
        if (!members) continue;
        const related = relatedOf(item, members, deviations, windowMs);
        out.push(related.length > 0 ? { ...item.finding, related } : item.finding);
      }
      return out;
    },
  };
}

/** Configured findings lead an event that starts on the same tick. */
function rank(f: Finding): number {
  return isLearnedFinding(f) ? 1 : 0;
}

function relatedOf(lead: Item, members: readonly Item[], deviations: readonly Deviation[], windowMs: number): RelatedSeries[] {
  if (!lead.resource) return [];
  const out: RelatedSeries[] = [];
  const told = new Set([lead.series]);
  for (const m of members) {
    told.add(m.series);
    const f = m.finding;
    out.push({
      metric: f.metric,
      labels: f.labels,
      value: f.value,
      type: f.type,
      detector: f.detector,
      score: f.score,
      ...(f.effect ? { effect: f.effect } : {}),
      since: new Date(m.start).toISOString(),
    });
  }
  for (const d of deviations) {
    const r = resourceOf(d.metric, d.labels);
    if (!r || !relates(lead.resource, r)) continue;
    const key = seriesKey(d.metric, d.labels);
    if (told.has(key)) continue;
    if (Math.abs(Date.parse(d.effect.since) - lead.start) > windowMs) continue;
    told.add(key);
    out.push({ metric: d.metric, labels: d.labels, value: d.value, effect: d.effect, since: d.effect.since });
  }
  return out;
}
