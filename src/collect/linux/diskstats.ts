import { readdirSync, readlinkSync } from "node:fs";
import type { Collector } from "../collector.ts";
import type { DiskIo, DiskIoSection } from "../../contracts/snapshot.ts";
import { counterIncrease, round } from "./counter.ts";
import type { HostPaths } from "./host-paths.ts";
import { isSpace, readNumberFields } from "./number-fields.ts";
import { readHostFile } from "./proc-file.ts";

/** Cumulative counters of one block device from /proc/diskstats. */
export interface DiskCounters {
  reads: number;
  writes: number;
  /** 512-byte sectors, whatever the device's own sector size (the kernel's unit for this file). */
  sectorsRead: number;
  sectorsWritten: number;
  /** Milliseconds with I/O in flight. */
  ioTicks: number;
}

/** Parses /proc/diskstats into counters by device name; a device `skip` matches is passed over before its numbers are read. */
export function parseDiskstats(text: string, skip?: RegExp): Map<string, DiskCounters> {
  const out = new Map<string, DiskCounters>();
  const f = FIELDS;
  // Line by line without splitting: `major minor name`, then the counters read in place.
  for (let start = 0; start < text.length; ) {
    let end = text.indexOf("\n", start);
    if (end < 0) end = text.length;
    const lineStart = start;
    start = end + 1;
    const name = thirdField(text, lineStart, end);
    if (name === undefined) continue;
    if (skip?.test(name.text)) continue;
    if (readNumberFields(text, name.end, end, f, 10) < 11) continue;
    out.set(name.text, { reads: f[0]!, sectorsRead: f[2]!, writes: f[4]!, sectorsWritten: f[6]!, ioTicks: f[9]! });
  }
  return out;
}

/** The counters of one line, reused line after line (parsing is synchronous). */
const FIELDS: number[] = [];

/**
 * The third whitespace-separated field of a line (the device name of a diskstats line) and where it
 * ends; undefined when the line has fewer, or a character outside ASCII (then read the plain way).
 */
function thirdField(text: string, from: number, to: number): { text: string; end: number } | undefined {
  let i = from;
  for (let field = 0; ; field++) {
    while (i < to && isSpace(text.charCodeAt(i))) i++;
    if (i >= to) return undefined;
    const start = i;
    while (i < to && !isSpace(text.charCodeAt(i))) {
      if (text.charCodeAt(i) > 127) return plainThirdField(text, from, to);
      i++;
    }
    if (field === 2) return { text: text.slice(start, i), end: i };
  }
}

function plainThirdField(text: string, from: number, to: number): { text: string; end: number } | undefined {
  const line = text.slice(from, to);
  const match = /^\s*\S+\s+\S+\s+(\S+)/.exec(line);
  return match ? { text: match[1]!, end: from + match[0].length } : undefined;
}

/** Whole block devices: those listed in /sys/block, and whether each is physical (counted in totals). */
export interface BlockDevice {
  name: string;
  physical: boolean;
}

/**
 * Devices that are not storage a person watches: loop files, RAM disks, zram swap, floppies and CD drives.
 * Partitions are never reported, only whole devices, so totals do not count a byte twice.
 */
const IGNORED_DEVICES = /^(loop|ram|zram|fd|sr)\d+$/;

/** I/O rates between two readings, per device and in total over physical devices. */
export function diskIo(
  prev: Map<string, DiskCounters>,
  cur: Map<string, DiskCounters>,
  devices: readonly BlockDevice[],
  seconds: number,
): DiskIoSection {
  const total: DiskIo = { read_bytes_per_second: 0, write_bytes_per_second: 0, reads_per_second: 0, writes_per_second: 0, busy_percent: 0 };
  const out: DiskIoSection["devices"] = [];
  for (const { name, physical } of devices) {
    const p = prev.get(name);
    const c = cur.get(name);
    if (!p || !c || seconds <= 0) continue;
    const io: DiskIo = {
      read_bytes_per_second: round((counterIncrease(p.sectorsRead, c.sectorsRead) * 512) / seconds),
      write_bytes_per_second: round((counterIncrease(p.sectorsWritten, c.sectorsWritten) * 512) / seconds),
      reads_per_second: round(counterIncrease(p.reads, c.reads) / seconds),
      writes_per_second: round(counterIncrease(p.writes, c.writes) / seconds),
      busy_percent: round(Math.min(100, counterIncrease(p.ioTicks, c.ioTicks) / (10 * seconds))),
    };
    out.push({ device: name, ...io });
    if (!physical) continue;
    total.read_bytes_per_second += io.read_bytes_per_second;
    total.write_bytes_per_second += io.write_bytes_per_second;
    total.reads_per_second += io.reads_per_second;
    total.writes_per_second += io.writes_per_second;
    total.busy_percent = Math.max(total.busy_percent, io.busy_percent);
  }
  return { devices: out, total: { ...total, read_bytes_per_second: round(total.read_bytes_per_second), write_bytes_per_second: round(total.write_bytes_per_second) } };
}

/**
 * Disk I/O rates from /proc/diskstats. The device list comes from /sys/block (whole devices; virtual
 * ones such as dm-0 are reported but left out of totals) and is re-read only when diskstats changes.
 */
export function createDiskstatsCollector(paths: HostPaths): Collector {
  let previous: { at: number; counters: Map<string, DiskCounters> } | undefined;
  let devices: BlockDevice[] = [];
  let deviceNames = "";

  function blockDevices(names: string[]): BlockDevice[] {
    const signature = names.join(" ");
    if (signature === deviceNames) return devices;
    deviceNames = signature;
    let entries: Set<string> | undefined;
    try {
      entries = new Set(readdirSync(paths.sys("block")));
    } catch {
      entries = undefined; // no /sys: fall back to telling partitions by name
    }
    devices = names
      .filter((name) => !IGNORED_DEVICES.test(name))
      .filter((name) => (entries ? entries.has(name) : !names.some((other) => other !== name && isPartitionOf(name, other))))
      .map((name) => ({ name, physical: entries ? !isVirtual(name) : !/^(dm-|md)\d*/.test(name) }));
    return devices;
  }

  function isVirtual(name: string): boolean {
    try {
      return readlinkSync(paths.sys("block", name)).includes("/virtual/");
    } catch {
      return false;
    }
  }

  return {
    name: "diskstats",
    collect(now) {
      const counters = parseDiskstats(readHostFile(paths.proc("diskstats")), IGNORED_DEVICES);
      const list = blockDevices([...counters.keys()]);
      const before = previous;
      previous = { at: now, counters };
      return before ? { disk_io: diskIo(before.counters, counters, list, (now - before.at) / 1000) } : {};
    },
  };
}

/** `sda1` of `sda`, `nvme0n1p2` of `nvme0n1`, `mmcblk0p1` of `mmcblk0`. */
export function isPartitionOf(name: string, disk: string): boolean {
  return name.startsWith(disk) && /^p?\d+$/.test(name.slice(disk.length));
}
