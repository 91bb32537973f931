/** Bins per doubling of (1 + value), and bins in all: values up to 2^(160/6) − 1 ≈ 1e8 are binned. */
const BINS_PER_DOUBLING = 6;
const BINS = 160;
/** Points between refreshes of the cached tail sums: the reference is lagged by up to this many points. */
const REFRESH = 32;
/** Points the window needs before its tail is extrapolated past the largest value. */
const MIN_POINTS_TO_EXTRAPOLATE = 100;
/** Weights are renormalised before they overflow. */
const RENORMALISE_AT = 1e150;

/** The quantiles a refresh reads, rarest first; and where it reads them into (one array for every tail). */
const TAIL_SHARES = [0.999, 0.99, 0.9] as const;
const QUANTILES_FOUND = new Float64Array(TAIL_SHARES.length);

/** JSON form of an EmpiricalTail. */
export interface EmpiricalTailState {
  counts: number[];
  total: number;
  weight: number;
}

/**
 * A series' own distribution of one kind of evidence (a non-negative number, bigger is stranger), over a
 * bounded, exponentially fading window, and the conformal p-value of a new value against it: the share of
 * that window at least as extreme, counting the new value itself, so the smallest p-value the window
 * gives is 1 / (points in it + 1). Beyond the window's 99.9th percentile (a robust quantile: a few
 * spikes above it do not move it) the tail is extrapolated as an exponential, as slow as the window's
 * own tail falls from its 90th to its 99th or from its 99th to its 99.9th percentile, whichever is
 * slower: heavy tails stay heavy, and a flat history (all equal) makes any departure from it certain.
 * A value the window holds at least `recurring` points at or above (older ones counted at their faded
 * weight) is not extrapolated: it has happened, and the window's own count says how often. With
 * `recurring` at least 1, one spike alone never counts (its weight fades below a new point's), so it
 * still cannot hide a later one.
 *
 * Values are kept in log-spaced bins (fixed memory, 160 numbers), and p-values are read from sums
 * refreshed every 32 points: the reference is lagged, so a point, and the points just before it, are
 * never judged against themselves. O(1) per point.
 */
export class EmpiricalTail {
  private readonly counts = new Float64Array(BINS);
  /** Weighted count of the window. */
  private total = 0;
  /** Weight of the next value: it grows instead of old weights shrinking. */
  private weight = 1;
  private readonly growth: number;
  /** Cached: weight strictly above each bin, the window's total and weight, and two quantiles. */
  private readonly above = new Float64Array(BINS);
  private cachedTotal = 0;
  private cachedWeight = 1;
  /** Exponential tail beyond the 99.9th percentile: where it starts and its scale (0: nothing beyond, -1: not yet known). */
  private largest = 0;
  private tailScale = 0;
  private sinceRefresh = REFRESH;
  /**
   * Highest bin that ever held weight (-1: none). Above it every count and every cached sum is 0, so a
   * refresh starts there: evidence sits in a few dozen of the 160 bins, and the refresh, every 32 points
   * of every tail, was most of the tail's cost.
   */
  private top = -1;

  /**
   * `horizon`: points after which a value's weight has faded to 1/e; `recurring`: points at or above a
   * value past the 99.9th percentile from which the window's count is its p-value (never: always extrapolated).
   */
  constructor(
    horizon: number,
    private readonly recurring = Number.POSITIVE_INFINITY,
  ) {
    this.growth = 1 / (1 - 1 / horizon);
  }

  /** Where `value` falls on the bins' scale (pass it to `pValue` and `add`: computed once per point). */
  static position(value: number): number {
    return value > 0 ? BINS_PER_DOUBLING * Math.log2(1 + value) : 0;
  }

  /** Conformal p-value of `value` (at `position`) against the window (1 while the window is empty). */
  pValue(value: number, position = EmpiricalTail.position(value)): number {
    if (this.sinceRefresh >= REFRESH) this.refresh();
    if (this.cachedTotal === 0) return 1;
    const bin = Math.min(BINS - 1, Math.floor(position));
    // Within a bin, values are taken as spread evenly (in log space).
    const inBin = this.counts[bin]! * (bin === BINS - 1 ? 1 : 1 - (position - bin));
    const above = this.above[bin]! + inBin;
    const w = this.cachedWeight;
    // The bin's own count is live while the sums are cached: a bin that took every point since the last
    // refresh could make the share exceed 1.
    const p = Math.min(1, (above + w) / (this.cachedTotal + w));
    // Within the robust 99.9th percentile, or past it at a value the window has seen recur: its own count.
    if (value <= this.largest || this.tailScale < 0 || above >= this.recurring * w) return p;
    // Past it, and seen less often than that: extrapolate the tail from there, so an old spike above it
    // weighs as little as it is (one among thousands) and cannot hide a later one.
    if (!(this.tailScale > 0)) return 0;
    return Math.min(p, 0.001 * Math.exp(-(value - this.largest) / this.tailScale));
  }

  /** Adds `value` to the window, counted as `share` of a point (1 unless it should weigh less). */
  add(value: number, share = 1, position = EmpiricalTail.position(value)): void {
    const bin = Math.min(BINS - 1, Math.floor(position));
    if (bin > this.top) this.top = bin;
    this.counts[bin]! += share * this.weight;
    this.total += share * this.weight;
    this.weight *= this.growth;
    this.sinceRefresh++;
    if (this.weight > RENORMALISE_AT) {
      const k = 1 / this.weight;
      for (let i = 0; i < BINS; i++) this.counts[i]! *= k;
      this.total *= k;
      this.weight = 1;
      this.sinceRefresh = REFRESH;
    }
  }

  /** Points the window holds, in effect (weighted). */
  get size(): number {
    return this.total / this.weight;
  }

  private refresh(): void {
    this.sinceRefresh = 0;
    let sum = 0;
    for (let i = this.top; i >= 0; i--) {
      this.above[i] = sum;
      sum += this.counts[i]!;
    }
    this.cachedTotal = this.total;
    this.cachedWeight = this.weight;
    // The three quantiles in one scan down the bins (each the first bin from the top that reaches its
    // share: the smallest share first), as three calls of `quantile` would find them.
    const q = QUANTILES_FOUND;
    this.quantiles(q);
    const q999 = q[0]!;
    const q99 = q[1]!;
    const q90 = q[2]!;
    this.largest = q999;
    // Too few points to say how the tail goes on: no extrapolation at all.
    this.tailScale = this.total / this.weight < MIN_POINTS_TO_EXTRAPOLATE ? -1 : Math.max(q99 - q90, q999 - q99) / Math.LN10;
  }

  /** Forgets everything (the evidence changed meaning). */
  clear(): void {
    this.counts.fill(0);
    this.above.fill(0);
    this.top = -1;
    this.total = 0;
    this.weight = 1;
    this.sinceRefresh = REFRESH;
  }

  /**
   * Values below which shares 0.999, 0.99 and 0.9 of the window lie (interpolated within their bins),
   * into `out` in that order. The weight at or above a bin only grows going down, so the bins are
   * scanned once from the top, the rarest quantile first.
   */
  private quantiles(out: Float64Array): void {
    let k = 0;
    let target = (1 - TAIL_SHARES[0]!) * this.total;
    for (let i = this.top; i >= 0 && k < TAIL_SHARES.length; i--) {
      const c = this.counts[i]!;
      if (c <= 0) continue;
      const above = this.above[i]!;
      while (above + c >= target) {
        const position = i + (1 - (target - above) / c);
        out[k++] = 2 ** (position / BINS_PER_DOUBLING) - 1;
        if (k === TAIL_SHARES.length) return;
        target = (1 - TAIL_SHARES[k]!) * this.total;
      }
    }
    for (; k < TAIL_SHARES.length; k++) out[k] = 0;
  }

  /** The state to save; the cached sums are refreshed now, as the restored copy will refresh them. */
  toJSON(): EmpiricalTailState {
    this.refresh();
    return { counts: Array.from(this.counts), total: this.total, weight: this.weight };
  }

  /** Takes back a state from `toJSON`; throws when it does not fit. */
  restore(state: EmpiricalTailState): void {
    if (state === null || typeof state !== "object" || !Array.isArray(state.counts) || state.counts.length !== BINS) {
      throw new Error("empirical tail: wrong bin count");
    }
    const { total, weight } = state;
    if (!(typeof total === "number" && total >= 0 && typeof weight === "number" && weight >= 1 && Number.isFinite(weight))) {
      throw new Error("empirical tail: bad total or weight");
    }
    this.above.fill(0);
    this.top = -1;
    for (let i = 0; i < BINS; i++) {
      const c = state.counts[i];
      if (typeof c !== "number" || !(c >= 0) || !Number.isFinite(c)) throw new Error("empirical tail: bad count");
      this.counts[i] = c;
      if (c > 0) this.top = i;
    }
    this.total = total;
    this.weight = weight;
    this.sinceRefresh = REFRESH;
  }
}
