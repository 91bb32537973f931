import { type ProcessOrder, rankProcesses } from "../collect/process-ranking.ts";
import type { ProcessTable } from "../collect/process-table.ts";
import type { Finding } from "../contracts/finding.ts";
import type { TickContext, TickStage } from "../contracts/tick.ts";

/** How many processes a finding names. */
export const TOP_PROCESSES = 3;

/**
 * Which processes weigh on a finding's resource, and so how to rank them: CPU findings by CPU, memory
 * and swap by resident memory (a forecast of memory running out by how fast it grows), disk space by
 * bytes written, disk and I/O pressure by bytes read and written. Anything else (network, sensors,
 * plugins) by CPU: the first question when a host misbehaves is who is busy.
 */
export function processOrderFor(finding: Pick<Finding, "metric" | "type" | "labels">): ProcessOrder {
  const m = finding.metric;
  const resource = m === "aiops_pressure_stalled_percent" ? finding.labels.resource : undefined;
  if (resource === "memory" || /^aiops_(memory|swap|cgroup_memory|container_memory)_/.test(m)) {
    return finding.type.endsWith("_forecast") ? "memory_growth" : "memory";
  }
  if (resource === "io") return "io";
  if (/_read_bytes_per_second$/.test(m) && /^aiops_(disk|container)_/.test(m)) return "read";
  if (/_write_bytes_per_second$/.test(m) && /^aiops_(disk|container)_/.test(m)) return "write";
  if (/^aiops_disk_(total_)?(reads|writes|busy)/.test(m)) return "io";
  if (/^aiops_disk_/.test(m)) return "write";
  return "cpu";
}

/**
 * Root-cause context: gives every finding of the tick the three processes that weighed most on its
 * resource (`top_processes`), from the last reading of the processes. That reading may be up to
 * `collect.processes.interval` old (the processes are not read every tick), so on a tick where a
 * finding starts and no reading was taken, the processes are read then and there: a finding's
 * processes always come from a reading taken during its episode, at most an interval before the tick
 * that carries them. The alert engine keeps the finding of the tick an alert fires on, so each
 * notification names who was busy then. Runs after detection, before history and alerting.
 */
export function createRootCauseStage(table: ProcessTable): TickStage {
  return {
    name: "root-cause",
    run(tick: TickContext): void {
      if (tick.findings.length === 0) return;
      let failure: unknown;
      // A reading stamped before the tick began was not taken by this tick's collection.
      if (tick.startedFindings.length > 0 && (table.readAt ?? Number.NEGATIVE_INFINITY) < tick.time) {
        try {
          table.readNow();
        } catch (cause) {
          failure = cause; // the findings keep the last reading; the agent logs and counts the failure
        }
      }
      const items = table.items;
      if (items.length > 0) {
        const ranked = new Map<ProcessOrder, Finding["top_processes"]>();
        for (const finding of tick.findings) {
          const order = processOrderFor(finding);
          let top = ranked.get(order);
          if (!top) ranked.set(order, (top = rankProcesses(items, order, TOP_PROCESSES)));
          finding.top_processes = top;
        }
      }
      if (failure !== undefined) throw new Error("read the processes for the findings that started", { cause: failure });
    },
  };
}
