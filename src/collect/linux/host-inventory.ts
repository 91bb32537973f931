import { readFileSync, readlinkSync } from "node:fs";
import { armCpuName, armCpuNumbers } from "./arm-cpu-parts.ts";
import type { HostPaths } from "./host-paths.ts";
import { parseMeminfo } from "./memory.ts";

/** What a Linux host's own files say it is; a field the files do not give is left out. */
export interface HostFacts {
  hostname?: string;
  os?: string;
  kernel?: string;
  cpu_model?: string;
  cpu_cores?: number;
  memory_bytes?: number;
  virtualization?: string;
  system?: string;
}

/** Unquoted `KEY=value` pairs of an os-release file (double, single or no quotes). */
function osReleaseFields(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split("\n")) {
    const match = line.match(/^([A-Z0-9_]+)=(?:"((?:[^"\\]|\\.)*)"|'([^']*)'|(.*))\s*$/);
    if (match) fields.set(match[1]!, (match[2]?.replace(/\\(.)/g, "$1") ?? match[3] ?? match[4] ?? "").trim());
  }
  return fields;
}

/** The OS name with its version: `PRETTY_NAME`, else `NAME` and `VERSION` (or `VERSION_ID`). */
export function parseOsRelease(text: string): string | undefined {
  const fields = osReleaseFields(text);
  const pretty = fields.get("PRETTY_NAME");
  if (pretty) return pretty;
  const name = fields.get("NAME");
  if (!name) return undefined;
  const version = fields.get("VERSION") || fields.get("VERSION_ID");
  return version ? `${name} ${version}` : name;
}

/** `key : value` of the first block of /proc/cpuinfo that has the key (ARM puts `Hardware` and `Model` in a last block). */
function cpuinfoField(text: string, key: string): string | undefined {
  const match = text.match(new RegExp(`^${key}\\s*:\\s*(.*)$`, "m"));
  const value = match?.[1]?.trim();
  return value ? value : undefined;
}

/**
 * The CPU of /proc/cpuinfo: x86 (and 32-bit ARM) name it in `model name`; arm64 gives only
 * `CPU implementer` and `CPU part` numbers, named through lscpu's table, else the SoC in `Hardware`
 * (boards' kernels add it), else the numbers.
 * Cores are the logical processors listed. `board` is the `Model` line some ARM boards add (a
 * Raspberry Pi names itself there).
 */
export function parseCpuinfo(text: string): { model?: string; cores: number; board?: string; hypervisor: boolean } {
  const cores = (text.match(/^processor\s*:/gm) ?? []).length;
  const implementer = cpuinfoField(text, "CPU implementer");
  const part = cpuinfoField(text, "CPU part");
  const arm = implementer && part ? ([Number(implementer), Number(part)] as const) : undefined;
  const model =
    cpuinfoField(text, "model name") ??
    (arm ? armCpuName(...arm) : undefined) ??
    cpuinfoField(text, "Hardware") ??
    (arm ? armCpuNumbers(...arm) : undefined) ??
    cpuinfoField(text, "cpu"); // POWER: "POWER9 (raw), altivec supported"
  const board = cpuinfoField(text, "Model");
  // x86 sets the `hypervisor` flag in a guest (CPUID leaf 1, ECX bit 31).
  const hypervisor = /^flags\s*:.*\bhypervisor\b/m.test(text);
  return { cores, hypervisor, ...(model ? { model } : {}), ...(board ? { board } : {}) };
}

/** DMI vendor or product strings that name a hypervisor, as systemd-detect-virt reads them. */
const DMI_HYPERVISORS: ReadonlyArray<[RegExp, string]> = [
  [/^KVM|^OpenStack|^KubeVirt/, "KVM"],
  [/^QEMU/, "QEMU"],
  [/^VMware|^VMW/, "VMware"],
  [/^innotek GmbH|^VirtualBox/, "VirtualBox"],
  [/^Xen/, "Xen"],
  [/^Bochs/, "Bochs"],
  [/^Parallels/, "Parallels"],
  [/^BHYVE/, "bhyve"],
  [/^Amazon EC2/, "Amazon EC2"],
  [/^Google Compute Engine/, "Google Compute Engine"],
  [/^Apple Virtualization/, "Apple Virtualization"],
];

/** What firmware writes when the maker filled nothing in. */
const DMI_PLACEHOLDER = /^(To Be Filled By O\.E\.M\.|System manufacturer|System Product Name|Default string|Not Specified|None|O\.E\.M\.)$/i;

/** The hypervisor the DMI strings name ("Microsoft Corporation" is Hyper-V only for its "Virtual Machine"). */
export function dmiVirtualization(vendor: string | undefined, product: string | undefined): string | undefined {
  if (vendor === "Microsoft Corporation" && product === "Virtual Machine") return "Hyper-V";
  for (const text of [vendor, product]) {
    if (!text) continue;
    for (const [pattern, name] of DMI_HYPERVISORS) if (pattern.test(text)) return name;
  }
  return undefined;
}

function readTrimmed(path: string): string | undefined {
  try {
    // Device-tree strings end in a NUL.
    const text = readFileSync(path, "utf8").replace(/\0+$/, "").trim();
    return text ? text : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A file of the host's tree: a symbolic link with an absolute target (`/etc/os-release` →
 * `/usr/lib/os-release` on some systems) points into the host's tree too, not into this container's.
 */
function readHostFile(paths: HostPaths, path: string): string | undefined {
  let target = paths.rootfs(path);
  try {
    const link = readlinkSync(target);
    if (link.startsWith("/")) target = paths.rootfs(link);
  } catch {
    // Not a link (or not there): read it as it is.
  }
  return readTrimmed(target);
}

/**
 * OS, kernel, CPU, memory, host name, hypervisor and machine, read from the host's files under its root
 * (a container with the host mounted reports the host): os-release, /proc and sysfs. Starts no
 * program; a file that is missing or unreadable leaves its fields out.
 */
export function readHostInventory(paths: HostPaths): HostFacts {
  const facts: HostFacts = {};
  const osRelease = readHostFile(paths, "etc/os-release") ?? readHostFile(paths, "usr/lib/os-release");
  const os = osRelease ? parseOsRelease(osRelease) : undefined;
  if (os) facts.os = os;
  const kernel = readTrimmed(paths.proc("sys", "kernel", "osrelease"));
  if (kernel) facts.kernel = kernel;
  const hostname = readTrimmed(paths.proc("sys", "kernel", "hostname"));
  if (hostname) facts.hostname = hostname;
  const meminfo = readTrimmed(paths.proc("meminfo"));
  const memory = meminfo ? parseMeminfo(meminfo).get("MemTotal") : undefined;
  if (memory) facts.memory_bytes = memory;

  const cpuinfo = readTrimmed(paths.proc("cpuinfo"));
  const cpu = cpuinfo ? parseCpuinfo(cpuinfo) : undefined;
  if (cpu?.model) facts.cpu_model = cpu.model;
  if (cpu && cpu.cores > 0) facts.cpu_cores = cpu.cores;

  const dmi = (name: string) => {
    const value = readTrimmed(paths.sys("class", "dmi", "id", name));
    return value && !DMI_PLACEHOLDER.test(value) ? value : undefined;
  };
  const vendor = dmi("sys_vendor");
  const product = dmi("product_name");
  const hypervisor = readTrimmed(paths.sys("hypervisor", "type")); // "xen" in a Xen guest
  const virtualization =
    dmiVirtualization(vendor, product) ?? (hypervisor === "xen" ? "Xen" : undefined) ?? (cpu?.hypervisor ? "virtual machine" : undefined);
  if (virtualization) facts.virtualization = virtualization;
  const system = [vendor, product].filter(Boolean).join(" ") || readTrimmed(paths.sys("firmware", "devicetree", "base", "model")) || cpu?.board;
  if (system) facts.system = system;
  return facts;
}
