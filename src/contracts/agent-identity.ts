import type { ThresholdLevel } from "./finding.ts";

/**
 * Who an agent is, as readers need it to show its data: identity, interval, and the warning and critical
 * level of every metric with a threshold rule (the levels the threshold detector uses), by metric name.
 */
export interface AgentIdentity {
  name: string;
  environment: string;
  version: string;
  interval_seconds: number;
  thresholds: Record<string, ThresholdLevel>;
}
