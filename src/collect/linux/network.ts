import type { Collector } from "../collector.ts";
import type { NetworkIo, NetworkSection } from "../../contracts/snapshot.ts";
import { counterRate, round } from "./counter.ts";
import type { HostPaths } from "./host-paths.ts";
import { readNumberFields } from "./number-fields.ts";
import { readHostFile } from "./proc-file.ts";

/** Cumulative counters of one interface from /proc/net/dev. */
export interface InterfaceCounters {
  rxBytes: number;
  rxPackets: number;
  rxErrors: number;
  rxDrops: number;
  txBytes: number;
  txPackets: number;
  txErrors: number;
  txDrops: number;
}

/** The fields of one line, reused line after line (parsing is synchronous). */
const FIELDS: number[] = [];

/**
 * Parses /proc/net/dev (two header lines, then `name: 8 receive fields 8 transmit fields`). An
 * interface whose name `exclude` matches is passed over before its fields are read: on a node with
 * hundreds of veth interfaces their lines cost a name each, not sixteen numbers, and no counters of
 * theirs are kept between ticks.
 */
export function parseNetDev(text: string, exclude?: RegExp): Map<string, InterfaceCounters> {
  const out = new Map<string, InterfaceCounters>();
  const f = FIELDS;
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf("\n", start);
    if (end < 0) end = text.length;
    const colon = text.indexOf(":", start);
    const lineStart = start;
    start = end + 1;
    if (colon < 0 || colon > end) continue;
    const name = text.slice(lineStart, colon).trim();
    if (name === "" || exclude?.test(name)) continue;
    if (readNumberFields(text, colon + 1, end, f, 16) < 16) continue;
    out.set(name, {
      rxBytes: f[0]!,
      rxPackets: f[1]!,
      rxErrors: f[2]!,
      rxDrops: f[3]!,
      txBytes: f[8]!,
      txPackets: f[9]!,
      txErrors: f[10]!,
      txDrops: f[11]!,
    });
  }
  return out;
}

/** No traffic: the start of a sum, and what a source without rates reports. */
export const NO_TRAFFIC: NetworkIo = {
  receive_bytes_per_second: 0,
  transmit_bytes_per_second: 0,
  receive_packets_per_second: 0,
  transmit_packets_per_second: 0,
  receive_errors_per_second: 0,
  transmit_errors_per_second: 0,
  receive_drops_per_second: 0,
  transmit_drops_per_second: 0,
};

/** Rates between two readings per interface (excluded ones were left out by `parseNetDev`), and their sum over every interface but loopback. */
export function networkRates(
  prev: Map<string, InterfaceCounters>,
  cur: Map<string, InterfaceCounters>,
  seconds: number,
  order = new InterfaceOrder(),
): NetworkSection {
  const interfaces: NetworkSection["interfaces"] = [];
  const total = { ...NO_TRAFFIC };
  for (const [device, c] of cur) {
    const p = prev.get(device);
    if (!p) continue;
    const io = {
      device,
      receive_bytes_per_second: round(counterRate(p.rxBytes, c.rxBytes, seconds)),
      transmit_bytes_per_second: round(counterRate(p.txBytes, c.txBytes, seconds)),
      receive_packets_per_second: round(counterRate(p.rxPackets, c.rxPackets, seconds)),
      transmit_packets_per_second: round(counterRate(p.txPackets, c.txPackets, seconds)),
      receive_errors_per_second: round(counterRate(p.rxErrors, c.rxErrors, seconds)),
      transmit_errors_per_second: round(counterRate(p.txErrors, c.txErrors, seconds)),
      receive_drops_per_second: round(counterRate(p.rxDrops, c.rxDrops, seconds)),
      transmit_drops_per_second: round(counterRate(p.txDrops, c.txDrops, seconds)),
    };
    interfaces.push(io);
    if (device === "lo") continue;
    total.receive_bytes_per_second = round(total.receive_bytes_per_second + io.receive_bytes_per_second);
    total.transmit_bytes_per_second = round(total.transmit_bytes_per_second + io.transmit_bytes_per_second);
    total.receive_packets_per_second = round(total.receive_packets_per_second + io.receive_packets_per_second);
    total.transmit_packets_per_second = round(total.transmit_packets_per_second + io.transmit_packets_per_second);
    total.receive_errors_per_second = round(total.receive_errors_per_second + io.receive_errors_per_second);
    total.transmit_errors_per_second = round(total.transmit_errors_per_second + io.transmit_errors_per_second);
    total.receive_drops_per_second = round(total.receive_drops_per_second + io.receive_drops_per_second);
    total.transmit_drops_per_second = round(total.transmit_drops_per_second + io.transmit_drops_per_second);
  }
  return { interfaces: order.sort(interfaces), total };
}

/** `localeCompare` without arguments, as a collator made once (the same order, without one made per comparison). */
const BY_NAME = new Intl.Collator().compare;

/**
 * Puts interfaces in name order (`localeCompare`), sorting only when the names are not those of the
 * last call in the same order (the kernel lists them in a stable order): most ticks reuse the order.
 */
export class InterfaceOrder {
  private names: string[] = [];
  private positions: number[] = [];

  sort<T extends { device: string }>(list: T[]): T[] {
    if (!this.same(list)) {
      this.names = list.map((i) => i.device);
      this.positions = this.names.map((_, k) => k).sort((a, b) => BY_NAME(this.names[a]!, this.names[b]!));
    }
    const out: T[] = new Array(list.length);
    for (let k = 0; k < list.length; k++) out[k] = list[this.positions[k]!]!;
    return out;
  }

  private same(list: readonly { device: string }[]): boolean {
    if (list.length !== this.names.length) return false;
    for (let k = 0; k < list.length; k++) if (list[k]!.device !== this.names[k]) return false;
    return true;
  }
}

/** Network rates per interface from /proc/net/dev deltas. The first call only records a baseline. */
export function createNetworkCollector(paths: HostPaths, options: { excludeDevices: RegExp }): Collector {
  let previous: { at: number; counters: Map<string, InterfaceCounters> } | undefined;
  const order = new InterfaceOrder();
  return {
    name: "network",
    collect(now) {
      const counters = parseNetDev(readHostFile(paths.proc("net", "dev"), "utf8"), options.excludeDevices);
      const before = previous;
      previous = { at: now, counters };
      return before ? { network: networkRates(before.counters, counters, (now - before.at) / 1000, order) } : {};
    },
  };
}
