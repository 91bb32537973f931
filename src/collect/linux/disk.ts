import { statfsSync } from "node:fs";
import { statfs } from "node:fs/promises";
import type { Clock } from "../../clock.ts";
import { type Collector, PartialCollection } from "../collector.ts";
import type { MountUsage } from "../../contracts/snapshot.ts";
import { round } from "./counter.ts";
import type { HostPaths } from "./host-paths.ts";
import { readProcFile } from "./proc-file.ts";

/** One line of /proc/<pid>/mountinfo. */
export interface MountEntry {
  /** `major:minor` of the filesystem: bind mounts of one filesystem share it. */
  deviceId: string;
  /** Directory of the filesystem that is mounted (not `/` for a bind mount of a subdirectory). */
  root: string;
  mountpoint: string;
  fstype: string;
  source: string;
  readOnly: boolean;
}

/** `\040` and friends: mountinfo escapes space, tab, newline and backslash in octal. */
function unescape(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(Number.parseInt(octal, 8)));
}

/**
 * Parses mountinfo: `id parent major:minor root mountpoint options [optional…] - fstype source superoptions`.
 * With a `filter`, a mount of an excluded type or mount point is passed over before the rest of its
 * line is read (a container host lists thousands of overlay, tmpfs and kubelet mounts).
 */
export function parseMountinfo(text: string, filter?: DiskFilter): MountEntry[] {
  const mounts: MountEntry[] = [];
  const types = filter ? new Set(filter.excludeFsTypes) : undefined;
  for (const line of text.split("\n")) {
    if (line === "") continue;
    if (filter && excludedLine(line, types!, filter.excludeMountPoints)) continue;
    const fields = line.split(" ");
    const dash = fields.indexOf("-", 6);
    if (dash < 0 || fields.length < dash + 3) continue;
    mounts.push({
      deviceId: fields[2]!,
      root: unescape(fields[3]!),
      mountpoint: unescape(fields[4]!),
      // The filesystem's own (superblock) options, not this mount's: a sandbox such as systemd's
      // ProtectSystem=strict re-mounts everything read-only for the agent alone.
      readOnly: (fields[dash + 3] ?? fields[5]!).split(",").includes("ro"),
      fstype: fields[dash + 1]!,
      source: unescape(fields[dash + 2]!),
    });
  }
  return mounts;
}

/** Whether a mountinfo line is of an excluded type or mount point, read from the line without splitting it. */
function excludedLine(line: string, types: ReadonlySet<string>, mountPoints: RegExp): boolean {
  const dash = line.indexOf(" - ");
  if (dash >= 0) {
    const typeEnd = line.indexOf(" ", dash + 3);
    if (types.has(line.slice(dash + 3, typeEnd < 0 ? line.length : typeEnd))) return true;
  }
  // The mount point is the fifth field.
  let at = -1;
  for (let i = 0; i < 4 && (at = line.indexOf(" ", at + 1)) >= 0; i++);
  if (at < 0) return false;
  const end = line.indexOf(" ", at + 1);
  return mountPoints.test(unescape(line.slice(at + 1, end < 0 ? line.length : end)));
}

export interface DiskFilter {
  excludeFsTypes: readonly string[];
  excludeMountPoints: RegExp;
}

/**
 * The mounts worth reporting: real filesystems only, and each filesystem once even when bind-mounted
 * in several places (the shortest mount point of the whole filesystem wins, as `df` shows it).
 */
export function realMounts(mounts: readonly MountEntry[], filter: DiskFilter): MountEntry[] {
  const types = new Set(filter.excludeFsTypes);
  const byDevice = new Map<string, MountEntry>();
  for (const m of mounts) {
    if (types.has(m.fstype) || filter.excludeMountPoints.test(m.mountpoint)) continue;
    const seen = byDevice.get(m.deviceId);
    const better =
      !seen ||
      (m.root === "/" && seen.root !== "/") ||
      (m.root === seen.root && m.mountpoint.length < seen.mountpoint.length);
    if (better) byDevice.set(m.deviceId, m);
  }
  return [...byDevice.values()].sort((a, b) => a.mountpoint.localeCompare(b.mountpoint));
}

/** The fields of statfs(2) that usage needs. */
export interface FsStats {
  bsize: number;
  blocks: number;
  bfree: number;
  bavail: number;
  files: number;
  ffree: number;
}

/** Usage of one filesystem as `df` shows it: percent of what unprivileged users can have. */
export function mountUsage(mount: MountEntry, s: FsStats): MountUsage {
  const total = s.blocks * s.bsize;
  const used = (s.blocks - s.bfree) * s.bsize;
  const free = s.bavail * s.bsize;
  const inodesUsed = Math.max(0, s.files - s.ffree);
  return {
    mountpoint: mount.mountpoint,
    device: mount.source,
    fstype: mount.fstype,
    total,
    used,
    free,
    percent: used + free > 0 ? round((100 * used) / (used + free)) : 0,
    inodes_total: s.files,
    inodes_used: inodesUsed,
    inodes_free: s.ffree,
    inodes_percent: s.files > 0 ? round((100 * inodesUsed) / s.files) : 0,
    read_only: mount.readOnly,
  };
}

/**
 * How long a reading of mountinfo is trusted. Generating it is the dearest read of the tick (the
 * kernel walks every mount), and mounts change rarely: a new one shows within this time, and a
 * failing statfs forces a re-read at once.
 */
const MOUNTS_TTL_MS = 10_000;

/**
 * How long the usage of a filesystem that did not change between its last two readings is reused
 * rather than read again. On a host with hundreds of mounts their statfs calls were the dearest part
 * of a tick (1.3 ms for 300, mostly in the kernel), and most filesystems sit still: a still one is read
 * again once its reading is this old, and from the first reading that differs it is read on every tick
 * again; so a filesystem that fills is followed tick by tick, and one that starts filling is seen
 * within this time. At an interval of 5 s or more (the default is 10 s) every tick reads every
 * filesystem, as before.
 */
export const STILL_MOUNT_REUSE_MS = 5_000;

/** The last reading of one filesystem, and whether it equalled the one before. */
interface MountReading {
  mount: MountEntry;
  stats: FsStats;
  usage: MountUsage | undefined;
  at: number;
  still: boolean;
}

const sameStats = (a: FsStats, b: FsStats) =>
  a.blocks === b.blocks && a.bfree === b.bfree && a.bavail === b.bavail && a.files === b.files && a.ffree === b.ffree && a.bsize === b.bsize;

const sameMount = (a: MountEntry, b: MountEntry) =>
  a.mountpoint === b.mountpoint && a.source === b.source && a.fstype === b.fstype && a.readOnly === b.readOnly;

/** Filesystems whose statfs can hang on a lost server: they are asked off the main thread, with a time-out. */
const NETWORK_FS = /^(nfs4?|cifs|smb3?|smbfs|ceph|glusterfs|9p|afs|lustre|gpfs|beegfs|fuse\..+)$/;

export interface DiskCollectorOptions extends DiskFilter {
  /** Longest wait for a network filesystem's statfs, milliseconds. */
  timeoutMs: number;
  /** Times that wait. */
  clock: Clock;
  /** statfs(2) of a local filesystem; replaced in tests by captured results. */
  statfsSync?: (path: string) => FsStats;
}

/**
 * Size, use and inodes of every real mounted filesystem. Local filesystems are read with a synchronous
 * statfs (about a microsecond); a network filesystem that does not answer in time is reported in
 * `errors` and skipped until its pending call returns, so a dead NFS server never stalls the tick.
 */
export function createDiskCollector(paths: HostPaths, options: DiskCollectorOptions): Collector {
  // With the host at another root, its init process sees the host's mounts; at `/`, our own view is
  // the right one (in a chroot, init's mounts would not be reachable from here).
  const mountinfo = paths.root === "/" ? [paths.proc("self", "mountinfo")] : [paths.proc("1", "mountinfo"), paths.proc("self", "mountinfo")];
  const stuck = new Set<string>();
  /** The mounts to report, each with its path under the host root and whether it is a network filesystem: worked out once per reading of mountinfo. */
  let mounts: Array<{ mount: MountEntry; path: string; network: boolean }> = [];
  let mountsAt = Number.NEGATIVE_INFINITY;
  /** The last reading of each filesystem, by its path; kept for the mounts of the current reading of mountinfo. */
  let readings = new Map<string, MountReading>();
  const statLocal = options.statfsSync ?? statfsSync;

  function readMountinfo(): string {
    let lastError: unknown;
    for (const path of mountinfo) {
      try {
        return readProcFile(path, "utf8");
      } catch (cause) {
        lastError = cause;
      }
    }
    throw new Error("read mountinfo", { cause: lastError });
  }

  async function statNetwork(path: string): Promise<FsStats | undefined> {
    if (stuck.has(path)) return undefined;
    stuck.add(path);
    const call = statfs(path).finally(() => stuck.delete(path));
    let cancel = () => {};
    const timeout = new Promise<undefined>((resolve) => {
      cancel = options.clock.setTimer(options.timeoutMs, () => resolve(undefined));
    });
    try {
      return await Promise.race([call, timeout]);
    } finally {
      cancel();
    }
  }

  return {
    name: "disk",
    async collect(now) {
      if (now - mountsAt >= MOUNTS_TTL_MS) {
        mounts = realMounts(parseMountinfo(readMountinfo(), options), options).map((mount) => ({
          mount,
          path: paths.rootfs(mount.mountpoint),
          network: NETWORK_FS.test(mount.fstype),
        }));
        mountsAt = now;
        const kept = new Map<string, MountReading>();
        for (const { mount, path } of mounts) {
          const reading = readings.get(path);
          // A remount (read-only now, another device) is read afresh.
          if (reading && sameMount(reading.mount, mount)) kept.set(path, reading);
        }
        readings = kept;
      }
      const disks: MountUsage[] = [];
      const skipped: string[] = [];
      for (const { mount, path, network } of mounts) {
        const last = readings.get(path);
        if (last?.still && now - last.at < STILL_MOUNT_REUSE_MS) {
          if (last.usage) disks.push(last.usage);
          continue;
        }
        try {
          const stats = network ? await statNetwork(path) : statLocal(path);
          if (!stats) {
            skipped.push(`${mount.mountpoint}: statfs did not answer within ${options.timeoutMs} ms`);
            continue;
          }
          const still = last !== undefined && sameStats(last.stats, stats);
          // A pseudo filesystem not in the exclude list (no blocks) is not reported.
          const usage = stats.blocks === 0 ? undefined : still && last.usage ? last.usage : mountUsage(mount, stats);
          const { bsize, blocks, bfree, bavail, files, ffree } = stats;
          readings.set(path, { mount, stats: { bsize, blocks, bfree, bavail, files, ffree }, usage, at: now, still });
          if (usage) disks.push(usage);
        } catch (cause) {
          readings.delete(path);
          // A mount this user may not look into (EACCES) or that vanished since mountinfo was read.
          mountsAt = Number.NEGATIVE_INFINITY;
          const code = (cause as NodeJS.ErrnoException).code;
          if (code !== "EACCES" && code !== "ENOENT" && code !== "EPERM") {
            skipped.push(`${mount.mountpoint}: ${code ?? (cause as Error).message}`);
          }
        }
      }
      const root = disks.find((d) => d.mountpoint === "/") ?? disks[0];
      const part = {
        disks,
        ...(root ? { disk: { total: root.total, used: root.used, free: root.free, percent: root.percent } } : {}),
      };
      if (skipped.length > 0) throw new PartialCollection(part, skipped.join("; "));
      return part;
    },
  };
}
