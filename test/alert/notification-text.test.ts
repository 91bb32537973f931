import { expect, test } from "bun:test";
import type { RelatedSeries } from "../../src/contracts/finding.ts";
import { plainText } from "../../src/alert/notification-text.ts";
import { finding, notification } from "./fixtures.ts";

test("the plain text of an alert names the series that deviated with it", () => {
  const related: RelatedSeries[] = [
    { metric: "aiops_load1", labels: {}, value: 3.912, since: "2026-01-10T08:00:00.000Z" },
    { metric: "aiops_pressure_stalled_percent", labels: { resource: "cpu", kind: "some", window: "10s" }, value: 37.88, since: "2026-01-10T08:00:00.000Z" },
  ];
  const text = plainText(notification({ finding: finding({ related }) }));
  expect(text).toContain('\n  with: aiops_load1 3.91; aiops_pressure_stalled_percent{resource="cpu",kind="some",window="10s"} 37.88\n');
  expect(plainText(notification())).not.toContain("with:");
});
