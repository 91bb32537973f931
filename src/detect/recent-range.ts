/**
 * JSON form of a RecentRange: each side's kept points, oldest first, as [time, value] or, after points
 * were dropped just before it, [time, value, time of the newest dropped point].
 */
export interface RecentRangeState {
  high: number[][];
  low: number[][];
}

/** Most points kept per side; past it, the kept points are thinned to a geometric spacing in age. */
const CAPACITY = 64;
/** Thinning leaves at most this many points, so that it runs at most once every 16 points. */
const THINNED = 48;
/**
 * Ratio of ages between neighbouring points after thinning: a span is never read more than this many
 * times longer than it is. 1.3⁴⁸ points (300,000: a month of 10-second samples) fit in THINNED at this
 * ratio; only older ranges need a second pass, at 1.3².
 */
const THIN_RATIO = 1.3;

/**
 * The highest and lowest values of a series since any time: "higher than anything in the last three
 * weeks" is how an operator judges a value, and, unlike the range of all history, a recent range
 * recovers: an early spike stops hiding later anomalies once it is old enough to fall out of the span.
 *
 * Each side keeps the points that no later point has equalled (on the high side each kept point is
 * higher than every point after it), so kept values fall from oldest to newest: a new point pops those it
 * outdoes (O(1) amortised), and the highest value since time t is the oldest kept point at or after t.
 * A steady trend would keep every point; past `CAPACITY` the kept points are thinned so that their ages
 * grow geometrically. A span that starts among thinned points is then read as if it started at the kept
 * point before them, at most `THIN_RATIO` times older: the range can look a little wider, never
 * narrower. About 3 KB per instance.
 */
export class RecentRange {
  // Each side holds its kept points oldest first as [time, value, gap] triples, gap being the time of the
  // newest point dropped just before this one (-Infinity when none was).
  private readonly high = new Float64Array(3 * CAPACITY);
  private highN = 0;
  private readonly low = new Float64Array(3 * CAPACITY);
  private lowN = 0;

  /** Adds point (`ts`, `x`); times must not go backwards. */
  add(ts: number, x: number): void {
    this.highN = push(this.high, this.highN, ts, x, 1);
    this.lowN = push(this.low, this.lowN, ts, x, -1);
  }

  /** Highest value added at or after time `since` (ms), or NaN when none was. */
  maxSince(since: number): number {
    return firstSince(this.high, this.highN, since);
  }

  /** Lowest value added at or after time `since` (ms), or NaN when none was. */
  minSince(since: number): number {
    return firstSince(this.low, this.lowN, since);
  }

  toJSON(): RecentRangeState {
    return { high: sideToJSON(this.high, this.highN), low: sideToJSON(this.low, this.lowN) };
  }

  /** Restores what `toJSON` gave; throws when it does not fit. */
  restore(state: RecentRangeState | undefined): void {
    if (state === null || typeof state !== "object") throw new Error("recent range: missing");
    this.highN = load(state.high, this.high, 1);
    this.lowN = load(state.low, this.low, -1);
  }

  /** Starts from one known low and high, both seen at `ts` (a state saved before recent ranges were kept). */
  seed(ts: number, low: number, high: number): void {
    this.high.set([ts, high, Number.NEGATIVE_INFINITY]);
    this.low.set([ts, low, Number.NEGATIVE_INFINITY]);
    this.highN = this.lowN = 1;
  }
}

/** Pushes (ts, x) onto one side (`order` 1: high, -1: low), popping the points it outdoes; returns the new count. */
function push(a: Float64Array, n: number, ts: number, x: number, order: 1 | -1): number {
  let gap = Number.NEGATIVE_INFINITY;
  while (n > 0 && (a[3 * n - 2]! - x) * order <= 0) {
    // Points dropped before a popped one may still outdo x: the gap passes to x (from the oldest popped).
    gap = a[3 * n - 1]!;
    n--;
  }
  if (n === CAPACITY) n = thin(a, n, ts);
  a[3 * n] = ts;
  a[3 * n + 1] = x;
  a[3 * n + 2] = gap;
  return n + 1;
}

/**
 * The extreme of everything since `since`: the value of the oldest kept point at or after it, or of the
 * kept point before that one when points dropped in between may lie inside the span. Kept points thin out
 * with age, so few lie before any `since` worth asking about: a scan from the oldest beats a binary search.
 */
function firstSince(a: Float64Array, n: number, since: number): number {
  let i = 0;
  while (i < n && a[3 * i]! < since) i++;
  if (i === n) return Number.NaN;
  return i > 0 && a[3 * i + 2]! >= since ? a[3 * i - 2]! : a[3 * i + 1]!;
}

/**
 * Thins a full side in place and returns the new count. From the newest point back, each run of dropped
 * points ends at a kept point at most `ratio` times as old as the newest point dropped in the run (earlier
 * thinning included); the newest and the oldest points are always kept. A span starting among dropped
 * points is read from the kept point before them, so it looks at most `ratio` times longer than it is.
 */
function thin(a: Float64Array, n: number, now: number): number {
  let ratio = THIN_RATIO;
  while (n > THINNED) {
    // Kept points are compacted towards the end of the array, newest first.
    let write = n - 1;
    let i = n - 2;
    while (i >= 0) {
      // Dropping from point i back leaves, as the newest point dropped before the last kept one, either
      // point i or a point dropped earlier between them. The point kept before them must be at most
      // `ratio` times as old as that one.
      const newest = Math.max(a[3 * write + 2]!, a[3 * i]!);
      const limit = ratio * Math.max(now - newest, 1);
      let j = i;
      while (j > 0 && now - a[3 * (j - 1)]! <= limit) j--;
      if (j < i) a[3 * write + 2] = newest;
      write--;
      a[3 * write] = a[3 * j]!;
      a[3 * write + 1] = a[3 * j + 1]!;
      a[3 * write + 2] = a[3 * j + 2]!;
      i = j - 1;
    }
    a.copyWithin(0, 3 * write, 3 * n);
    n -= write;
    ratio *= ratio;
  }
  return n;
}

function sideToJSON(a: Float64Array, n: number): number[][] {
  return Array.from({ length: n }, (_, i) => (Number.isFinite(a[3 * i + 2]!) ? [a[3 * i]!, a[3 * i + 1]!, a[3 * i + 2]!] : [a[3 * i]!, a[3 * i + 1]!]));
}

function load(side: unknown, a: Float64Array, order: 1 | -1): number {
  if (!Array.isArray(side) || side.length > CAPACITY) throw new Error("recent range: bad side");
  let n = 0;
  const finite = (x: unknown): x is number => typeof x === "number" && Number.isFinite(x);
  for (const p of side) {
    if (!Array.isArray(p) || p.length < 2 || p.length > 3 || !p.every(finite)) throw new Error("recent range: bad point");
    const [t, v, gap] = p as number[];
    // Kept points run oldest to newest with values strictly falling (high side) or rising (low side).
    if (n > 0 && (t! < a[3 * n - 3]! || (v! - a[3 * n - 2]!) * order >= 0)) throw new Error("recent range: points out of order");
    a[3 * n] = t!;
    a[3 * n + 1] = v!;
    a[3 * n + 2] = gap ?? Number.NEGATIVE_INFINITY;
    n++;
  }
  return n;
}
