import { describe, expect, test } from "bun:test";
import { noticeKeyOf, noticeOf } from "../../../src/alert/engine/alert-notice.ts";
import { sha256 } from "../../../src/alert/engine/fingerprint.ts";
import { alertRecord, at } from "./support.ts";

describe("alert notice", () => {
  test("a firing notice: labels, summary and description, started when it fired, no end", () => {
    const a = alertRecord({ activeAt: at(0), firedAt: at(30) });
    expect(noticeOf(a, "firing")).toEqual({
      fingerprint: a.fingerprint,
      status: "firing",
      labels: a.labels,
      annotations: {
        summary: "High CPU usage: 85.50%",
        description: "High CPU usage: 85.50% (value 85.5, threshold 80, detector threshold, score 0.7)",
        value: "85.5",
        threshold: "80",
      },
      finding: a.finding,
      startsAt: new Date(at(30)).toISOString(),
    });
  });

  test("a resolved notice ends when the alert resolved", () => {
    const a = alertRecord({ firedAt: at(30), resolvedAt: at(90) });
    expect(noticeOf(a, "resolved")).toMatchObject({ status: "resolved", startsAt: new Date(at(30)).toISOString(), endsAt: new Date(at(90)).toISOString() });
  });

  test("the idempotency key: the same for the same notice, new for another channel, status, repeat or episode", () => {
    const a = alertRecord({ firedAt: at(30) });
    const key = noticeKeyOf(a, "host-a", "ops", "firing", 1, sha256);
    expect(key).toBe(sha256(JSON.stringify(["host-a", a.fingerprint, "ops", "firing", at(30), 1])).slice(0, 32));
    expect(noticeKeyOf(a, "host-a", "ops", "firing", 1, sha256)).toBe(key);
    const others = [
      noticeKeyOf(a, "host-b", "ops", "firing", 1, sha256),
      noticeKeyOf(a, "host-a", "pager", "firing", 1, sha256),
      noticeKeyOf(a, "host-a", "ops", "resolved", 1, sha256),
      noticeKeyOf(a, "host-a", "ops", "firing", 2, sha256),
      noticeKeyOf({ ...a, firedAt: at(600) }, "host-a", "ops", "firing", 1, sha256),
    ];
    expect(new Set([key, ...others]).size).toBe(6);
  });
});
