import { describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ManualClock } from "../../../src/clock.ts";
import { type FsStats, STILL_MOUNT_REUSE_MS, createDiskCollector, parseMountinfo, realMounts } from "../../../src/collect/linux/disk.ts";
import { createHostPaths } from "../../../src/collect/linux/host-paths.ts";
import type { MountUsage } from "../../../src/contracts/snapshot.ts";

const FILTER = { excludeFsTypes: ["proc", "tmpfs", "overlay"], excludeMountPoints: /^\/(proc|sys|dev)($|\/)/ };

describe("mountinfo", () => {
  test("unescapes spaces in mount points and reads the filesystem's own read-only flag, not the mount's", () => {
    const [m] = parseMountinfo("36 25 8:1 / /mnt/my\\040disk ro,relatime shared:1 - ext4 /dev/sda1 rw,errors=remount-ro\n");
    expect(m).toEqual({ deviceId: "8:1", root: "/", mountpoint: "/mnt/my disk", fstype: "ext4", source: "/dev/sda1", readOnly: false });
  });

  test("a filesystem bind-mounted in several places is one disk, at its shortest whole mount", () => {
    const mounts = parseMountinfo(
      [
        "1 0 8:1 / / rw - ext4 /dev/sda1 rw",
        "2 1 8:1 /var/lib/docker/containers/x/hosts /etc/hosts rw - ext4 /dev/sda1 rw",
        "3 1 8:2 / /data rw - xfs /dev/sda2 rw",
        "4 1 8:2 / /srv/data rw - xfs /dev/sda2 rw",
        "5 1 0:5 / /proc rw - proc proc rw",
        "6 1 0:6 / /run rw - tmpfs tmpfs rw",
      ].join("\n"),
    );
    expect(realMounts(mounts, FILTER).map((m) => m.mountpoint)).toEqual(["/", "/data"]);
  });

  test("with a filter, 290 excluded mounts of 300 are passed over before the rest of their line is read", () => {
    const lines = ["1 0 8:1 / / rw - ext4 /dev/sda1 rw"];
    for (let i = 0; i < 9; i++) lines.push(`${10 + i} 1 8:${10 + i} / /data${i} rw - xfs /dev/sdb${i} rw`);
    // Excluded by type, or by mount point (matched once unescaped).
    for (let i = 0; i < 145; i++) lines.push(`${100 + i} 1 0:${100 + i} / /var/lib/overlay/${i} rw - overlay overlay rw`);
    for (let i = 0; i < 145; i++) lines.push(`${300 + i} 1 0:${300 + i} / /dev/my\\040slot${i} rw - devtmpfs udev rw`);
    const text = lines.join("\n");
    const parsed = parseMountinfo(text, { excludeFsTypes: ["overlay"], excludeMountPoints: /^\/dev\/my slot/ });
    expect(parsed.map((m) => m.mountpoint)).toEqual(["/", ...Array.from({ length: 9 }, (_, i) => `/data${i}`)]);
    expect(realMounts(parsed, FILTER)).toHaveLength(10);
    // The same lines without the filter are all read.
    expect(parseMountinfo(text)).toHaveLength(300);
  });
});

describe("the disk collector", () => {
  test("a filesystem that sits still is read again after STILL_MOUNT_REUSE_MS, one that changes on every tick", async () => {
    const root = mkdtempSync(join(tmpdir(), "aiops-disk-"));
    try {
      mkdirSync(join(root, "proc/1"), { recursive: true });
      const mountinfo = (dataFlags: string) =>
        writeFileSync(join(root, "proc/1/mountinfo"), `1 0 8:1 / / rw - ext4 /dev/sda1 rw\n2 1 8:17 / /data rw - xfs /dev/sdb1 ${dataFlags}\n`);
      mountinfo("rw");
      const stats: Record<string, FsStats> = {
        [root]: { bsize: 4096, blocks: 1000, bfree: 500, bavail: 500, files: 100, ffree: 50 },
        [join(root, "data")]: { bsize: 4096, blocks: 1000, bfree: 900, bavail: 900, files: 100, ffree: 90 },
      };
      const reads: string[] = [];
      const disk = createDiskCollector(createHostPaths(root), {
        excludeFsTypes: [],
        excludeMountPoints: /^$/,
        timeoutMs: 1000,
        clock: new ManualClock(0),
        statfsSync: (path) => {
          const at = path.replace(/\/+$/, "");
          reads.push(at === root ? "/" : "/data");
          return { ...stats[at]! };
        },
      });
      const usage = async (now: number) => {
        stats[root]!.bfree -= 10;
        stats[root]!.bavail -= 10;
        reads.length = 0;
        const part = await disk.collect(now);
        return Object.fromEntries(part.disks!.map((d: MountUsage) => [d.mountpoint, d]));
      };
      const data = stats[join(root, "data")]!;
      // Two equal readings make /data still; / fills on every tick (`usage` takes 10 blocks).
      for (let now = 0; now <= 1000; now += 1000) {
        await usage(now);
        expect(reads).toEqual(["/", "/data"]);
      }
      let seen = await usage(2000);
      expect(reads).toEqual(["/"]);
      expect(seen["/"]!.free).toBe(470 * 4096);
      expect(seen["/data"]!.free).toBe(900 * 4096);
      // /data starts filling: the last reading stands until it is STILL_MOUNT_REUSE_MS old...
      data.bfree = data.bavail = 800;
      seen = await usage(1000 + STILL_MOUNT_REUSE_MS - 1);
      expect(reads).toEqual(["/"]);
      expect(seen["/data"]!.free).toBe(900 * 4096);
      seen = await usage(1000 + STILL_MOUNT_REUSE_MS);
      expect(reads).toEqual(["/", "/data"]);
      expect(seen["/data"]!.free).toBe(800 * 4096);
      // ...and from then on it is read on every tick while it changes.
      data.bfree = data.bavail = 700;
      seen = await usage(2000 + STILL_MOUNT_REUSE_MS);
      expect(reads).toEqual(["/", "/data"]);
      expect(seen["/data"]!.free).toBe(700 * 4096);
      // A remount read-only is read afresh once mountinfo is read again, though its usage did not change.
      await usage(3000 + STILL_MOUNT_REUSE_MS);
      mountinfo("ro");
      seen = await usage(60_000);
      expect(reads).toEqual(["/", "/data"]);
      expect(seen["/data"]!.read_only).toBe(true);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
