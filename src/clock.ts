/**
 * Time as the agent sees it, injected so tests can drive the tick loop without waiting.
 */
export interface Clock {
  /** Monotonic milliseconds: for intervals and rates, immune to wall-clock jumps. */
  now(): number;
  /** Wall-clock time: for timestamps people read. */
  wall(): Date;
  /** Calls `fn` once after `ms`; returns the function that cancels it. */
  setTimer(ms: number, fn: () => void): () => void;
}

export const systemClock: Clock = {
  now: () => performance.now(),
  wall: () => new Date(),
  setTimer(ms, fn) {
    const timer = setTimeout(fn, Math.max(0, ms));
    return () => clearTimeout(timer);
  },
};

/** A clock that moves only when told: `advance(ms)` fires due timers in order. For tests. */
export class ManualClock implements Clock {
  private monotonic = 0;
  private timers: Array<{ at: number; fn: () => void; id: number }> = [];
  private nextId = 0;
  constructor(private wallStart = Date.parse("2026-01-01T00:00:00Z")) {}
  now(): number {
    return this.monotonic;
  }
  wall(): Date {
    return new Date(this.wallStart + this.monotonic);
  }
  setTimer(ms: number, fn: () => void): () => void {
    const id = this.nextId++;
    this.timers.push({ at: this.monotonic + Math.max(0, ms), fn, id });
    return () => {
      this.timers = this.timers.filter((t) => t.id !== id);
    };
  }
  /** Moves time forward, firing every timer that falls due, each at its own time. */
  async advance(ms: number): Promise<void> {
    const end = this.monotonic + ms;
    for (;;) {
      this.timers.sort((a, b) => a.at - b.at || a.id - b.id);
      const due = this.timers[0];
      if (!due || due.at > end) break;
      this.timers.shift();
      this.monotonic = due.at;
      due.fn();
      // Let the work the timer started run before time moves on.
      for (let i = 0; i < 20; i++) await Promise.resolve();
    }
    this.monotonic = end;
  }
  get pendingTimers(): number {
    return this.timers.length;
  }
}
