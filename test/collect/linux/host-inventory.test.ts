import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { collectInventory } from "../../../src/collect/inventory.ts";
import { dmiVirtualization, parseCpuinfo, parseOsRelease, readHostInventory } from "../../../src/collect/linux/host-inventory.ts";
import { createHostPaths } from "../../../src/collect/linux/host-paths.ts";
import { ManualClock } from "../../../src/clock.ts";

const FIXTURES = join(import.meta.dir, "../../fixtures");
const THIS_MACHINE = join(FIXTURES, "this-machine/t0");
const NEOVERSE = join(FIXTURES, "hand-written-arm64/neoverse-n1-2-cpus");
const RASPBERRY_PI = join(FIXTURES, "hand-written-arm64/raspberry-pi-4-4-cpus");

const made: string[] = [];
afterAll(() => made.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** A host root in a temporary directory holding just `files` (path under the root → content). */
function hostRootWith(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), "inventory-"));
  made.push(root);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

describe("the inventory from the host's own files", () => {
  test("this machine's capture: OS with its version, kernel, CPU, cores, memory, host name, a guest", () => {
    expect(readHostInventory(createHostPaths(THIS_MACHINE))).toEqual({
      os: "Debian GNU/Linux 12 (bookworm)",
      kernel: "6.18.44-fc-v1272",
      hostname: "vm",
      cpu_model: "AMD EPYC",
      cpu_cores: 2,
      memory_bytes: 24684096 * 1024,
      // A micro-VM without DMI: only the CPU's hypervisor flag tells.
      virtualization: "virtual machine",
    });
  });

  test("the agent's inventory on Linux is what the files under the host root say", async () => {
    const inventory = await collectInventory({ paths: createHostPaths(THIS_MACHINE), timeoutMs: 5000, clock: new ManualClock() });
    expect(inventory).toMatchObject({ os: "Debian GNU/Linux 12 (bookworm)", kernel: "6.18.44-fc-v1272", cpu_model: "AMD EPYC", cpu_cores: 2, system: "" });
  });

  test("arm64 names no model: the implementer and part numbers are named as lscpu names them", () => {
    expect(parseCpuinfo(readFileSync(join(NEOVERSE, "proc/cpuinfo"), "utf8"))).toEqual({ model: "ARM Neoverse-N1", cores: 2, hypervisor: false });
    expect(readHostInventory(createHostPaths(NEOVERSE))).toEqual({ cpu_model: "ARM Neoverse-N1", cpu_cores: 2 });
  });

  test("a Raspberry Pi: the cores named from their part, the board from its Model line", () => {
    expect(readHostInventory(createHostPaths(RASPBERRY_PI))).toEqual({
      cpu_model: "ARM Cortex-A72",
      cpu_cores: 4,
      system: "Raspberry Pi 4 Model B Rev 1.4",
    });
  });

  test("a part not in the table: the SoC of the Hardware line, else the numbers themselves", () => {
    const pi = readFileSync(join(RASPBERRY_PI, "proc/cpuinfo"), "utf8").replaceAll("CPU part\t: 0xd08", "CPU part\t: 0xd99");
    expect(parseCpuinfo(pi).model).toBe("BCM2835");
    const mainline = readFileSync(join(NEOVERSE, "proc/cpuinfo"), "utf8").replaceAll("0xd0c", "0xd99");
    expect(parseCpuinfo(mainline).model).toBe("CPU implementer 0x41 part 0xd99");
  });

  test("the host root is where every file is read: a device tree names the board", () => {
    const root = hostRootWith({
      "etc/os-release": 'NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.19.1\nPRETTY_NAME="Alpine Linux v3.19"\n',
      "proc/sys/kernel/osrelease": "6.6.31-0-lts\n",
      "sys/firmware/devicetree/base/model": "Raspberry Pi 5 Model B Rev 1.0\0",
    });
    expect(readHostInventory(createHostPaths(root))).toEqual({ os: "Alpine Linux v3.19", kernel: "6.6.31-0-lts", system: "Raspberry Pi 5 Model B Rev 1.0" });
  });

  test("an os-release linked by an absolute path is read in the host's tree, not the agent's", () => {
    const root = hostRootWith({ "usr/lib/os-release": 'PRETTY_NAME="Fedora Linux 40 (Server Edition)"\n' });
    mkdirSync(join(root, "etc"));
    symlinkSync("/usr/lib/os-release", join(root, "etc/os-release"));
    expect(readHostInventory(createHostPaths(root)).os).toBe("Fedora Linux 40 (Server Edition)");
  });

  test("DMI names the hypervisor and the machine; firmware placeholders are not a machine", () => {
    const qemu = hostRootWith({ "sys/class/dmi/id/sys_vendor": "QEMU\n", "sys/class/dmi/id/product_name": "Standard PC (Q35 + ICH9, 2009)\n" });
    expect(readHostInventory(createHostPaths(qemu))).toEqual({ virtualization: "QEMU", system: "QEMU Standard PC (Q35 + ICH9, 2009)" });
    const desktop = hostRootWith({ "sys/class/dmi/id/sys_vendor": "To Be Filled By O.E.M.\n", "sys/class/dmi/id/product_name": "To Be Filled By O.E.M.\n" });
    expect(readHostInventory(createHostPaths(desktop))).toEqual({});
    expect(dmiVirtualization("Microsoft Corporation", "Virtual Machine")).toBe("Hyper-V");
    expect(dmiVirtualization("Microsoft Corporation", "Surface Laptop 5")).toBeUndefined();
    expect(dmiVirtualization("VMware, Inc.", "VMware7,1")).toBe("VMware");
    expect(dmiVirtualization("Amazon EC2", "m6g.large")).toBe("Amazon EC2");
    expect(dmiVirtualization("Dell Inc.", "PowerEdge R650")).toBeUndefined();
    const xen = hostRootWith({ "sys/hypervisor/type": "xen\n" });
    expect(readHostInventory(createHostPaths(xen))).toEqual({ virtualization: "Xen" });
  });

  test("os-release without PRETTY_NAME: NAME and VERSION; unquoted and single-quoted values", () => {
    expect(parseOsRelease("NAME=Fedora Linux\nVERSION='40 (Server Edition)'\n")).toBe("Fedora Linux 40 (Server Edition)");
    expect(parseOsRelease('NAME="NixOS"\nVERSION_ID="24.05"\n')).toBe("NixOS 24.05");
    expect(parseOsRelease("ID=minimal\n")).toBeUndefined();
  });

  test("an empty host root gives nothing, and the agent falls back to what the runtime knows", async () => {
    const empty = hostRootWith({});
    expect(readHostInventory(createHostPaths(empty))).toEqual({});
    const inventory = await collectInventory({ paths: createHostPaths(empty), timeoutMs: 5000, clock: new ManualClock() });
    expect(inventory.cpu_cores).toBeGreaterThan(0);
    expect(inventory.memory_bytes).toBeGreaterThan(0);
    expect(inventory.kernel.length).toBeGreaterThan(0);
  });
});
