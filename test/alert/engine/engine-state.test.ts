import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createAlertEngine } from "../../../src/alert/engine/alert-engine.ts";
import { stateFromParts, statePartsOf } from "../../../src/alert/engine/engine-state.ts";
import { finding } from "../fixtures.ts";
import { at } from "./support.ts";

const options = {
  agentName: "host-a",
  environment: "test",
  forMs: 0,
  groupWaitMs: 30_000,
  flapWindowMs: 600_000,
  flapMaxChanges: 4,
  inhibit: true,
  routes: [{ channel: "ops", severities: ["warning", "critical"] as const, types: [], sendResolved: true, repeatIntervalMs: 3_600_000 }],
};

describe("engine state", () => {
  test("in parts: one per alert, one per open group, the silences; read back to the same state", () => {
    const e = createAlertEngine(options);
    e.tick(new Date(at(0)), [finding(), finding({ labels: { cpu: "1" } })]);
    e.addSilence({ matchers: ["alertname=disk_full"], startsAt: at(0), endsAt: at(60) }, new Date(at(0)));
    const parts = statePartsOf(e.exportState());
    expect([...parts.keys()].map((k) => k.replace(/:[0-9a-f]{16}$/, ":<fingerprint>"))).toEqual(["alert:<fingerprint>", "alert:<fingerprint>", "buffer:ops", "silences"]);
    expect(parts).toEqual(e.exportStateParts());
    expect(stateFromParts(parts)).toEqual(e.exportState());
  });

  test("parts it does not know are ignored; no parts is an empty state", () => {
    expect(stateFromParts([["future:thing", "{}"]])).toEqual({ version: 1, alerts: [], buffers: [], silences: [] });
  });

  test("state saved by the agent before its engine was split into steps loads and saves back unchanged", () => {
    // The parts the golden run had saved by its restart at 175 s, as SQLite held them.
    const golden = JSON.parse(readFileSync(join(import.meta.dir, "../../golden/alert-engine/scenario.json"), "utf8")) as Array<{ t: number; written: Record<string, string>; removed: string[] }>;
    const saved = new Map<string, string>();
    for (const step of golden.filter((s) => s.t < 175)) {
      for (const [key, text] of Object.entries(step.written)) saved.set(key, text);
      for (const key of step.removed) saved.delete(key);
    }
    expect([...saved.keys()].some((k) => k.startsWith("buffer:"))).toBe(true);
    const engine = createAlertEngine({ ...options, routes: [...options.routes, { ...options.routes[0]!, channel: "pager" }, { ...options.routes[0]!, channel: "storage" }] }, stateFromParts(saved));
    expect(engine.exportStateParts()).toEqual(saved);
  });
});
