import { describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createContainersCollector, parseContainerCgroup, parseIoStat } from "../../../src/collect/linux/containers.ts";
import { createHostPaths } from "../../../src/collect/linux/host-paths.ts";
import { createHwmonCollector } from "../../../src/collect/linux/hwmon.ts";
import type { ContainerUsage, SensorsSection } from "../../../src/contracts/snapshot.ts";

const FIXTURES = join(import.meta.dir, "../../fixtures");
const GOLDEN = join(import.meta.dir, "../../golden/snapshots");

/** Compares with the golden file; `UPDATE_GOLDEN=1` rewrites it (review the diff, never edit by hand). */
function golden(name: string, value: unknown): void {
  const file = join(GOLDEN, `${name}.json`);
  if (process.env.UPDATE_GOLDEN === "1") writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
  expect(value).toEqual(JSON.parse(readFileSync(file, "utf8")));
}

describe("containers from the cgroup v2 hierarchy", () => {
  const CASE = join(FIXTURES, "cgroup-v2-two-containers-and-a-pod");

  test("two Docker containers and a pod's two containers, with exact rates", () => {
    // One collector across both trees, as two ticks two seconds apart.
    const at = { root: join(CASE, "t0") };
    const paths = { ...createHostPaths("/"), sys: (...p: string[]) => join(at.root, "sys", ...p) };
    const c = createContainersCollector(paths, { max: 100 });
    c.collect(0);
    at.root = join(CASE, "t1");
    const containers = (c.collect(2000) as { containers: ContainerUsage[] }).containers;
    // Stored as the Snapshot part it is, so the golden /metrics test exports it too.
    golden("containers-cgroup-v2", { containers });
    const byId = (prefix: string) => containers.find((x) => x.id.startsWith(prefix))!;
    expect(containers).toHaveLength(4);
    expect(byId("3f2a")).toMatchObject({ runtime: "docker", pod_uid: null, cpu_percent: 25, memory_limit: 536870912, write_bytes_per_second: 1048576, pids: 12, pids_limit: 4096 });
    expect(byId("3f2a").memory_percent).toBeCloseTo(59.38, 2);
    expect(byId("b7c1")).toMatchObject({ runtime: "docker", pod_uid: null, memory_limit: null, memory_percent: null, cpu_percent: 0 });
    expect(byId("c0de")).toMatchObject({ runtime: "containerd", pod_uid: "5e1f2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5b", cpu_percent: 50, read_bytes_per_second: 2621440, write_bytes_per_second: 524288 });
    expect(byId("d00d").pod_uid).toBe("5e1f2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5b");
    // Busiest first, and bounded by `max`.
    expect(containers[0]!.id.startsWith("c0de")).toBe(true);
    const two = createContainersCollector(paths, { max: 2 });
    expect((two.collect(0) as { containers: ContainerUsage[] }).containers).toHaveLength(2);
  });

  test("paths of every runtime and driver", () => {
    const id = "a".repeat(64);
    expect(parseContainerCgroup(`/system.slice/docker-${id}.scope`)).toEqual({ id, runtime: "docker", podUid: null });
    expect(parseContainerCgroup(`/docker/${id}`)).toEqual({ id, runtime: "docker", podUid: null });
    expect(parseContainerCgroup(`/kubepods/burstable/pod0b1c2d3e-0000-4000-8000-000000000001/${id}`)).toEqual({
      id,
      runtime: "kubernetes",
      podUid: "0b1c2d3e-0000-4000-8000-000000000001",
    });
    expect(parseContainerCgroup(`/kubepods.slice/kubepods-pod0b1c2d3e_0000_4000_8000_000000000001.slice/crio-${id}.scope`)).toMatchObject({ runtime: "cri-o", podUid: "0b1c2d3e-0000-4000-8000-000000000001" });
    expect(parseContainerCgroup(`/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-${id}.scope`)).toMatchObject({ runtime: "podman" });
    expect(parseContainerCgroup("/system.slice/containerd.service")).toBeUndefined();
    expect(parseContainerCgroup(`/somewhere/${id}`)).toBeUndefined();
    expect(parseIoStat("8:0 rbytes=10 wbytes=20 rios=1 wios=2\n8:16 rbytes=5 wbytes=0 rios=1 wios=0\n")).toEqual({ readBytes: 15, writeBytes: 20 });
  });

  test("a host without the unified hierarchy reports null and says so once", () => {
    const notices: string[] = [];
    const c = createContainersCollector(createHostPaths(join(FIXTURES, "this-machine/t1")), { max: 10, notice: (m) => notices.push(m) });
    expect(c.collect(0)).toEqual({ containers: null });
    c.collect(1000);
    expect(notices).toHaveLength(1);
  });
});

describe("sensors from hwmon", () => {
  test("temperatures with their chip's limits, fans, and an older driver's device/ layout", () => {
    const c = createHwmonCollector(createHostPaths(join(FIXTURES, "hwmon-coretemp-nvme-fans")));
    const sensors = (c.collect(0) as { sensors: SensorsSection }).sensors;
    golden("sensors-hwmon", { sensors });
    expect(sensors.temperatures.map((t) => `${t.chip}/${t.sensor}`)).toEqual([
      "coretemp/Package id 0",
      "coretemp/Core 0",
      "coretemp/Core 8",
      "nvme/Composite",
      "nct6775/temp1",
      "acpitz/temp1",
    ]);
    expect(sensors.temperatures[0]).toEqual({ chip: "coretemp", sensor: "Package id 0", celsius: 101, high: 84, critical: 100 });
    expect(sensors.temperatures[4]).toMatchObject({ high: null, critical: null });
    expect(sensors.fans).toEqual([
      { chip: "nct6775", sensor: "fan1", rpm: 1200, min: 300 },
      { chip: "nct6775", sensor: "fan2", rpm: 0, min: null },
    ]);
  });

  test("a host without hwmon (this virtual machine) reports null", () => {
    const c = createHwmonCollector(createHostPaths(join(FIXTURES, "this-machine/t1")));
    expect(c.collect(0)).toEqual({ sensors: null });
  });
});
