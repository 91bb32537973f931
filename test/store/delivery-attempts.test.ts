import { describe, expect, test } from "bun:test";
import type { Database } from "bun:sqlite";
import type { DeliveryOutcome } from "../../src/contracts/delivery.ts";
import { failingChannels, recordDeliveryAttempt } from "../../src/store/delivery-attempts.ts";
import { enqueueNotification } from "../../src/store/notifications.ts";
import { openMemoryDatabase } from "../../src/store/open-database.ts";
import { T0 } from "./support/temp.ts";

/** Records one attempt on `channel` at T0 + `s` seconds, on a notification of its own. */
function attempt(db: Database, channel: string, s: number, outcome: DeliveryOutcome, error: string | null = null, httpStatus: number | null = null): void {
  const id = enqueueNotification(db, {
    alertFingerprint: "fp",
    alertState: "firing",
    channel,
    idempotencyKey: `${channel}:${s}`,
    payload: {},
    createdAt: T0 + s * 1000,
  })!;
  recordDeliveryAttempt(db, { notificationId: id, channel, ts: T0 + s * 1000, outcome, httpStatus, error, latencyMs: 1 });
}

describe("failing channels, from the attempt log", () => {
  test("a channel counts from its first failure after its last delivery, with its newest error; one that delivered last is not failing", () => {
    const db = openMemoryDatabase(T0);
    attempt(db, "slack", 0, "retry", "HTTP 503: old outage", 503);
    attempt(db, "slack", 10, "delivered", null, 200);
    attempt(db, "slack", 20, "retry", "HTTP 503: unavailable", 503);
    attempt(db, "pager", 25, "retry", "no answer from events.pagerduty.com:443: ECONNREFUSED");
    attempt(db, "pager", 30, "delivered", null, 202);
    attempt(db, "email", 35, "failed", null, 550);
    attempt(db, "slack", 40, "retry", "no answer from hooks.slack.com:443: ECONNRESET");
    expect(failingChannels(db)).toEqual([
      { channel: "email", since: T0 + 35_000, attempts: 1, lastError: null, lastHttpStatus: 550 },
      { channel: "slack", since: T0 + 20_000, attempts: 2, lastError: "no answer from hooks.slack.com:443: ECONNRESET", lastHttpStatus: null },
    ]);
  });

  test("an empty log: nothing is failing", () => {
    expect(failingChannels(openMemoryDatabase(T0))).toEqual([]);
  });
});
