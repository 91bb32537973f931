import { readFileSync } from "node:fs";
import os from "node:os";
import type { Clock } from "../clock.ts";
import { loadSystemInformation } from "./fallback.ts";
import type { HostPaths } from "./linux/host-paths.ts";

/** What the host is, learned once at start-up: shown in logs, `/api/v1/snapshot` and the TUI header. */
export interface Inventory {
  hostname: string;
  os: string;
  kernel: string;
  arch: string;
  cpu_model: string;
  cpu_cores: number;
  /** e.g. "KVM", "VMware"; empty on bare metal or when unknown. */
  virtualization: string;
  /** Hardware vendor and model, when known. */
  system: string;
}

/** `PRETTY_NAME` of an os-release file. */
export function parseOsRelease(text: string): string | undefined {
  const match = text.match(/^PRETTY_NAME=(?:"([^"]*)"|'([^']*)'|(.*))$/m);
  return match ? (match[1] ?? match[2] ?? match[3])?.trim() : undefined;
}

/** The first `model name` (x86) or `Model`/`Hardware` (ARM) of /proc/cpuinfo, and the processor count. */
export function parseCpuinfo(text: string): { model?: string; cores: number } {
  const model = text.match(/^(?:model name|Model|Hardware)\s*:\s*(.+)$/m)?.[1]?.trim();
  const cores = (text.match(/^processor\s*:/gm) ?? []).length;
  return { cores, ...(model ? { model } : {}) };
}

function readOr(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

/** What the host's own files say (under the host root, so a container reports its host); no process started. */
export function fileInventory(paths: HostPaths | undefined): Partial<Inventory> {
  const found: Partial<Inventory> = {};
  if (!paths) return found;
  const osRelease = readOr(paths.rootfs("etc/os-release")) ?? readOr(paths.rootfs("usr/lib/os-release"));
  const name = osRelease ? parseOsRelease(osRelease) : undefined;
  if (name) found.os = name;
  const kernel = readOr(paths.proc("sys", "kernel", "osrelease"))?.trim();
  if (kernel) found.kernel = kernel;
  const hostname = readOr(paths.proc("sys", "kernel", "hostname"))?.trim();
  if (hostname) found.hostname = hostname;
  const cpuinfo = readOr(paths.proc("cpuinfo"));
  if (cpuinfo) {
    const cpu = parseCpuinfo(cpuinfo);
    if (cpu.model) found.cpu_model = cpu.model;
    if (cpu.cores > 0) found.cpu_cores = cpu.cores;
  }
  return found;
}

/** What systeminformation says (it starts programs; where there is no shell it finds nothing). */
export async function systemInformationInventory(): Promise<Partial<Inventory>> {
  const si = await loadSystemInformation();
  const [osInfo, cpu, system] = await Promise.all([si.osInfo(), si.cpu(), si.system()]);
  return {
    ...(osInfo.distro ? { os: `${osInfo.distro} ${osInfo.release}`.trim() } : {}),
    ...(osInfo.kernel ? { kernel: osInfo.kernel } : {}),
    ...(cpu.brand ? { cpu_model: `${cpu.manufacturer} ${cpu.brand}`.trim() } : {}),
    ...(cpu.cores ? { cpu_cores: cpu.cores } : {}),
    ...(system.virtual ? { virtualization: system.virtualHost || "virtual machine" } : {}),
    ...(system.manufacturer || system.model ? { system: `${system.manufacturer} ${system.model}`.trim() } : {}),
  };
}

/** Files first (exact, and about the monitored host), then systeminformation, then what Node knows. */
export function completeInventory(fromFiles: Partial<Inventory>, fromSi: Partial<Inventory>): Inventory {
  return {
    hostname: fromFiles.hostname ?? os.hostname(),
    os: fromFiles.os ?? fromSi.os ?? `${os.type()} ${os.release()}`,
    kernel: fromFiles.kernel ?? fromSi.kernel ?? os.release(),
    arch: os.arch(),
    cpu_model: fromFiles.cpu_model ?? fromSi.cpu_model ?? os.cpus()[0]?.model ?? "",
    cpu_cores: fromFiles.cpu_cores ?? fromSi.cpu_cores ?? os.cpus().length,
    virtualization: fromSi.virtualization ?? "",
    system: fromSi.system ?? "",
  };
}

/**
 * The whole inventory in this process: the host's files, then systeminformation bounded by `timeoutMs`.
 * This is `aiops-agent inventory`; the running agent asks it of a short-lived child (inventory-process.ts).
 */
export async function collectInventory(options: { paths?: HostPaths; timeoutMs: number; clock: Clock }): Promise<Inventory> {
  let cancel = () => {};
  const fromSi = await Promise.race([
    systemInformationInventory().catch((): Partial<Inventory> => ({})),
    new Promise<Partial<Inventory>>((resolve) => {
      cancel = options.clock.setTimer(options.timeoutMs, () => resolve({}));
    }),
  ]);
  cancel();
  return completeInventory(fileInventory(options.paths), fromSi);
}
