import { describe, expect, test } from "bun:test";
import { loadAlertEngineState, saveAlertEngineState } from "../../src/store/alert-engine-state.ts";
import { openMemoryDatabase } from "../../src/store/open-database.ts";
import { saveSilence, silencesEndingAfter } from "../../src/store/silence-rows.ts";
import { T0 } from "./support/temp.ts";

describe("alert engine state", () => {
  test("one row per part: changed parts replaced, removed parts deleted", () => {
    const db = openMemoryDatabase(T0);
    expect(loadAlertEngineState(db).size).toBe(0);
    saveAlertEngineState(db, [["alert:a", '{"fingerprint":"a"}'], ["silences", "[]"]], [], T0);
    saveAlertEngineState(db, [["alert:b", '{"fingerprint":"b"}']], ["alert:a"], T0 + 10);
    expect(loadAlertEngineState(db)).toEqual(new Map([["alert:b", '{"fingerprint":"b"}'], ["silences", "[]"]]));
    expect(db.query("SELECT key, updated_at FROM alert_engine_state ORDER BY key").all()).toEqual([
      { key: "alert:b", updated_at: T0 + 10 },
      { key: "silences", updated_at: T0 },
    ]);
  });
});

describe("silences ending after a time", () => {
  test("in force, to come and recently over, not those long over", () => {
    const db = openMemoryDatabase(T0);
    const s = (id: string, startsAt: number, endsAt: number) =>
      saveSilence(db, { id, matchers: [{ name: "a", value: "b", isRegex: false, isEqual: true }], startsAt, endsAt, createdBy: "t", comment: "", createdAt: T0, updatedAt: T0 });
    s("old", T0 - 100, T0 - 50);
    s("now", T0 - 10, T0 + 10);
    s("later", T0 + 100, T0 + 200);
    expect(silencesEndingAfter(db, T0 - 20).map((r) => r.id)).toEqual(["now", "later"]);
    expect(silencesEndingAfter(db, T0 - 60).map((r) => r.id)).toEqual(["old", "now", "later"]);
  });
});
