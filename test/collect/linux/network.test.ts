import { describe, expect, test } from "bun:test";
import { type InterfaceCounters, networkRates, parseNetDev } from "../../../src/collect/linux/network.ts";
import { readNumberFields } from "../../../src/collect/linux/number-fields.ts";

const HEADER = "Inter-|   Receive                                                |  Transmit\n face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n";

describe("number fields", () => {
  test("read as split and Number read them: counters, the largest ones, text", () => {
    const lines = [
      "  1 22 333\t4444  ",
      "18446744073709551615 9007199254740993 123456789012345 0007",
      "12a -5 1e3 0x10 .5",
      "",
      "   ",
      "1\u00a02 3", // a Unicode space separates, as \s does
    ];
    for (const line of lines) {
      const out: number[] = [];
      const count = readNumberFields(line, 0, line.length, out, 10);
      const plain = line.trim() === "" ? [] : line.trim().split(/\s+/).map(Number);
      expect(count).toBe(plain.length);
      expect(out).toEqual(plain);
    }
  });

  test("keep at most `max` fields but count them all", () => {
    const out: number[] = [];
    expect(readNumberFields("x 1 2 3 4", 1, 9, out, 2)).toBe(4);
    expect(out).toEqual([1, 2]);
  });
});

describe("network rates", () => {
  const line = (name: string, rx: number, tx: number) => `${name.padStart(6)}: ${rx} 10 0 0 0 0 0 0 ${tx} 5 0 0 0 0 0 0\n`;

  test("interfaces come in name order, as the kernel's order and the names change", () => {
    const read = (names: string[], k: number) => parseNetDev(HEADER + names.map((n) => line(n, k * 1000 * n.length, k * 10)).join(""));
    let prev = read(["lo", "eth10", "eth2", "Eth1"], 1);
    const order = ["lo", "eth10", "eth2", "Eth1"];
    const sorted = (names: string[]) => [...names].sort((a, b) => a.localeCompare(b));
    // The same names twice, then one more, then another order: always sorted as localeCompare sorts.
    for (const [k, names] of [[2, order], [3, order], [4, [...order, "br-0"]], [5, ["Eth1", "br-0", "lo", "eth2", "eth10"]]] as const) {
      const cur = read([...names], k);
      const rates = networkRates(prev, cur, 1);
      expect(rates.interfaces.map((i) => i.device)).toEqual(sorted([...names].filter((n) => prev.has(n))));
      for (const i of rates.interfaces) expect(i.receive_bytes_per_second).toBe(cur.get(i.device)!.rxBytes - prev.get(i.device)!.rxBytes);
      prev = cur;
    }
  });

  test("totals leave loopback out", () => {
    const prev = new Map<string, InterfaceCounters>([
      ["lo", { rxBytes: 0, rxPackets: 0, rxErrors: 0, rxDrops: 0, txBytes: 0, txPackets: 0, txErrors: 0, txDrops: 0 }],
      ["eth0", { rxBytes: 0, rxPackets: 0, rxErrors: 0, rxDrops: 0, txBytes: 0, txPackets: 0, txErrors: 0, txDrops: 0 }],
    ]);
    const cur = parseNetDev(HEADER + line("lo", 500, 500) + line("eth0", 300, 200));
    const { total } = networkRates(prev, cur, 2);
    expect(total.receive_bytes_per_second).toBe(150);
    expect(total.transmit_bytes_per_second).toBe(100);
  });
});
