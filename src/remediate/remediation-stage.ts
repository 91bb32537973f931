import type { Config } from "../config/schema.ts";
import type { TickContext, TickStage } from "../contracts/tick.ts";
import type { Remediator } from "./remediator.ts";

/**
 * Plugs remediation into the tick, after the alert stage: the alerts that changed state this tick go
 * to the remediator, then approvals that waited too long expire and verifications come due. Its close
 * waits for (then cuts) the actions in flight, before the store closes.
 */
export function createRemediationStage(remediator: Remediator): TickStage {
  return {
    name: "remediate",
    run(tick: TickContext): void {
      remediator.onAlertChanges(tick.alertChanges);
      remediator.tick();
    },
    reload(config: Config): void {
      remediator.reload(config);
    },
    close: () => remediator.close(),
  };
}
