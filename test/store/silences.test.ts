import { describe, expect, test } from "bun:test";
import { openMemoryDatabase } from "../../src/store/open-database.ts";
import { activeSilences, expireSilence, getSilence, listSilences, type SilenceRecord, saveSilence } from "../../src/store/silence-rows.ts";
import { T0 } from "./support/temp.ts";

const silence = (id: string, startsAt: number, endsAt: number): SilenceRecord => ({
  id,
  matchers: [{ name: "alertname", value: "cpu_high", isRegex: false, isEqual: true }],
  startsAt,
  endsAt,
  createdBy: "ops@example.com",
  comment: "maintenance window",
  createdAt: T0,
  updatedAt: T0,
});

describe("silences", () => {
  test("saved, replaced by id, expired (kept for the record)", () => {
    const db = openMemoryDatabase(T0);
    saveSilence(db, silence("s1", T0, T0 + 3_600_000));
    saveSilence(db, { ...silence("s1", T0, T0 + 7_200_000), comment: "longer", updatedAt: T0 + 5 });
    expect(getSilence(db, "s1")).toEqual({ ...silence("s1", T0, T0 + 7_200_000), comment: "longer", updatedAt: T0 + 5 });
    expect(expireSilence(db, "s1", T0 + 60_000)).toBe(true);
    expect(expireSilence(db, "s1", T0 + 120_000)).toBe(false);
    expect(getSilence(db, "s1")).toMatchObject({ endsAt: T0 + 60_000, updatedAt: T0 + 60_000 });
  });

  test("active, pending and expired at a time", () => {
    const db = openMemoryDatabase(T0);
    saveSilence(db, silence("past", T0 - 200, T0 - 100));
    saveSilence(db, silence("now", T0 - 100, T0 + 100));
    saveSilence(db, silence("later", T0 + 100, T0 + 200));
    expect(activeSilences(db, T0).map((s) => s.id)).toEqual(["now"]);
    const ids = (state: "pending" | "active" | "expired") => listSilences(db, { state, now: T0 }).items.map((s) => s.id);
    expect(ids("active")).toEqual(["now"]);
    expect(ids("pending")).toEqual(["later"]);
    expect(ids("expired")).toEqual(["past"]);
    expect(listSilences(db).items.map((s) => s.id)).toEqual(["later", "now", "past"]);
  });
});
