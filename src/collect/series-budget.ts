import type { SeriesId } from "./series-keys.ts";

/** `collect.max_series`: most series kept, in total and from any one collector. */
export interface SeriesLimits {
  total: number;
  per_collector: number;
}

/** A series met for the first time, waiting for a place. */
export interface SeriesCandidate {
  id: SeriesId;
  collector: string;
  /** The host's core series (CPU, memory, load, the root filesystem): always kept. */
  core: boolean;
  /** Where its collector stands in the Series table: collectors earlier in it are served first. */
  rank: number;
}

/**
 * Decides which series are kept under `collect.max_series`, and writes it on each series (`place`). A series is decided once, when it first
 * appears, and keeps its place (or stays left out) for as long as it is seen, so the same series go
 * from tick to tick; only when kept series disappear are the left-out ones weighed again. When many
 * appear at once (the first tick, a burst of interfaces), they are served by collector in the table's
 * order, then by labels (all the metrics of one interface or mount together), so which ones go does
 * not depend on the order the kernel listed them. Core series are always kept and take no place: the
 * limits bound what the host's shape adds beyond them (interfaces, mounts, devices, containers).
 */
export class SeriesBudget {
  /** Every series kept, core or not, and its collector. */
  private readonly kept = new Map<SeriesId, { collector: string; core: boolean }>();
  /** Series left out, and their collector. */
  private readonly left = new Map<SeriesId, string>();
  /** Places taken (series kept but the core ones), by collector and in all. */
  private readonly used = new Map<string, number>();
  private usedTotal = 0;
  private readonly keptCount = new Map<string, number>();

  constructor(private limits: SeriesLimits) {}

  /** New limits (a reload): the series already decided are weighed again on their next appearance. */
  setLimits(limits: SeriesLimits): void {
    if (limits.total === this.limits.total && limits.per_collector === this.limits.per_collector) return;
    this.limits = limits;
    for (const id of this.kept.keys()) id.place = undefined;
    for (const id of this.left.keys()) id.place = undefined;
    this.kept.clear();
    this.left.clear();
    this.used.clear();
    this.keptCount.clear();
    this.usedTotal = 0;
  }

  /** Places new series, in a stable order; those that find none are left out until a place frees. */
  admit(candidates: SeriesCandidate[]): void {
    candidates.sort(byPlace);
    for (const c of candidates) {
      const used = this.used.get(c.collector) ?? 0;
      if (c.core || (used < this.limits.per_collector && this.usedTotal < this.limits.total)) {
        this.kept.set(c.id, { collector: c.collector, core: c.core });
        c.id.place = true;
        this.keptCount.set(c.collector, (this.keptCount.get(c.collector) ?? 0) + 1);
        if (c.core) continue;
        this.used.set(c.collector, used + 1);
        this.usedTotal++;
      } else {
        this.left.set(c.id, c.collector);
        c.id.place = false;
      }
    }
  }

  /** Series gone from the host: their places free, and every left-out series is weighed again when next seen. */
  release(gone: readonly SeriesId[]): void {
    let freed = false;
    for (const id of gone) {
      id.place = undefined;
      this.left.delete(id);
      const place = this.kept.get(id);
      if (place === undefined) continue;
      this.kept.delete(id);
      this.keptCount.set(place.collector, (this.keptCount.get(place.collector) ?? 1) - 1);
      if (place.core) continue;
      this.used.set(place.collector, (this.used.get(place.collector) ?? 1) - 1);
      this.usedTotal--;
      freed = true;
    }
    if (!freed) return;
    for (const id of this.left.keys()) id.place = undefined;
    this.left.clear();
  }

  /** Series kept now (core ones included), by collector. */
  keptBy(collector: string): number {
    return this.keptCount.get(collector) ?? 0;
  }

  get current(): SeriesLimits {
    return this.limits;
  }
}

function byPlace(a: SeriesCandidate, b: SeriesCandidate): number {
  if (a.core !== b.core) return a.core ? -1 : 1;
  if (a.rank !== b.rank) return a.rank - b.rank;
  const la = labelPart(a.id);
  const lb = labelPart(b.id);
  if (la !== lb) return la < lb ? -1 : 1;
  return a.id.key < b.id.key ? -1 : a.id.key > b.id.key ? 1 : 0;
}

/** `{device="eth0"}` of `aiops_network_receive_bytes_per_second{device="eth0"}`: what groups one interface's metrics. */
function labelPart(id: SeriesId): string {
  return id.key.slice(id.metric.length);
}
