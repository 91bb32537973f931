import type { Collector } from "../collector.ts";
import type { PressureLine, PressureResource, PressureSection } from "../../contracts/snapshot.ts";
import type { HostPaths } from "./host-paths.ts";
import { readHostFile } from "./proc-file.ts";

/** Parses one /proc/pressure file: a `some` line and, except for CPU on old kernels, a `full` line. */
export function parsePressure(text: string): PressureResource {
  const lines: Partial<Record<"some" | "full", PressureLine>> = {};
  for (const line of text.split("\n")) {
    const [kind, ...pairs] = line.trim().split(/\s+/);
    if (kind !== "some" && kind !== "full") continue;
    const values: Record<string, number> = {};
    for (const pair of pairs) {
      const [key, value] = pair.split("=");
      if (key && value !== undefined) values[key] = Number(value);
    }
    lines[kind] = { avg10: values.avg10 ?? 0, avg60: values.avg60 ?? 0, avg300: values.avg300 ?? 0, total: values.total ?? 0 };
  }
  if (!lines.some) throw new Error(`no "some" line in pressure file: ${JSON.stringify(text.slice(0, 40))}`);
  return lines.full ? { some: lines.some, full: lines.full } : { some: lines.some };
}

/** Errors that mean "this kernel has no PSI" (before 4.20, or booted with psi=0), not a failure. */
const NO_PSI = new Set(["ENOENT", "EOPNOTSUPP", "ENOTSUP"]);

/**
 * Pressure stall information for CPU, memory and I/O. A kernel without PSI gives `pressure: null`
 * and one notice, not an error every tick.
 */
export function createPressureCollector(paths: HostPaths, notice: (message: string) => void = () => {}): Collector {
  let absentNoticed = false;
  return {
    name: "pressure",
    collect() {
      const section: PressureSection = {};
      for (const resource of ["cpu", "memory", "io"] as const) {
        try {
          section[resource] = parsePressure(readHostFile(paths.proc("pressure", resource)));
        } catch (cause) {
          if (!NO_PSI.has((cause as NodeJS.ErrnoException).code ?? "")) throw cause;
        }
      }
      if (Object.keys(section).length > 0) return { pressure: section };
      if (!absentNoticed) {
        absentNoticed = true;
        notice("this kernel reports no pressure stall information (PSI needs Linux 4.20+ and psi=1); pressure metrics are left out");
      }
      return { pressure: null };
    },
  };
}
