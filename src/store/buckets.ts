/** One minute, in milliseconds: the finer roll-up. */
export const MINUTE_MS = 60_000;

/** One hour, in milliseconds: the coarser roll-up, and the unit in which maintenance moves and deletes history. */
export const HOUR_MS = 3_600_000;

/** The start of the bucket of size `size` that holds `ts` (buckets start at the epoch). */
export function floorTo(ts: number, size: number): number {
  return ts - (((ts % size) + size) % size);
}

/** `value` rounded up to a whole number of `size`, at least one. */
export function ceilTo(value: number, size: number): number {
  return Math.max(size, Math.ceil(value / size) * size);
}
