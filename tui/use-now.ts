import { useEffect, useState } from "react";

/**
 * The time, updated every `everyMs` while `enabled`: for countdowns and "ago" that move between
 * snapshots. Disabled, it does not tick, and the screen is redrawn only when the data changes.
 */
export function useNow(everyMs = 1000, clock: () => number = Date.now, enabled = true): number {
  const [now, setNow] = useState(clock);
  useEffect(() => {
    if (!enabled) return;
    setNow(clock());
    const timer = setInterval(() => setNow(clock()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs, clock, enabled]);
  return now;
}
