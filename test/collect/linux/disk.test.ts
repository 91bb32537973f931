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
});
