import { describe, expect, test } from "bun:test";
import { SilenceError, Silences } from "../../src/alert/silences.ts";

const T0 = Date.parse("2026-01-10T08:00:00Z");
const at = (s: number) => T0 + s * 1000;
const disk = { alertname: "disk_full", mountpoint: "/", severity: "critical" };

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
