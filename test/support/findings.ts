import type { Finding } from "../../src/contracts/finding.ts";

/** A finding for tests, in the shape detectors produce: CPU above its warning level unless overridden. */
export function finding(over: Partial<Finding> = {}): Finding {
  return {
    type: "cpu_high",
    severity: "warning",
    message: "High CPU usage: 85.50%",
    value: 85.5,
    threshold: 80,
    metric: "aiops_cpu_usage_percent",
    labels: {},
    detector: "threshold",
    score: 0.7,
    timestamp: "2026-01-10T08:00:00.000Z",
    ...over,
  };
}
