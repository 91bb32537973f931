import { describe, expect, test } from "bun:test";
import { noticeOf } from "../../../src/alert/engine/alert-notice.ts";
import type { AlertNotice } from "../../../src/alert/notifier.ts";
import { sha256 } from "../../../src/alert/engine/fingerprint.ts";
import { createGrouping } from "../../../src/alert/engine/grouping.ts";
import { finding } from "../fixtures.ts";
import { alertRecord, at } from "./support.ts";

const settings = { agentName: "host-a", environment: "test", groupWaitMs: 30_000, hash: sha256 };
const cpu = alertRecord();
const disk = alertRecord({ finding: finding({ type: "disk_full", metric: "aiops_disk_used_percent", labels: { mountpoint: "/" }, severity: "critical" }), firedAt: at(5) });
const names = (notices: readonly AlertNotice[]) => notices.map((a) => `${a.labels.alertname}/${a.status}`);

describe("grouping", () => {
  test("a channel's window opens with its first notice and closes group_wait later with one notification", () => {
    const g = createGrouping(settings, [], new Set(["ops"]));
    g.add("ops", noticeOf(cpu, "firing"), "k-cpu", at(0));
    g.add("ops", noticeOf(disk, "firing"), "k-disk", at(10));
    const sent: string[] = [];
    expect(g.flush(at(29), () => sent.push("x"))).toEqual([]);
    const [n, ...rest] = g.flush(at(30), (channel, e) => sent.push(`${channel}:${e.key}`));
    expect(rest).toEqual([]);
    expect(sent).toEqual(["ops:k-cpu", "ops:k-disk"]);
    // The lead alert is the critical one; the grouped key is a hash of both keys.
    expect(n).toMatchObject({ channel: "ops", status: "firing", fingerprint: disk.fingerprint, agentName: "host-a", environment: "test", test: false, createdAt: new Date(at(30)).toISOString() });
    expect(n!.alerts.map((a) => a.labels.alertname)).toEqual(["disk_full", "cpu_high"]);
    expect(n!.idempotencyKey).toBe(sha256(JSON.stringify(["k-cpu", "k-disk"])).slice(0, 32));
    // Closed: nothing more until a new notice opens a new window.
    expect(g.flush(at(60), () => {})).toEqual([]);
    expect(g.export()).toEqual([]);
  });

  test("one notice keeps its own key; the latest word on an alert replaces the earlier one in its place", () => {
    const g = createGrouping({ ...settings, groupWaitMs: 0 }, [], new Set(["ops"]));
    g.add("ops", noticeOf(cpu, "firing"), "k1", at(0));
    g.add("ops", noticeOf({ ...cpu, finding: finding({ severity: "critical" }) }, "firing"), "k2", at(0));
    const [n] = g.flush(at(0), () => {});
    expect(n!.idempotencyKey).toBe("k2");
    expect(n!.alerts).toHaveLength(1);
    expect(n!.finding.severity).toBe("critical");
  });

  test("a notice taken back before its window closes is never sent; an emptied window closes", () => {
    const g = createGrouping(settings, [], new Set(["ops"]));
    g.add("ops", noticeOf(cpu, "firing"), "k-cpu", at(0));
    g.retract("ops", cpu.fingerprint, noticeOf(cpu, "firing").startsAt);
    expect(g.export()).toEqual([]);
    expect(g.flush(at(30), () => {})).toEqual([]);
    g.retract("pager", cpu.fingerprint, noticeOf(cpu, "firing").startsAt);
  });

  test("the resolve of one episode and the firing of the next are two entries; taking back the firing leaves the resolve", () => {
    const g = createGrouping(settings, [], new Set(["ops"]));
    const first = { ...cpu, resolvedAt: at(20) };
    const next = { ...cpu, firedAt: at(25), activeAt: at(25) };
    g.add("ops", noticeOf(first, "resolved"), "r1", at(20));
    g.add("ops", noticeOf(next, "firing"), "f2", at(25));
    expect(g.export()[0]!.entries.map((e) => e.key)).toEqual(["r1", "f2"]);
    g.retract("ops", next.fingerprint, noticeOf(next, "firing").startsAt);
    const [n] = g.flush(at(50), () => {});
    expect(n!.idempotencyKey).toBe("r1");
  });

  test("firing before resolved in a notification; a notification of resolves only is resolved", () => {
    const g = createGrouping({ ...settings, groupWaitMs: 0 }, [], new Set(["ops"]));
    g.add("ops", noticeOf({ ...disk, resolvedAt: at(20) }, "resolved"), "r", at(20));
    g.add("ops", noticeOf(cpu, "firing"), "f", at(20));
    const [mixed] = g.flush(at(20), () => {});
    expect(mixed!.status).toBe("firing");
    expect(names(mixed!.alerts)).toEqual(["cpu_high/firing", "disk_full/resolved"]);
    g.add("ops", noticeOf({ ...cpu, resolvedAt: at(30) }, "resolved"), "r2", at(30));
    const [resolved] = g.flush(at(30), () => {});
    expect(resolved).toMatchObject({ status: "resolved", endsAt: new Date(at(30)).toISOString() });
  });

  test("windows survive a restart through the saved state, except those of a channel no longer configured", () => {
    const before = createGrouping(settings, [], new Set(["ops", "gone"]));
    before.add("ops", noticeOf(cpu, "firing"), "k-ops", at(0));
    before.add("gone", noticeOf(cpu, "firing"), "k-gone", at(0));
    const saved = JSON.parse(JSON.stringify(before.export()));
    expect(saved.map((g: { channel: string; openedAt: number }) => [g.channel, g.openedAt])).toEqual([
      ["ops", at(0)],
      ["gone", at(0)],
    ]);
    const after = createGrouping(settings, saved, new Set(["ops"]));
    expect(after.flush(at(30), () => {}).map((n) => [n.channel, n.idempotencyKey])).toEqual([["ops", "k-ops"]]);
  });
});
