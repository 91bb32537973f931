import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createAlertEngine } from "../../../src/alert/engine/alert-engine.ts";
import { stateFromParts, statePartsOf } from "../../../src/alert/engine/engine-state.ts";
import { decideNotify } from "../../../src/alert/engine/notify-decision.ts";
import { finding } from "../fixtures.ts";
import { at } from "./support.ts";

const options = {
  agentName: "host-a",
  environment: "test",
  forMs: 0,
  groupWaitMs: 30_000,
  severityHoldMs: 300_000,
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

  test("state saved by this version loads and saves back unchanged", () => {
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

  test("state saved before severity damping loads and saves back unchanged, and is damped from what it holds", () => {
    const saved = new Map(Object.entries(JSON.parse(readFileSync(join(import.meta.dir, "../../fixtures/alert-engine-state/saved-before-severity-hold.json"), "utf8")) as Record<string, string>));
    const state = stateFromParts(saved);
    const routes = [options.routes[0]!, { ...options.routes[0]!, channel: "pager" }, { ...options.routes[0]!, channel: "storage" }];
    expect(createAlertEngine({ ...options, routes }, state).exportStateParts()).toEqual(saved);

    const cpu = state.alerts.find((a) => a.labels.alertname === "cpu_high")!;
    // What ops was told last: warning at 160 s; the older state does not say whether it ever heard critical.
    expect(cpu.told.ops).toEqual({ at: at(160), severity: "warning", seq: 4, flushed: true });
    const critical = { ...cpu, finding: { ...cpu.finding, severity: "critical" as const } };
    expect(decideNotify(critical, routes[0]!, { silencedBy: [] }, at(170), 300_000)).toEqual({ notify: "now", why: "escalation", seq: 5 });
    // The pager heard critical at 60 s: an easing is held 5 minutes from its last notice.
    expect(cpu.told.pager).toEqual({ at: at(60), severity: "critical", seq: 1, flushed: true });
    expect(decideNotify(cpu, routes[1]!, { silencedBy: [] }, at(170), 300_000)).toEqual({ notify: "later", at: at(360) });
  });
});
