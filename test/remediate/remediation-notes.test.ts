import { describe, expect, test } from "bun:test";
import type { Notification } from "../../src/alert/notifier.ts";
import type { RemediationNote } from "../../src/contracts/remediation.ts";
import { webhookBody } from "../../src/alert/notifiers/webhook.ts";
import { plainText } from "../../src/alert/notification-text.ts";
import { createOutbox } from "../../src/alert/outbox.ts";
import type { TickResult } from "../../src/alert/engine/alert-engine.ts";
import { annotateWithRemediation } from "../../src/remediate/remediation-notes.ts";
import { listNotifications } from "../../src/store/notifications.ts";
import { insertRemediationRun } from "../../src/store/remediation-runs.ts";
import { notification } from "../alert/fixtures.ts";
import { openStore } from "../alert/outbox/support.ts";

const STARTED = Date.parse("2026-01-10T08:00:00Z");

describe("an alert's next notification says what remediation tried", () => {
  test("the runs of this episode travel with the notice: in the webhook body (additive) and in the text of chat and email", () => {
    const { store } = openStore();
    const base = { kind: "signal" as const, mode: "auto" as const, alert: { fingerprint: "0123456789abcdef", labels: {} }, plan: "send SIGTERM to 1 process: 42 stress-ng", exitCode: null, signal: null, output: "", decidedBy: null, verifyBy: null };
    store.transaction((db) => {
      // An earlier episode of the same alert: not this one's story.
      insertRemediationRun(db, { ...base, action: "old", outcome: "succeeded", reason: "", createdAt: STARTED - 3_600_000, updatedAt: STARTED - 3_500_000, startedAt: null, endedAt: null });
      insertRemediationRun(db, { ...base, action: "stop-runaway", outcome: "failed", reason: "the alert still fires 2m after the action", createdAt: STARTED + 1000, updatedAt: STARTED + 121_000, startedAt: STARTED + 1000, endedAt: STARTED + 1100 });
    });
    const outbox = createOutbox({ store, annotate: annotateWithRemediation });
    const repeat: Notification = notification({ idempotencyKey: "repeat-1" });
    outbox.record(STARTED + 200_000, { changes: [], notifications: [repeat] } as unknown as TickResult, new Map());

    const queued = store.read((db) => listNotifications(db, {})).items[0]!.payload as Notification;
    const note: RemediationNote = { action: "stop-runaway", outcome: "failed", reason: "the alert still fires 2m after the action", plan: "send SIGTERM to 1 process: 42 stress-ng", at: new Date(STARTED + 121_000).toISOString() };
    expect(queued.remediations).toEqual([note]);
    const body = webhookBody(queued);
    expect(body.remediations).toEqual([note]);
    expect((body.alerts as Array<Record<string, unknown>>)[0]!.remediations).toEqual([note]);
    expect(body.anomaly).toEqual(repeat.finding);
    expect(plainText(queued)).toContain("  remediation: stop-runaway: failed (the alert still fires 2m after the action)");
  });

  test("an alert nothing was tried for is notified exactly as before", () => {
    const { store } = openStore();
    const outbox = createOutbox({ store, annotate: annotateWithRemediation });
    const plain = notification();
    outbox.record(STARTED, { changes: [], notifications: [plain] } as unknown as TickResult, new Map());
    expect(store.read((db) => listNotifications(db, {})).items[0]!.payload).toEqual(JSON.parse(JSON.stringify(plain)));
  });
});
