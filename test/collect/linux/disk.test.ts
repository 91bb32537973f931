import { describe, expect, test } from "bun:test";
import { parseMountinfo, realMounts } from "../../../src/collect/linux/disk.ts";

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
