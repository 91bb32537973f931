/** JSON form of a SeasonalProfile; unseen bins are `null`. */
export interface SeasonalProfileState {
  bins: (number | null)[];
  error: number;
  scale: number;
}

/**
 * What a series usually is at this point of its period (time of day, time of week): one robust running
 * estimate per bin of wall-clock time, so it does not depend on the sampling interval. It also keeps
 * how well it predicts (`error`) and the spread of its residuals (`scale`), both robust to outliers:
 * residuals are clipped before they are learned.
 */
export class SeasonalProfile {
  readonly bins: Float32Array;
  /** Running mean absolute error of the predictions (clipped), to compare predictors. */
  error = 0;
  /** Running mean absolute residual (clipped), the spread used to score against this profile. */
  scale = 0;
  private readonly binWidth: number;

  constructor(
    /** Length of the period in milliseconds. */
    readonly period: number,
    binCount: number,
  ) {
    this.bins = new Float32Array(binCount).fill(Number.NaN);
    this.binWidth = period / binCount;
  }

  /** Index of the bin that holds time `ts` (milliseconds since the epoch, UTC). */
  binOf(ts: number): number {
    const phase = ((ts % this.period) + this.period) % this.period;
    return Math.min(this.bins.length - 1, Math.floor(phase / this.binWidth));
  }

  /**
   * Learns `value` at `bin`: the bin moves towards it at `rate` per point, by at most `clip` (so one
   * outlier barely moves it). `rate` is scaled by how many points fall in one bin (`interval`, ms).
   */
  learn(bin: number, value: number, rate: number, interval: number, clip: number): void {
    const current = this.bins[bin]!;
    if (Number.isNaN(current)) {
      this.bins[bin] = value;
      return;
    }
    const perPoint = Math.max(0.002, Math.min(rate, (rate * interval) / this.binWidth));
    const residual = value - current;
    this.bins[bin] = current + perPoint * (residual > clip ? clip : residual < -clip ? -clip : residual);
  }

  toJSON(): SeasonalProfileState {
    // Nine significant digits restore a 32-bit float exactly, in half the text of its full decimal form.
    return { bins: Array.from(this.bins, (b) => (Number.isNaN(b) ? null : Number(b.toPrecision(9)))), error: this.error, scale: this.scale };
  }

  /** Restores a profile saved by `toJSON`; throws when the shape does not fit. */
  restore(state: SeasonalProfileState): void {
    if (!Array.isArray(state.bins) || state.bins.length !== this.bins.length) throw new Error("seasonal profile: wrong bin count");
    for (let i = 0; i < this.bins.length; i++) {
      const b = state.bins[i];
      this.bins[i] = typeof b === "number" && Number.isFinite(b) ? b : Number.NaN;
    }
    this.error = finiteOr(state.error, 0);
    this.scale = finiteOr(state.scale, 0);
  }
}

function finiteOr(v: unknown, fallback: number): number {
  return typeof v === "number" && Number.isFinite(v) ? v : fallback;
}
