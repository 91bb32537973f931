import { useEffect, useState } from "react";
import type { Clock } from "../src/clock.ts";

/** The clock's wall time in ms, updated every `everyMs`: for countdowns and "ago" that move between snapshots. */
export function useNow(clock: Clock, everyMs = 1000): number {
  const [now, setNow] = useState(() => clock.wallMs());
  useEffect(() => clock.setRepeating(everyMs, () => setNow(clock.wallMs())), [clock, everyMs]);
  return now;
}
