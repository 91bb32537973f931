import { type ActionConfig, actionSchema } from "../../src/config/remediation.ts";
import type { ActionAlert } from "../../src/remediate/action.ts";

/** An action as the configuration loader gives it: the entry parsed through the schema, every default filled. */
export function actionConfig(entry: Record<string, unknown>): ActionConfig {
  return actionSchema().parse({ name: "test-action", match: ["alertname=cpu_high"], ...entry });
}

/** The alert most tests act on. */
export const ALERT: ActionAlert = { fingerprint: "f00d", labels: { alertname: "cpu_high", metric: "aiops_cpu_usage_percent", severity: "warning" } };

/** True while a process with this pid exists (signal 0 checks without signalling). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
