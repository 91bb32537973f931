import { describe, expect, test } from "bun:test";
import { deliveryChannelsOf } from "../../../src/alert/delivery/delivery-channels.ts";
import { delivered } from "../../../src/alert/notifier.ts";
import { configFor } from "../fixtures.ts";
import { fakeNotifier } from "./support.ts";

describe("delivery channels", () => {
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
