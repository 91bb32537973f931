import type { Labels } from "../contracts/sample.ts";
import { type LabelTest, type Matcher, MAX_MATCHER_LENGTH, compileMatcher, formatMatcher, parseMatcher } from "../config/matcher.ts";

/**
 * Limits on silences added at run time, so that no client can make matching (which runs on every
 * tick, for every alert) slow or the state large: matchers per silence, the size of one silence, how
 * many are held (pending, active, or ended within the flap window), and the regex text of all of them
 * together (the linear-time engine's cost is pattern length × label length).
 */
export const SILENCE_LIMITS = {
  matchersPerSilence: 32,
  matcherLength: MAX_MATCHER_LENGTH,
  /** Bytes of one silence as JSON (matchers, comment, creator). */
  silenceBytes: 8 * 1024,
  silences: 1000,
  /** Characters of regex across every run-time silence held. */
  regexChars: 64 * 1024,
} as const;

/** Earliest and latest instant a silence may name (ms): 1970 to the end of year 9999, what ISO 8601 can write. */
export const MIN_TIME = 0;
export const MAX_TIME = 253_402_300_799_999;

/** A silence: alerts whose labels match every matcher notify nobody between `startsAt` and `endsAt`. */
export interface Silence {
  /** `config-<n>` for maintenance windows from the configuration, `api-<n>` for those added at run time. */
  id: string;
  matchers: Matcher[];
  /** Epoch milliseconds. */
  startsAt: number;
  endsAt: number;
  comment: string;
  createdBy: string;
}

/** What a caller (the API, the configuration) gives to add a silence; matchers as text or parsed. */
export interface SilenceInput {
  matchers: ReadonlyArray<string | Matcher>;
  startsAt: number;
  endsAt: number;
  comment?: string;
  createdBy?: string;
}

/** A silence as JSON shows it (API, exported state). */
export interface SilenceView {
  id: string;
  matchers: string[];
  startsAt: string;
  endsAt: string;
  comment: string;
  createdBy: string;
  state: "pending" | "active" | "expired";
}

/** A silence could not be added: the reason, for the API's 400. */
export class SilenceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SilenceError";
  }
}

interface Compiled {
  silence: Silence;
  tests: LabelTest[];
}

/**
 * The set of silences: those of the configuration (fixed) and those added at run time (kept in the
 * engine's exported state). Matchers are compiled once; matching an alert costs O(silences).
 */
export class Silences {
  private readonly fixed: Compiled[];
  private readonly added = new Map<string, Compiled>();
  private nextId = 1;
  /** Saved silences that could not be taken back (a row written before the limits, or damaged), with why. */
  readonly rejected: string[] = [];

  constructor(fromConfig: readonly SilenceInput[] = [], restored: readonly Silence[] = []) {
    this.fixed = fromConfig.map((s, i) => compile(toSilence(s, `config-${i}`, "config")));
    // A saved silence is checked as one arriving would be: one bad row costs itself, never the others
    // nor the alert state around it.
    for (const s of Array.isArray(restored) ? restored : []) {
      try {
        const silence = restore(s);
        this.admit(silence);
        this.added.set(silence.id, compile(silence));
        const n = Number(silence.id.replace(/^api-/, ""));
        if (Number.isInteger(n) && n >= this.nextId) this.nextId = n + 1;
      } catch (cause) {
        this.rejected.push(`${describeId(s)}: ${(cause as Error).message}`);
      }
    }
  }

  /** Adds a run-time silence; throws SilenceError with the reason when it is malformed or over a limit. */
  add(input: SilenceInput): Silence {
    const silence = toSilence(input, `api-${this.nextId}`, input.createdBy ?? "api");
    this.admit(silence);
    this.nextId++;
    this.added.set(silence.id, compile(silence));
    return silence;
  }

  /** Throws SilenceError when one more silence like this would pass a limit. */
  private admit(silence: Silence): void {
    const limits = SILENCE_LIMITS;
    if (silence.matchers.length > limits.matchersPerSilence) {
      throw new SilenceError(`matchers: expected at most ${limits.matchersPerSilence} matchers; got ${silence.matchers.length}`);
    }
    const bytes = Buffer.byteLength(JSON.stringify({ matchers: silence.matchers, comment: silence.comment, createdBy: silence.createdBy }));
    if (bytes > limits.silenceBytes) throw new SilenceError(`expected a silence of at most ${limits.silenceBytes} bytes (matchers, comment, creator); got ${bytes}`);
    if (this.added.size >= limits.silences) {
      throw new SilenceError(
        `at most ${limits.silences} silences may be held (pending, active, or ended recently); expire one with DELETE /api/v1/silences/{id} first`,
      );
    }
    let regex = regexChars(silence);
    for (const c of this.added.values()) regex += regexChars(c.silence);
    if (regex > limits.regexChars) {
      throw new SilenceError(`matchers: the regular expressions of all silences may total at most ${limits.regexChars} characters; this one would make ${regex}`);
    }
  }

  /** Ends a run-time silence now; false when there is no such run-time silence. */
  expire(id: string, now: number): boolean {
    const c = this.added.get(id);
    if (!c) return false;
    if (c.silence.endsAt > now) c.silence.endsAt = now;
    if (c.silence.startsAt > now) c.silence.startsAt = now;
    return true;
  }

  /** Ids of the silences muting these labels now. */
  matching(labels: Labels, now: number): string[] {
    const out: string[] = [];
    for (const c of this.all()) {
      if (c.silence.startsAt <= now && now < c.silence.endsAt && c.tests.every((t) => t(labels))) out.push(c.silence.id);
    }
    return out;
  }

  /** Forgets run-time silences that ended more than `keepMs` ago. */
  prune(now: number, keepMs: number): void {
    for (const [id, c] of this.added) if (c.silence.endsAt + keepMs <= now) this.added.delete(id);
  }

  /** Every silence, configuration first. */
  list(now: number): SilenceView[] {
    return [...this.all()].map(({ silence: s }) => ({
      id: s.id,
      matchers: s.matchers.map(formatMatcher),
      startsAt: isoTime(s.startsAt),
      endsAt: isoTime(s.endsAt),
      comment: s.comment,
      createdBy: s.createdBy,
      state: now < s.startsAt ? "pending" : now < s.endsAt ? "active" : "expired",
    }));
  }

  /** Run-time silences, for the exported state (configuration ones come back from the configuration). */
  exportAdded(): Silence[] {
    return [...this.added.values()].map((c) => ({ ...c.silence, matchers: c.silence.matchers.map((m) => ({ ...m })) }));
  }

  private *all(): Iterable<Compiled> {
    yield* this.fixed;
    yield* this.added.values();
  }
}

function toSilence(input: SilenceInput, id: string, createdBy: string): Silence {
  if (input.matchers.length === 0) throw new SilenceError("matchers: required (at least one matcher)");
  const matchers = input.matchers.map((m, i) => {
    const parsed = typeof m === "string" ? parseMatcher(m) : m;
    if (typeof parsed === "string") throw new SilenceError(`matchers[${i}]: ${parsed}`);
    return parsed;
  });
  if (!Number.isFinite(input.startsAt) || !Number.isFinite(input.endsAt)) throw new SilenceError("startsAt and endsAt: expected times");
  for (const [key, value] of [["startsAt", input.startsAt], ["endsAt", input.endsAt]] as const) {
    if (value < MIN_TIME || value > MAX_TIME) throw new SilenceError(`${key}: expected a time from 1970-01-01T00:00:00Z to 9999-12-31T23:59:59Z`);
  }
  if (input.endsAt <= input.startsAt) throw new SilenceError("endsAt: expected a time after startsAt");
  return { id, matchers, startsAt: input.startsAt, endsAt: input.endsAt, comment: input.comment ?? "", createdBy: input.createdBy ?? createdBy };
}

/** A silence saved by an earlier run, checked field by field (it may be damaged or predate the limits). */
function restore(raw: unknown): Silence {
  if (typeof raw !== "object" || raw === null) throw new SilenceError("not a silence");
  const s = raw as Partial<Record<keyof Silence, unknown>>;
  if (typeof s.id !== "string" || !/^api-\d+$/.test(s.id)) throw new SilenceError("expected an id api-<n>");
  if (!Array.isArray(s.matchers)) throw new SilenceError("matchers: expected a list");
  const matchers = s.matchers.map((m: unknown, i) => {
    const { name, op, value } = (m ?? {}) as Partial<Matcher>;
    if (typeof name !== "string" || typeof op !== "string" || typeof value !== "string") throw new SilenceError(`matchers[${i}]: expected name, op and value`);
    const parsed = parseMatcher(`${name}${op}${JSON.stringify(value)}`);
    if (typeof parsed === "string") throw new SilenceError(`matchers[${i}]: ${parsed}`);
    return parsed;
  });
  return toSilence(
    {
      matchers,
      startsAt: typeof s.startsAt === "number" ? s.startsAt : Number.NaN,
      endsAt: typeof s.endsAt === "number" ? s.endsAt : Number.NaN,
      comment: typeof s.comment === "string" ? s.comment : "",
      createdBy: typeof s.createdBy === "string" ? s.createdBy : "api",
    },
    s.id,
    "api",
  );
}

function describeId(raw: unknown): string {
  const id = (raw as { id?: unknown } | null)?.id;
  return typeof id === "string" ? `silence ${JSON.stringify(id.slice(0, 40))}` : "a saved silence";
}

function regexChars(silence: Silence): number {
  return silence.matchers.reduce((sum, m) => sum + (m.op === "=~" || m.op === "!~" ? m.value.length : 0), 0);
}

/** ISO 8601 for a time in range; anything else clamped to the range rather than failing the listing. */
function isoTime(ms: number): string {
  const clamped = Number.isFinite(ms) ? Math.min(MAX_TIME, Math.max(MIN_TIME, ms)) : MIN_TIME;
  return new Date(clamped).toISOString();
}

function compile(silence: Silence): Compiled {
  return { silence, tests: silence.matchers.map(compileMatcher) };
}
