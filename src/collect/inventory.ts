import os from "node:os";
import type { Clock } from "../clock.ts";
import { loadSystemInformation } from "./fallback.ts";
import { type HostFacts, readHostInventory } from "./linux/host-inventory.ts";
import type { HostPaths } from "./linux/host-paths.ts";

/** What the host is, learned once at start-up: shown in logs, `/api/v1/snapshot` and the TUI header. */
export interface Inventory {
  hostname: string;
  os: string;
  kernel: string;
  arch: string;
  cpu_model: string;
  cpu_cores: number;
  /** Physical memory the kernel manages (MemTotal). */
  memory_bytes: number;
  /** e.g. "KVM", "VMware"; empty on bare metal or when unknown. */
  virtualization: string;
  /** Hardware vendor and model, when known. */
  system: string;
}

/** What systeminformation says (it starts programs; where there is no shell it finds nothing). */
export async function systemInformationInventory(): Promise<Partial<Inventory>> {
  const si = await loadSystemInformation();
  const [osInfo, cpu, system, mem] = await Promise.all([si.osInfo(), si.cpu(), si.system(), si.mem()]);
  return {
    ...(osInfo.distro ? { os: `${osInfo.distro} ${osInfo.release}`.trim() } : {}),
    ...(osInfo.kernel ? { kernel: osInfo.kernel } : {}),
    ...(cpu.brand ? { cpu_model: `${cpu.manufacturer} ${cpu.brand}`.trim() } : {}),
    ...(cpu.cores ? { cpu_cores: cpu.cores } : {}),
    ...(mem.total ? { memory_bytes: mem.total } : {}),
    ...(system.virtual ? { virtualization: system.virtualHost || "virtual machine" } : {}),
    ...(system.manufacturer || system.model ? { system: `${system.manufacturer} ${system.model}`.trim() } : {}),
  };
}

/** Files first (exact, and about the monitored host), then systeminformation, then what Node knows. */
export function completeInventory(fromFiles: HostFacts, fromSi: Partial<Inventory>): Inventory {
  return {
    hostname: fromFiles.hostname ?? os.hostname(),
    os: fromFiles.os ?? fromSi.os ?? `${os.type()} ${os.release()}`,
    kernel: fromFiles.kernel ?? fromSi.kernel ?? os.release(),
    arch: os.arch(),
    cpu_model: fromFiles.cpu_model ?? fromSi.cpu_model ?? os.cpus()[0]?.model ?? "",
    cpu_cores: fromFiles.cpu_cores ?? fromSi.cpu_cores ?? os.cpus().length,
    memory_bytes: fromFiles.memory_bytes ?? fromSi.memory_bytes ?? os.totalmem(),
    virtualization: fromFiles.virtualization ?? fromSi.virtualization ?? "",
    system: fromFiles.system ?? fromSi.system ?? "",
  };
}

/**
 * The whole inventory in this process. On Linux (`paths` given) the host's own files answer alone:
 * reading them costs a few system calls and starts nothing. Elsewhere systeminformation answers,
 * bounded by `timeoutMs`; it starts programs, so the running agent asks it of a short-lived child
 * (inventory-process.ts). This is `aiops-agent inventory`.
 */
export async function collectInventory(options: { paths?: HostPaths; timeoutMs: number; clock: Clock }): Promise<Inventory> {
  if (options.paths) return completeInventory(readHostInventory(options.paths), {});
  let cancel = () => {};
  const fromSi = await Promise.race([
    systemInformationInventory().catch((): Partial<Inventory> => ({})),
    new Promise<Partial<Inventory>>((resolve) => {
      cancel = options.clock.setTimer(options.timeoutMs, () => resolve({}));
    }),
  ]);
  cancel();
  return completeInventory({}, fromSi);
}
