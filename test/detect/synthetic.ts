/** Hand-made series for the detector tests: deterministic noise, five-minute steps from a fixed Monday. */

export const STEP = 5 * 60_000;
export const T0 = Date.UTC(2025, 0, 6);

/** Uniform noise in [-amplitude, amplitude], the same on every run (a linear congruential generator). */
export function noise(seed: number, amplitude: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return (s / 2 ** 32 - 0.5) * 2 * amplitude;
  };
}

/** Time of point `i`. */
export function at(i: number): number {
  return T0 + i * STEP;
}

/** Feeds `value(i)` for i in [from, to) and returns what `update` said of each point. */
export function feed<R>(update: (ts: number, v: number) => R, from: number, to: number, value: (i: number) => number): R[] {
  const out: R[] = [];
  for (let i = from; i < to; i++) out.push(update(at(i), value(i)));
  return out;
}
