import { describe, expect, test } from "bun:test";
import { MAX_TIME, SILENCE_LIMITS, type Silence, SilenceError, Silences } from "../../src/alert/silences.ts";

const T0 = Date.parse("2026-01-10T08:00:00Z");
const HOUR = 3_600_000;
const at = (s: number) => T0 + s * 1000;
const disk = { alertname: "disk_full", mountpoint: "/", severity: "critical" };
const labels = { alertname: "cpu_high", metric: "aiops_cpu_usage_percent", cpu: "0" };

function refused(fn: () => unknown): string {
  try {
    fn();
  } catch (cause) {
    if (cause instanceof SilenceError) return cause.message;
    throw cause;
  }
  throw new Error("expected a SilenceError");
}

describe("silences", () => {
  test("a silence mutes alerts matching all its matchers, from its start until (not including) its end", () => {
    const s = new Silences([{ matchers: ["alertname=~disk_.*", "mountpoint=/"], startsAt: at(10), endsAt: at(100) }]);
    expect(s.matching(disk, at(9))).toEqual([]);
    expect(s.matching(disk, at(10))).toEqual(["config-0"]);
    expect(s.matching(disk, at(99))).toEqual(["config-0"]);
    expect(s.matching(disk, at(100))).toEqual([]);
    expect(s.matching({ ...disk, mountpoint: "/var" }, at(50))).toEqual([]);
  });

  test("silences of the configuration are listed first and cannot be expired; run-time ones can", () => {
    const s = new Silences([{ matchers: ["alertname=load_high"], startsAt: at(0), endsAt: at(100), comment: "window", createdBy: "config" }]);
    const added = s.add({ matchers: ["mountpoint=/"], startsAt: at(0), endsAt: at(3600), comment: "disk swap", createdBy: "ops" });
    expect(added.id).toBe("api-1");
    expect(s.list(at(10)).map((v) => [v.id, v.state, v.createdBy, v.matchers])).toEqual([
      ["config-0", "active", "config", ["alertname=load_high"]],
      ["api-1", "active", "ops", ["mountpoint=/"]],
    ]);
    expect(s.expire("config-0", at(20))).toBe(false);
    expect(s.expire("api-1", at(20))).toBe(true);
    expect(s.matching(disk, at(20))).toEqual([]);
    expect(s.list(at(20)).find((v) => v.id === "api-1")).toMatchObject({ state: "expired", endsAt: new Date(at(20)).toISOString() });
  });

  test("a malformed silence is refused with the reason, naming the field", () => {
    const s = new Silences();
    expect(() => s.add({ matchers: [], startsAt: 0, endsAt: 1 })).toThrow("matchers: required (at least one matcher)");
    expect(() => s.add({ matchers: ["a=b", "alertname=~(cpu"], startsAt: 0, endsAt: 1 })).toThrow(SilenceError);
    expect(() => s.add({ matchers: ["a=b", "alertname=~(cpu"], startsAt: 0, endsAt: 1 })).toThrow(/^matchers\[1\]: /);
    expect(() => s.add({ matchers: ["a=b"], startsAt: 5, endsAt: 1 })).toThrow("endsAt: expected a time after startsAt");
    expect(() => s.add({ matchers: ["a=b"], startsAt: Number.NaN, endsAt: 1 })).toThrow("startsAt and endsAt: expected times");
  });

  test("run-time silences are exported, restored with their ids, and numbering goes on after them", () => {
    const before = new Silences();
    before.add({ matchers: ["a=b"], startsAt: at(0), endsAt: at(60) });
    before.add({ matchers: ["c=d"], startsAt: at(0), endsAt: at(60) });
    const after = new Silences([], JSON.parse(JSON.stringify(before.exportAdded())));
    expect(after.list(at(0)).map((v) => v.id)).toEqual(["api-1", "api-2"]);
    expect(after.add({ matchers: ["e=f"], startsAt: at(0), endsAt: at(60) }).id).toBe("api-3");
  });

  test("run-time silences that ended more than the kept time ago are forgotten", () => {
    const s = new Silences();
    s.add({ matchers: ["a=b"], startsAt: at(0), endsAt: at(60) });
    s.prune(at(119), 60_000);
    expect(s.exportAdded()).toHaveLength(1);
    s.prune(at(120), 60_000);
    expect(s.exportAdded()).toEqual([]);
  });
});

describe("matching stays fast whatever clients send", () => {
  test("regexes that make a backtracking engine run for minutes answer at once (RE2: linear time)", () => {
    const s = new Silences();
    // Each of these froze the agent with JavaScript's own engine.
    s.add({ matchers: ["metric!~(\\w|\\w|\\w)*!"], startsAt: T0, endsAt: T0 + HOUR });
    s.add({ matchers: ["alertname=~(a+)+$"], startsAt: T0, endsAt: T0 + HOUR });
    s.add({ matchers: ["cpu=~(x+x+)+y"], startsAt: T0, endsAt: T0 + HOUR });
    const long = { ...labels, metric: `${"a".repeat(5000)}` };
    expect(s.matching(long, T0 + 1)).toEqual(["api-1"]);
    expect(s.matching({ ...labels, alertname: "a".repeat(5000) }, T0 + 1)).toEqual(["api-1", "api-2"]);
  });

  test("regex syntax is RE2's, as Alertmanager's: backreferences and look-arounds are refused with the reason", () => {
    const s = new Silences();
    expect(refused(() => s.add({ matchers: ["a=~(x)\\1"], startsAt: T0, endsAt: T0 + HOUR }))).toStartWith(
      'matchers[0]: expected a regular expression (RE2 syntax) in "a=~(x)\\\\1" (invalid escape sequence',
    );
    expect(refused(() => s.add({ matchers: ["a=~(?=x)"], startsAt: T0, endsAt: T0 + HOUR }))).toContain("RE2 syntax");
  });
});

describe("limits", () => {
  test("matchers per silence, matcher length and size of a silence", () => {
    const s = new Silences();
    const many = Array.from({ length: SILENCE_LIMITS.matchersPerSilence + 1 }, (_, i) => `l${i}=v`);
    expect(refused(() => s.add({ matchers: many, startsAt: T0, endsAt: T0 + HOUR }))).toBe("matchers: expected at most 32 matchers; got 33");
    expect(refused(() => s.add({ matchers: [`a=${"x".repeat(2000)}`], startsAt: T0, endsAt: T0 + HOUR }))).toBe(
      "matchers[0]: expected a matcher of at most 1024 characters; got 2002",
    );
    const big = Array.from({ length: 10 }, (_, i) => `l${i}=${"x".repeat(1000)}`);
    expect(refused(() => s.add({ matchers: big, startsAt: T0, endsAt: T0 + HOUR }))).toMatch(/^expected a silence of at most 8192 bytes/);
  });

  test("silences held, and the regex text of all of them together", () => {
    const s = new Silences();
    for (let i = 0; i < SILENCE_LIMITS.silences; i++) s.add({ matchers: [`n=${i}`], startsAt: T0, endsAt: T0 + HOUR });
    expect(refused(() => s.add({ matchers: ["n=x"], startsAt: T0, endsAt: T0 + HOUR }))).toContain("at most 1000 silences may be held");
    const r = new Silences();
    const pattern = `a=~${"(b|c)".repeat(200)}`; // 1,000 characters of regex
    for (let i = 0; i < 65; i++) r.add({ matchers: [pattern], startsAt: T0, endsAt: T0 + HOUR });
    expect(refused(() => r.add({ matchers: [pattern], startsAt: T0, endsAt: T0 + HOUR }))).toMatch(
      /^matchers: the regular expressions of all silences may total at most 65536 characters; this one would make 66000/,
    );
  });

  test("times must fall between 1970 and 9999 (ends_at 99999999999999 s is ms read as s)", () => {
    const s = new Silences();
    expect(refused(() => s.add({ matchers: ["a=b"], startsAt: T0, endsAt: 99_999_999_999_999_000 }))).toBe(
      "endsAt: expected a time from 1970-01-01T00:00:00Z to 9999-12-31T23:59:59Z",
    );
  });
});

describe("saved silences", () => {
  test("a damaged or oversized row is left out with the reason; the others come back and keep matching", () => {
    const good: Silence = { id: "api-3", matchers: [{ name: "cpu", op: "=", value: "0" }], startsAt: T0, endsAt: T0 + HOUR, comment: "", createdBy: "ops" };
    const farFuture = { ...good, id: "api-4", endsAt: 99_999_999_999_999_000 };
    const hostile: Silence = { ...good, id: "api-5", matchers: [{ name: "a", op: "=~", value: "(?<=x)" }] };
    const broken = { id: "api-6", matchers: "alertname=cpu_high" };
    const s = new Silences([], [good, farFuture, hostile, broken as unknown as Silence, null as unknown as Silence]);
    expect(s.list(T0).map((v) => v.id)).toEqual(["api-3"]);
    expect(s.matching(labels, T0 + 1)).toEqual(["api-3"]);
    expect(s.rejected).toEqual([
      'silence "api-4": endsAt: expected a time from 1970-01-01T00:00:00Z to 9999-12-31T23:59:59Z',
      expect.stringMatching(/^silence "api-5": matchers\[0\]: expected a regular expression \(RE2 syntax\)/),
      'silence "api-6": matchers: expected a list',
      "a saved silence: not a silence",
    ]);
    // New ids continue after the highest restored one.
    expect(s.add({ matchers: ["a=b"], startsAt: T0, endsAt: T0 + HOUR }).id).toBe("api-4");
  });

  test("the listing never fails, whatever a time holds", () => {
    const s = new Silences([], []);
    const added = s.add({ matchers: ["a=b"], startsAt: T0, endsAt: MAX_TIME });
    expect(s.list(T0)).toEqual([expect.objectContaining({ id: added.id, endsAt: "9999-12-31T23:59:59.999Z", state: "active" })]);
  });
});
