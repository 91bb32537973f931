import { useEffect, useState } from "react";
import type { Clock } from "../src/clock.ts";

/**
 * The clock's wall time in ms, updated every `everyMs` while `enabled`: for countdowns and "ago" that
 * move between snapshots. Disabled, it does not tick, and the screen is redrawn only when the data changes.
 */
export function useNow(clock: Clock, everyMs = 1000, enabled = true): number {
  const [now, setNow] = useState(() => clock.wallMs());
  useEffect(() => {
    if (!enabled) return;
    setNow(clock.wallMs());
    return clock.setRepeating(everyMs, () => setNow(clock.wallMs()));
  }, [clock, everyMs, enabled]);
  return now;
}
