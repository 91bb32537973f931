import { describe, expect, test } from "bun:test";
import { deliverySettingsOf } from "../../../src/alert/delivery/delivery-settings.ts";
import { configFor } from "../fixtures.ts";

describe("delivery settings", () => {
  test("alert.delivery in milliseconds", () => {
    const config = configFor({ delivery: { concurrency: 2, backoff_base: "500ms", backoff_max: "2m", max_age: "6h" } });
    expect(deliverySettingsOf(config)).toEqual({ concurrency: 2, baseMs: 500, maxMs: 120_000, maxAgeMs: 6 * 3_600_000 });
  });
});
