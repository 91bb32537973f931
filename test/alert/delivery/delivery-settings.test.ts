import { describe, expect, test } from "bun:test";
import { deliveryChannelsOf } from "../../../src/alert/delivery/delivery-channels.ts";
import { deliverySettingsOf } from "../../../src/alert/delivery/delivery-settings.ts";
import { delivered } from "../../../src/alert/notifier.ts";
import { configFor } from "../fixtures.ts";
import { fakeNotifier } from "./support.ts";

describe("delivery settings and channels", () => {
  test("alert.delivery in milliseconds", () => {
    const config = configFor({ delivery: { concurrency: 2, backoff_base: "500ms", backoff_max: "2m", max_age: "6h" } });
    expect(deliverySettingsOf(config)).toEqual({ concurrency: 2, baseMs: 500, maxMs: 120_000, maxAgeMs: 6 * 3_600_000 });
  });

  test("each configured channel with its notifier and its own time-out; a channel without a notifier is left out", () => {
    const config = configFor({
      channels: [
        { name: "fast", type: "webhook", url: "http://127.0.0.1:9/a", timeout: 2 },
        { name: "slow", type: "webhook", url: "http://127.0.0.1:9/b", timeout: 30 },
      ],
    });
    const fast = fakeNotifier("fast", [delivered(200)]);
    expect(deliveryChannelsOf(config, new Map([["fast", fast]]))).toEqual(new Map([["fast", { notifier: fast, timeoutMs: 2000 }]]));
  });
});
