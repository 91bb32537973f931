const WRAP_32 = 2 ** 32;

/**
 * The increase of a kernel counter between two readings. A counter that went down either wrapped at
 * 32 bits (some drivers still count in 32 bits) or was reset (interface re-created, device re-attached):
 * a wrap gives the distance through the wrap, a reset gives 0. Never negative, never absurd.
 */
export function counterIncrease(previous: number, current: number): number {
  if (current >= previous) return current - previous;
  if (previous < WRAP_32) {
    const wrapped = WRAP_32 - previous + current;
    if (wrapped < WRAP_32 / 2) return wrapped;
  }
  return 0;
}

/** Per-second rate of a counter over `seconds`; 0 when no time passed. */
export function counterRate(previous: number, current: number, seconds: number): number {
  return seconds > 0 ? counterIncrease(previous, current) / seconds : 0;
}

/** Rounds to a fixed number of decimals so snapshots stay readable and comparable. */
export function round(value: number, decimals = 2): number {
  // The usual case without the power: it runs for every rate of every device on every tick.
  if (decimals === 2) return Math.round(value * 100) / 100;
  const f = 10 ** decimals;
  return Math.round(value * f) / f;
}
