/**
 * Time as the agent sees it: the one way any part of it reads the time or sets a timer. `main.ts`
 * passes `systemClock` to everything; tests pass a `ManualClock` and move it, so every timed behaviour
 * (ticks, retries, time-outs, keepalives, maintenance) is tested without waiting.
 */
export interface Clock {
  /** Monotonic milliseconds: for intervals, rates and durations, immune to wall-clock jumps. */
  now(): number;
  /** Wall-clock time: for timestamps people read. */
  wall(): Date;
  /** Wall-clock milliseconds since the epoch: for times stored, compared and sent (`wall().getTime()`). */
  wallMs(): number;
  /** Calls `fn` once after `ms`; returns the function that cancels it. */
  setTimer(ms: number, fn: () => void): () => void;
  /**
   * Calls `fn` every `ms` until cancelled; returns the function that cancels it. It never keeps the
   * process alive on its own: it serves something that does (the server, the store, the screen).
   */
  setRepeating(ms: number, fn: () => void): () => void;
}

/** The real clock: `performance.now()`, `Date`, and the runtime's timers. */
export const systemClock: Clock = {
  now: () => performance.now(),
  wall: () => new Date(),
  wallMs: () => Date.now(),
  setTimer(ms, fn) {
    const timer = setTimeout(fn, Math.max(0, ms));
    return () => clearTimeout(timer);
  },
  setRepeating(ms, fn) {
    const timer = setInterval(fn, Math.max(1, ms));
    timer.unref();
    return () => clearInterval(timer);
  },
};

/** Turns of the event loop `settle` gives: enough for a promise chain, React's scheduler and a stream pipe. */
const SETTLE_TURNS = 10;

/**
 * Lets the work already started run until it waits on a timer or on real I/O: promise chains, and what
 * they queue for the next turn of the event loop (React's scheduler, stream pipes). For tests, with
 * `ManualClock`, which settles after every timer it fires. It never waits for time to pass.
 */
export async function settle(): Promise<void> {
  for (let i = 0; i < SETTLE_TURNS; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

interface ManualTimer {
  at: number;
  fn: () => void;
  id: number;
  /** Repeating timers come back this much later. */
  every?: number;
}

/**
 * A clock that moves only when told. `advance(ms)` fires the timers that fall due, in order, each at
 * its own time, and lets the work each one starts run before time moves on. For tests.
 */
export class ManualClock implements Clock {
  private monotonic = 0;
  private timers: ManualTimer[] = [];
  private nextId = 0;
  /** `wallStart`: the wall clock at monotonic 0, ms since the epoch. */
  constructor(private readonly wallStart = Date.parse("2026-01-01T00:00:00Z")) {}
  now(): number {
    return this.monotonic;
  }
  wall(): Date {
    return new Date(this.wallMs());
  }
  wallMs(): number {
    return this.wallStart + this.monotonic;
  }
  setTimer(ms: number, fn: () => void): () => void {
    return this.add({ at: this.monotonic + Math.max(0, ms), fn, id: this.nextId++ });
  }
  setRepeating(ms: number, fn: () => void): () => void {
    const every = Math.max(1, ms);
    return this.add({ at: this.monotonic + every, fn, id: this.nextId++, every });
  }
  private add(timer: ManualTimer): () => void {
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((t) => t.id !== timer.id);
    };
  }
  /**
   * Moves time forward by `ms`, firing every timer that falls due, each at its own time, and settling
   * before the first (work already started sets its timers), after each, and at the end. `advance(0)`
   * fires what is due now.
   */
  async advance(ms: number): Promise<void> {
    const end = this.monotonic + Math.max(0, ms);
    await settle();
    for (;;) {
      this.timers.sort((a, b) => a.at - b.at || a.id - b.id);
      const due = this.timers[0];
      if (!due || due.at > end) break;
      this.monotonic = due.at;
      if (due.every === undefined) this.timers.shift();
      else due.at += due.every;
      due.fn();
      await settle();
    }
    this.monotonic = end;
    await settle();
  }
  /** Moves the wall clock to `wallMs` (never backwards), as `advance` does. */
  advanceTo(wallMs: number): Promise<void> {
    return this.advance(wallMs - this.wallMs());
  }
  /** Timers set and not yet fired or cancelled (a repeating timer counts until cancelled). */
  get pendingTimers(): number {
    return this.timers.length;
  }
  /** When the next timer fires, monotonic ms; undefined when none is set. */
  get nextTimerAt(): number | undefined {
    return this.timers.reduce<number | undefined>((min, t) => (min === undefined || t.at < min ? t.at : min), undefined);
  }
}
