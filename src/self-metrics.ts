import type { Labels } from "./contracts/sample.ts";

/** One exported sample of a self metric; `suffix` is `_bucket`, `_sum` or `_count` for histograms and summaries. */
export interface SelfSample {
  labels: Labels;
  value: number;
  suffix?: string;
}

/** A metric family about the agent itself, as `/metrics` renders it. */
export interface SelfFamily {
  name: string;
  help: string;
  type: "counter" | "gauge" | "histogram" | "summary";
  samples(): SelfSample[];
}

/** Identity of a label set; callers pass labels in a fixed order, so no sorting is needed. */
function keyOf(labels: Labels): string {
  let key = "";
  for (const name in labels) key += `${name}\u0000${labels[name]}\u0001`;
  return key;
}

/**
 * One value per label set, or values read at scrape time instead (`read`: what the kernel or another
 * part already keeps, such as CPU seconds or the outbox depth). What counters and gauges share.
 */
abstract class LabelledValues {
  protected readonly values = new Map<string, { labels: Labels; value: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
    private readonly read?: () => SelfSample[],
  ) {}
  samples(): SelfSample[] {
    return this.read ? this.read() : [...this.values.values()].map(({ labels, value }) => ({ labels, value }));
  }
}

export class Counter extends LabelledValues implements SelfFamily {
  readonly type = "counter";
  inc(labels: Labels = {}, by = 1): void {
    const key = keyOf(labels);
    const entry = this.values.get(key);
    if (entry) entry.value += by;
    else this.values.set(key, { labels, value: by });
  }
  get(labels: Labels = {}): number {
    return this.values.get(keyOf(labels))?.value ?? 0;
  }
}

export class Gauge extends LabelledValues implements SelfFamily {
  readonly type = "gauge";
  set(labels: Labels, value: number): void {
    this.values.set(keyOf(labels), { labels, value });
  }
  /** `set` for one label set, its key made once: for a caller that sets it on every tick. */
  setter(labels: Labels): (value: number) => void {
    const key = keyOf(labels);
    return (value) => {
      const entry = this.values.get(key);
      if (entry) entry.value = value;
      else this.values.set(key, { labels, value });
    };
  }
  get(labels: Labels = {}): number | undefined {
    return this.values.get(keyOf(labels))?.value;
  }
}

export class Histogram implements SelfFamily {
  readonly type = "histogram";
  private readonly counts: number[];
  private sum = 0;
  private count = 0;
  constructor(
    readonly name: string,
    readonly help: string,
    readonly buckets: readonly number[],
  ) {
    this.counts = buckets.map(() => 0);
  }
  observe(value: number): void {
    this.sum += value;
    this.count++;
    for (let i = 0; i < this.buckets.length; i++) if (value <= this.buckets[i]!) this.counts[i]!++;
  }
  samples(): SelfSample[] {
    const out: SelfSample[] = this.buckets.map((le, i) => ({ labels: { le: String(le) }, value: this.counts[i]!, suffix: "_bucket" }));
    out.push({ labels: { le: "+Inf" }, value: this.count, suffix: "_bucket" });
    out.push({ labels: {}, value: this.sum, suffix: "_sum" });
    out.push({ labels: {}, value: this.count, suffix: "_count" });
    return out;
  }
}

/**
 * Sums and counts of observations by label set: a summary without quantiles. What a share needs
 * (`rate(x_sum[5m])` by label over the total) and a mean, at two samples per label set.
 */
export class Summary implements SelfFamily {
  readonly type = "summary";
  private readonly values = new Map<string, { labels: Labels; sum: number; count: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}
  observe(labels: Labels, value: number): void {
    const key = keyOf(labels);
    const entry = this.values.get(key);
    if (entry) {
      entry.sum += value;
      entry.count++;
    } else this.values.set(key, { labels, sum: value, count: 1 });
  }
  /** `observe` for one label set, its key made once: for a caller that observes it on every tick. */
  observer(labels: Labels): (value: number) => void {
    const key = keyOf(labels);
    return (value) => {
      const entry = this.values.get(key);
      if (entry) {
        entry.sum += value;
        entry.count++;
      } else this.values.set(key, { labels, sum: value, count: 1 });
    };
  }
  samples(): SelfSample[] {
    const out: SelfSample[] = [];
    for (const { labels, sum, count } of this.values.values()) {
      out.push({ labels, value: sum, suffix: "_sum" }, { labels, value: count, suffix: "_count" });
    }
    return out;
  }
}

/**
 * Metrics about the agent itself (ticks, collector errors, deliveries...). Every stage registers what it
 * counts here once, at construction; `/metrics` renders all of them after the host series.
 */
export class SelfMetrics {
  private readonly families = new Map<string, SelfFamily>();

  counter(name: string, help: string, read?: () => SelfSample[]): Counter {
    return this.register(new Counter(name, help, read));
  }
  gauge(name: string, help: string, read?: () => SelfSample[]): Gauge {
    return this.register(new Gauge(name, help, read));
  }
  histogram(name: string, help: string, buckets: readonly number[]): Histogram {
    return this.register(new Histogram(name, help, buckets));
  }
  summary(name: string, help: string): Summary {
    return this.register(new Summary(name, help));
  }

  /** Registering the same name twice returns the first (a reload rebuilds stages, not their counts). */
  private register<T extends SelfFamily>(family: T): T {
    const existing = this.families.get(family.name);
    if (existing) {
      if (existing.type !== family.type) throw new Error(`self metric ${family.name} registered as ${existing.type} and ${family.type}`);
      return existing as T;
    }
    this.families.set(family.name, family);
    return family;
  }

  all(): SelfFamily[] {
    return [...this.families.values()];
  }
}
