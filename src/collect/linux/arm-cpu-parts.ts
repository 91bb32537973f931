/**
 * ARM processors name neither themselves nor their maker in /proc/cpuinfo: they give a `CPU implementer`
 * and a `CPU part` number, which this table turns into a name, as lscpu does (util-linux's
 * lscpu-arm.c). The common server, cloud and board cores; for any other the SoC (`Hardware`) or the
 * numbers themselves are shown.
 */
const IMPLEMENTERS: Record<number, { name: string; parts: Record<number, string> }> = {
  0x41: {
    name: "ARM",
    parts: {
      0xc07: "Cortex-A7",
      0xc08: "Cortex-A8",
      0xc09: "Cortex-A9",
      0xc0f: "Cortex-A15",
      0xd03: "Cortex-A53",
      0xd04: "Cortex-A35",
      0xd05: "Cortex-A55",
      0xd07: "Cortex-A57",
      0xd08: "Cortex-A72",
      0xd09: "Cortex-A73",
      0xd0a: "Cortex-A75",
      0xd0b: "Cortex-A76",
      0xd0c: "Neoverse-N1",
      0xd0d: "Cortex-A77",
      0xd40: "Neoverse-V1",
      0xd41: "Cortex-A78",
      0xd44: "Cortex-X1",
      0xd46: "Cortex-A510",
      0xd47: "Cortex-A710",
      0xd48: "Cortex-X2",
      0xd49: "Neoverse-N2",
      0xd4f: "Neoverse-V2",
      0xd80: "Cortex-A520",
      0xd81: "Cortex-A720",
      0xd82: "Cortex-X4",
      0xd84: "Neoverse-V3",
      0xd8e: "Neoverse-N3",
    },
  },
  0x42: { name: "Broadcom", parts: { 0x516: "ThunderX2" } },
  0x43: { name: "Cavium", parts: { 0x0a1: "ThunderX", 0x0af: "ThunderX2" } },
  0x46: { name: "Fujitsu", parts: { 0x001: "A64FX" } },
  0x48: { name: "HiSilicon", parts: { 0xd01: "Kunpeng-920" } },
  0x4e: { name: "NVIDIA", parts: { 0x004: "Carmel" } },
  0x50: { name: "APM", parts: { 0x000: "X-Gene" } },
  0x51: { name: "Qualcomm", parts: {} },
  0x61: { name: "Apple", parts: {} },
  0xc0: { name: "Ampere", parts: { 0xac3: "Ampere-1", 0xac4: "Ampere-1a" } },
};

/** "ARM Neoverse-N1" from implementer 0x41 and part 0xd0c; undefined for a part not in the table. */
export function armCpuName(implementer: number, part: number): string | undefined {
  const maker = IMPLEMENTERS[implementer];
  const name = maker?.parts[part];
  return maker && name ? `${maker.name} ${name}` : undefined;
}

/** The numbers themselves, for a part the table does not know: "CPU implementer 0x41 part 0xd99". */
export function armCpuNumbers(implementer: number, part: number): string {
  const hex = (n: number, width: number) => `0x${n.toString(16).padStart(width, "0")}`;
  return `CPU implementer ${hex(implementer, 2)} part ${hex(part, 3)}`;
}
