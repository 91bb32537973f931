import { expect, test } from "bun:test";
import { deleteDetectorStates, loadDetectorState, loadDetectorStates, saveDetectorStates } from "../../src/store/detector-state.ts";
import { openMemoryDatabase } from "../../src/store/open-database.ts";
import { T0 } from "./support/temp.ts";

test("saves learned states, replaces them, loads them by detector or one by one, forgets a detector's", () => {
  const db = openMemoryDatabase(T0);
  saveDetectorStates(
    db,
    [
      { seriesKey: "aiops_cpu_usage_percent", detector: "ewma", state: { mean: 40.5, variance: 3.2, n: 100 } },
      { seriesKey: "aiops_cpu_usage_percent", detector: "forecast", state: [1, 2, 3] },
    ],
    T0,
  );
  saveDetectorStates(db, [{ seriesKey: "aiops_cpu_usage_percent", detector: "ewma", state: { mean: 41, variance: 3, n: 101 } }], T0 + 10);
  expect(loadDetectorStates(db, "ewma")).toEqual([
    { seriesKey: "aiops_cpu_usage_percent", detector: "ewma", state: { mean: 41, variance: 3, n: 101 }, updatedAt: T0 + 10 },
  ]);
  expect(loadDetectorStates(db).length).toBe(2);
  expect(loadDetectorState(db, "aiops_cpu_usage_percent", "forecast")).toEqual([1, 2, 3]);
  expect(loadDetectorState(db, "nope", "forecast")).toBeUndefined();
  expect(deleteDetectorStates(db, "forecast")).toBe(1);
  expect(loadDetectorStates(db).map((s) => s.detector)).toEqual(["ewma"]);
});
