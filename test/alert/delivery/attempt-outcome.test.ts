import { describe, expect, test } from "bun:test";
import { CANCELLED_BY_STOP } from "../../../src/alert/delivery/attempt.ts";
import { attemptOutcomeOf } from "../../../src/alert/delivery/attempt-outcome.ts";
import { retryDelayMs } from "../../../src/alert/delivery/backoff.ts";
import { delivered, failed } from "../../../src/alert/notifier.ts";
import type { NotificationRecord } from "../../../src/store/notifications.ts";
import { seededRandom } from "../../support/seeded-random.ts";
import { T0 } from "../outbox/support.ts";

const settings = { concurrency: 4, baseMs: 1000, maxMs: 60_000, maxAgeMs: 3_600_000 };
const row = (attempts = 0) => ({ id: 1, attempts, createdAt: T0 }) as NotificationRecord;
const at = T0 + 5000;

describe("attempt outcome", () => {
  test("delivered: the row is done, with its time", () => {
    expect(attemptOutcomeOf(row(2), delivered(200), at, settings, Math.random)).toEqual({
      outcome: "delivered",
      changes: { status: "delivered", attempts: 3, deliveredAt: at, lastError: null, updatedAt: at },
    });
  });

  test("a retryable failure: due again after the backoff with jitter", () => {
    const wait = retryDelayMs(1, settings, seededRandom(3));
    expect(attemptOutcomeOf(row(), failed("HTTP 503", true, 503), at, settings, seededRandom(3))).toEqual({
      outcome: "retry",
      changes: { attempts: 1, nextAttemptAt: at + wait, lastError: "HTTP 503", updatedAt: at },
    });
  });

  test("never before the receiver's Retry-After", () => {
    const { changes } = attemptOutcomeOf(row(), failed("HTTP 429", true, 429, 30_000), at, settings, () => 0.01);
    expect(changes.nextAttemptAt).toBe(at + 30_000);
  });

  test("a refusal is final: dead-lettered with the receiver's reason", () => {
    expect(attemptOutcomeOf(row(), failed("HTTP 400: bad payload", false, 400), at, settings, Math.random)).toEqual({
      outcome: "failed",
      changes: { status: "dead", attempts: 1, deadLetteredAt: at, lastError: "HTTP 400: bad payload", updatedAt: at },
    });
  });

  test("the last retry falls on the max age; failing at or past it gives up", () => {
    const nearEnd = T0 + settings.maxAgeMs - 100;
    expect(attemptOutcomeOf(row(9), failed("HTTP 502", true, 502), nearEnd, settings, () => 0.99).changes.nextAttemptAt).toBe(T0 + settings.maxAgeMs);
    expect(attemptOutcomeOf(row(10), failed("HTTP 502", true, 502), T0 + settings.maxAgeMs, settings, Math.random)).toMatchObject({
      outcome: "failed",
      changes: { status: "dead", lastError: "HTTP 502" },
    });
  });

  test("cut short by a stop: not the receiver's fault, due again at once", () => {
    expect(attemptOutcomeOf(row(), failed(CANCELLED_BY_STOP, true), at, settings, Math.random)).toEqual({
      outcome: "retry",
      changes: { attempts: 1, nextAttemptAt: at, lastError: CANCELLED_BY_STOP, updatedAt: at },
    });
  });
});
