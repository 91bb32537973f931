import { afterEach, expect, test } from "bun:test";
import { loadConfig } from "../../src/config/load.ts";
import type { Finding } from "../../src/contracts/finding.ts";
import type { Snapshot } from "../../src/contracts/snapshot.ts";
import { createDetection } from "../../src/detect/detection.ts";
import { SAVE_STATE_EVERY_MS, createHistoryStage } from "../../src/store/history-stage.ts";
import { finding } from "../support/findings.ts";
import { cleanUp, sample, tempDir, testStore } from "./support/store-fixture.ts";

afterEach(cleanUp);

const { config } = loadConfig({ env: {} });

/** The history stage over a store and a real detection, on the store's manual clock. */
function historyStage(dataDir: string) {
  const { store, clock } = testStore({ dataDir });
  store.open();
  const detection = createDetection(config);
  const stage = createHistoryStage({ store, clock, detection: () => detection });
  /** One tick at the clock's time: the detectors learn the value, the stage stores it. */
  const tick = (value: number, startedFindings: Finding[] = []) => {
    const samples = [sample("aiops_cpu_usage_percent", value)];
    detection.update(clock.wallMs(), samples);
    stage.run({ time: clock.wallMs(), samples, findings: startedFindings, startedFindings, alertChanges: [], snapshot: {} as Snapshot });
  };
  return { store, clock, detection, stage, tick };
}

test("every tick's samples are stored and each finding once, when it starts", () => {
  const { store, clock, tick } = historyStage(tempDir());
  tick(40);
  tick(41, [finding({ message: "started" })]);
  expect(store.latest({ metric: "aiops_cpu_usage_percent" })).toEqual([{ metric: "aiops_cpu_usage_percent", labels: {}, ts: clock.wallMs(), value: 41 }]);
  expect(store.read((db) => db.query("SELECT count(*) AS n FROM anomalies").get())).toEqual({ n: 1 });
});

test("learned baselines are saved every hour of clock time and at stop, and restored at the next start", async () => {
  const dataDir = tempDir();
  const { store, clock, stage, detection, tick } = historyStage(dataDir);
  const saved = () => store.loadDetectorStates("ensemble").map((r) => r.seriesKey);
  tick(40);
  await clock.advance(SAVE_STATE_EVERY_MS - 1);
  tick(42);
  expect(saved()).toEqual([]);
  await clock.advance(1);
  tick(41);
  expect(saved()).toEqual(["aiops_cpu_usage_percent"]);
  const firstSave = store.loadDetectorStates("ensemble")[0]!.state;
  await clock.advance(60_000);
  tick(43);
  // Within the hour after a save, nothing is written again.
  expect(store.loadDetectorStates("ensemble")[0]!.state).toEqual(firstSave);
  const atStop = detection.exportState();
  stage.close?.();

  const next = historyStage(dataDir);
  expect(next.stage.restoreDetectorState()).toBe(1);
  expect(next.detection.exportState()).toEqual(atStop);
  expect(atStop).not.toEqual({ aiops_cpu_usage_percent: firstSave });
});
