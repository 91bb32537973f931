// NAB's scoring rules (as ../shared/nab/nabscore.py applies them, standard profile), in TypeScript so
// bench/nab.ts can score many settings in memory: anomaly windows, the scaled sigmoid that rewards early
// detection, the probationary first 15 % of each file, false positives weighted by where they fall, and
// normalisation so that never firing scores 0 and a perfect detector 100. bench/nab.ts checks it against
// nabscore.py on the shipped defaults.

export const PROFILE = { tpWeight: 1, fpWeight: 0.11, fnWeight: 1 };
const PROBATION = 0.15;

function scaledSigmoid(y: number): number {
  if (y > 3) return -1;
  return 2 / (1 + Math.exp(5 * y)) - 1;
}
const MAX_TP = scaledSigmoid(-1);

/** One labelled file, ready to score: per row past the probation, its window (or -1) and its weight. */
export interface ScoredFile {
  name: string;
  category: string;
  /** First row scored (the probationary period comes before). */
  from: number;
  /** Per row: index of its window in this file, or -1 outside any. */
  window: Int32Array;
  /** Per row: the weighted value of a detection there (already times tpWeight/MAX_TP or fpWeight). */
  weight: Float64Array;
  /** Windows with at least one row past the probation. */
  windows: number;
  /** Windows in the labels (perfect score counts all). */
  labelled: number;
}

/** Prepares a file as nabscore.py's `prepare_file` does; `stamps` are ms, `windows` pairs of ms. */
export function prepareFile(name: string, category: string, stamps: readonly number[], windows: readonly [number, number][]): ScoredFile {
  const n = stamps.length;
  const first = new Map<number, number>();
  stamps.forEach((t, i) => {
    if (!first.has(t)) first.set(t, i);
  });
  const edges = windows
    .map(([a, b]) => {
      const lo = first.get(a);
      const hi = first.get(b);
      if (lo === undefined || hi === undefined) throw new Error(`${name}: window edge not found among timestamps`);
      return [lo, hi] as [number, number];
    })
    .sort((x, y) => x[0] - y[0]);
  const from = Math.min(Math.floor(PROBATION * n), PROBATION * 5000);
  const window = new Int32Array(n).fill(-1);
  const weight = new Float64Array(n);
  const scorable = new Set<number>();
  let next = 0;
  let current = -1;
  let last: [number, number] | undefined;
  for (let i = 0; i < n; i++) {
    if (current < 0 && next < edges.length && i === edges[next]![0]) current = next++;
    let u: number;
    if (current >= 0) {
      const [lo, hi] = edges[current]!;
      u = scaledSigmoid(-(hi - i + 1) / (hi - lo + 1));
      window[i] = current;
      weight[i] = (u * PROFILE.tpWeight) / MAX_TP;
      if (i >= from) scorable.add(current);
    } else {
      u = last === undefined ? -1 : last[1] > 1 ? scaledSigmoid(Math.abs(i - last[0]) / (last[1] - 1)) : -1;
      weight[i] = u * PROFILE.fpWeight;
    }
    if (current >= 0 && i === edges[current]![1]) {
      last = [edges[current]![1], edges[current]![1] - edges[current]![0] + 1];
      current = -1;
    }
  }
  return { name, category, from, window, weight, windows: scorable.size, labelled: windows.length };
}

/** Raw score of one file when the rows flagged in `detected` are the detections. */
export function rawScore(file: ScoredFile, detected: (i: number) => boolean): number {
  const best = new Float64Array(file.labelled).fill(Number.NaN);
  let total = 0;
  for (let i = file.from; i < file.window.length; i++) {
    if (!detected(i)) continue;
    const w = file.window[i]!;
    if (w < 0) total += file.weight[i]!;
    else if (Number.isNaN(best[w]!) || file.weight[i]! > best[w]!) best[w] = file.weight[i]!;
  }
  const seen = new Set<number>();
  for (let i = file.from; i < file.window.length; i++) if (file.window[i]! >= 0) seen.add(file.window[i]!);
  for (const w of seen) total += Number.isNaN(best[w]!) ? -PROFILE.fnWeight : best[w]!;
  return total;
}

/** Normalised score (0 never firing, 100 perfect) of a raw total over `files`. */
export function normalise(raw: number, files: readonly ScoredFile[]): number {
  const scorable = files.reduce((a, f) => a + f.windows, 0);
  const perfect = PROFILE.tpWeight * files.reduce((a, f) => a + f.labelled, 0);
  const nothing = -PROFILE.fnWeight * scorable;
  return perfect === nothing ? Number.NaN : (100 * (raw - nothing)) / (perfect - nothing);
}

/**
 * The best threshold over `files` for their `scores` (as nabscore.py's sweep: every distinct score, ties
 * keep the higher threshold) and its raw total; `Infinity` means never firing.
 */
export function sweep(files: readonly ScoredFile[], scores: readonly Float64Array[]): { threshold: number; raw: number } {
  const points: { s: number; f: number; i: number }[] = [];
  let windowSum = 0;
  const best = new Map<string, number>();
  files.forEach((file, f) => {
    const seen = new Set<number>();
    for (let i = file.from; i < file.window.length; i++) {
      if (scores[f]![i]! > 0) points.push({ s: scores[f]![i]!, f, i });
      if (file.window[i]! >= 0) seen.add(file.window[i]!);
    }
    for (const w of seen) {
      best.set(`${f}|${w}`, -PROFILE.fnWeight);
      windowSum -= PROFILE.fnWeight;
    }
  });
  points.sort((a, b) => b.s - a.s);
  let fpSum = 0;
  let bestRaw = windowSum;
  let bestThreshold = Number.POSITIVE_INFINITY;
  for (let j = 0; j < points.length; ) {
    const t = points[j]!.s;
    while (j < points.length && points[j]!.s === t) {
      const { f, i } = points[j]!;
      const w = files[f]!.window[i]!;
      const v = files[f]!.weight[i]!;
      if (w < 0) fpSum += v;
      else {
        const key = `${f}|${w}`;
        if (v > best.get(key)!) {
          windowSum += v - best.get(key)!;
          best.set(key, v);
        }
      }
      j++;
    }
    if (fpSum + windowSum > bestRaw) {
      bestRaw = fpSum + windowSum;
      bestThreshold = t;
    }
  }
  return { threshold: bestThreshold, raw: bestRaw };
}
