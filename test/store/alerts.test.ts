import { describe, expect, test } from "bun:test";
import { findOpenAlert, getAlert, insertAlert, listAlerts, listOpenAlerts, type NewAlert, updateAlert } from "../../src/store/alerts.ts";
import { openMemoryDatabase } from "../../src/store/open-database.ts";
import { finding } from "../support/findings.ts";
import { T0 } from "./support/temp.ts";

const alert = (over: Partial<NewAlert> = {}): NewAlert => ({
  fingerprint: "fp-cpu",
  labels: { alertname: "cpu_high" },
  state: "pending",
  severity: "warning",
  startedAt: T0,
  updatedAt: T0,
  ...over,
});

describe("alerts", () => {
  test("an alert goes pending, firing, resolved; the same fingerprint then opens a new alert", () => {
    const db = openMemoryDatabase(T0);
    const id = insertAlert(db, alert());
    expect(findOpenAlert(db, "fp-cpu")?.id).toBe(id);
    expect(updateAlert(db, id, { state: "firing", firedAt: T0 + 60_000, updatedAt: T0 + 60_000, lastNotifiedAt: T0 + 61_000 })).toBe(true);
    expect(updateAlert(db, id, { state: "resolved", resolvedAt: T0 + 120_000, updatedAt: T0 + 120_000 })).toBe(true);
    expect(findOpenAlert(db, "fp-cpu")).toBeNull();
    expect(getAlert(db, id)).toEqual({
      id,
      fingerprint: "fp-cpu",
      labels: { alertname: "cpu_high" },
      state: "resolved",
      severity: "warning",
      startedAt: T0,
      firedAt: T0 + 60_000,
      resolvedAt: T0 + 120_000,
      updatedAt: T0 + 120_000,
      lastNotifiedAt: T0 + 61_000,
      lastFinding: null,
    });
    const again = insertAlert(db, alert({ startedAt: T0 + 300_000, updatedAt: T0 + 300_000 }));
    expect(again).not.toBe(id);
    expect(listOpenAlerts(db).map((a) => a.id)).toEqual([again]);
  });

  test("a fingerprint has at most one alert that is not resolved", () => {
    const db = openMemoryDatabase(T0);
    insertAlert(db, alert());
    expect(() => insertAlert(db, alert({ state: "firing" }))).toThrow(/UNIQUE constraint failed/);
  });

  test("keeps the last finding as JSON, and refuses unknown fields", () => {
    const db = openMemoryDatabase(T0);
    const id = insertAlert(db, alert());
    const lastFinding = finding({ timestamp: new Date(T0).toISOString() });
    updateAlert(db, id, { lastFinding, updatedAt: T0 + 1 });
    expect(getAlert(db, id)?.lastFinding).toEqual(lastFinding);
    expect(() => updateAlert(db, id, { nope: 1 } as never)).toThrow("unknown field nope");
    expect(updateAlert(db, 999, { updatedAt: 1 })).toBe(false);
  });

  test("lists by state, severity, fingerprint and time of last change, most recent first", () => {
    const db = openMemoryDatabase(T0);
    insertAlert(db, alert({ fingerprint: "a", updatedAt: T0 + 1 }));
    insertAlert(db, alert({ fingerprint: "b", state: "firing", severity: "critical", updatedAt: T0 + 2 }));
    insertAlert(db, alert({ fingerprint: "c", state: "silenced", updatedAt: T0 + 3 }));
    const fps = (f: Parameters<typeof listAlerts>[1]) => listAlerts(db, f).items.map((a) => a.fingerprint);
    expect(fps({})).toEqual(["c", "b", "a"]);
    expect(fps({ state: "firing" })).toEqual(["b"]);
    expect(fps({ severity: "critical" })).toEqual(["b"]);
    expect(fps({ fingerprint: "a" })).toEqual(["a"]);
    expect(fps({ from: T0 + 2 })).toEqual(["c", "b"]);
    expect(fps({ to: T0 + 2 })).toEqual(["b", "a"]);
  });
});
