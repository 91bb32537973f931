import type { Labels } from "../contracts/sample.ts";
import { type LabelTest, type Matcher, compileMatcher, formatMatcher, parseMatcher } from "../config/matcher.ts";

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

  constructor(fromConfig: readonly SilenceInput[] = [], restored: readonly Silence[] = []) {
    this.fixed = fromConfig.map((s, i) => compile(toSilence(s, `config-${i}`, "config")));
    for (const s of restored) {
      this.added.set(s.id, compile(s));
      const n = Number(s.id.replace(/^api-/, ""));
      if (Number.isInteger(n) && n >= this.nextId) this.nextId = n + 1;
    }
  }

  /** Adds a run-time silence; throws SilenceError with the reason when it is malformed. */
  add(input: SilenceInput): Silence {
    const silence = toSilence(input, `api-${this.nextId}`, input.createdBy ?? "api");
    this.nextId++;
    this.added.set(silence.id, compile(silence));
    return silence;
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
      startsAt: new Date(s.startsAt).toISOString(),
      endsAt: new Date(s.endsAt).toISOString(),
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
  if (input.endsAt <= input.startsAt) throw new SilenceError("endsAt: expected a time after startsAt");
  return { id, matchers, startsAt: input.startsAt, endsAt: input.endsAt, comment: input.comment ?? "", createdBy: input.createdBy ?? createdBy };
}

function compile(silence: Silence): Compiled {
  return { silence, tests: silence.matchers.map(compileMatcher) };
}
