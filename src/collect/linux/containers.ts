import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { ContainerUsage } from "../../contracts/snapshot.ts";
import type { Collector } from "../collector.ts";
import { counterIncrease, round } from "./counter.ts";
import type { HostPaths } from "./host-paths.ts";
import { isGone, readProcFile } from "./proc-file.ts";

/** A container recognised from its cgroup path. */
export interface ContainerCgroup {
  id: string;
  runtime: ContainerUsage["runtime"];
  podUid: string | null;
}

/** Directory names of container scopes under the systemd cgroup driver, by runtime. */
const SCOPES: Array<[RegExp, ContainerUsage["runtime"]]> = [
  [/^docker-([0-9a-f]{64})\.scope$/, "docker"],
  [/^cri-containerd-([0-9a-f]{64})\.scope$/, "containerd"],
  [/^crio-([0-9a-f]{64})\.scope$/, "cri-o"],
  [/^libpod-([0-9a-f]{64})\.scope$/, "podman"],
];
const BARE_ID = /^[0-9a-f]{64}$/;
/** A pod's cgroup: `kubepods-burstable-pod<uid with _>.slice` (systemd driver) or `pod<uid>` (cgroupfs driver). */
const POD = /^(?:kubepods-(?:[a-z]+-)?pod([0-9a-f_]{36})\.slice|pod([0-9a-f-]{36}))$/;

/**
 * Recognises a container from its cgroup path (relative to the cgroup v2 root), with no runtime socket:
 * systemd scopes (`docker-<id>.scope`, `cri-containerd-<id>.scope`, `crio-<id>.scope`,
 * `libpod-<id>.scope`) and the cgroupfs driver's bare ids (`/docker/<id>`, `/kubepods/…/pod<uid>/<id>`).
 * A container inside a pod's cgroup carries the pod's uid.
 */
export function parseContainerCgroup(path: string): ContainerCgroup | undefined {
  const parts = path.split("/").filter(Boolean);
  const last = parts[parts.length - 1];
  if (last === undefined) return undefined;
  let podUid: string | null = null;
  for (const part of parts.slice(0, -1)) {
    const pod = part.match(POD);
    if (pod) podUid = (pod[1] ?? pod[2]!).replaceAll("_", "-");
  }
  for (const [pattern, runtime] of SCOPES) {
    const match = last.match(pattern);
    if (match) return { id: match[1]!, runtime, podUid };
  }
  if (BARE_ID.test(last)) {
    const parent = parts[parts.length - 2] ?? "";
    if (podUid !== null) return { id: last, runtime: "kubernetes", podUid };
    if (parent === "docker") return { id: last, runtime: "docker", podUid: null };
  }
  return undefined;
}

/** Bytes read and written over every device of a cgroup's `io.stat` (`8:0 rbytes=… wbytes=… …`). */
export function parseIoStat(text: string): { readBytes: number; writeBytes: number } {
  let readBytes = 0;
  let writeBytes = 0;
  for (const match of text.matchAll(/\b([rw])bytes=(\d+)/g)) {
    if (match[1] === "r") readBytes += Number(match[2]);
    else writeBytes += Number(match[2]);
  }
  return { readBytes, writeBytes };
}

function limit(text: string | undefined): number | null {
  const v = text?.trim();
  if (v === undefined || v === "max" || v === "") return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}

export interface ContainersOptions {
  /** Most containers reported, the busiest by CPU first. */
  max: number;
  notice?: (message: string) => void;
  /** Overrides for tests. */
  read?: (path: string) => string;
}

/** Deepest cgroup searched: kubepods.slice/kubepods-burstable.slice/…pod….slice/cri-containerd-….scope is 4. */
const MAX_DEPTH = 6;

/**
 * Containers and pods from the cgroup v2 hierarchy under the host root: CPU, memory and its limit,
 * storage I/O and tasks of every container cgroup, labelled with the container id and the pod uid read
 * from the path. No container runtime is asked. A host without the unified hierarchy (cgroup v1)
 * reports `null`.
 */
export function createContainersCollector(paths: HostPaths, options: ContainersOptions): Collector {
  const read = options.read ?? readProcFile;
  const last = new Map<string, { cpuUsec: number; readBytes: number; writeBytes: number; at: number }>();
  let told = false;

  function find(dir: string, rel: string, depth: number, out: Array<[string, ContainerCgroup]>): void {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch (cause) {
      if (isGone(cause)) return;
      throw new Error(`list ${dir}`, { cause });
    }
    for (const e of entries) {
      if (!e.isDirectory()) continue;
      const path = `${rel}/${e.name}`;
      const container = parseContainerCgroup(path);
      // A container's own sub-cgroups (systemd inside it) are its business: not searched.
      if (container) out.push([path, container]);
      else if (depth < MAX_DEPTH) find(join(dir, e.name), path, depth + 1, out);
    }
  }

  return {
    name: "containers",
    collect(now) {
      const root = paths.sys("fs", "cgroup");
      if (!existsSync(join(root, "cgroup.controllers"))) {
        if (!told) {
          told = true;
          options.notice?.("containers: this host has no cgroup v2 (unified) hierarchy; containers are not reported");
        }
        return { containers: null };
      }
      const found: Array<[string, ContainerCgroup]> = [];
      find(root, "", 1, found);
      const out: ContainerUsage[] = [];
      const seen = new Set<string>();
      for (const [path, c] of found) {
        const dir = join(root, path);
        const file = (name: string) => {
          try {
            return read(join(dir, name));
          } catch (cause) {
            if (isGone(cause)) return undefined;
            throw new Error(`read ${join(dir, name)}`, { cause });
          }
        };
        const cpuStat = file("cpu.stat");
        const memory = file("memory.current");
        // Gone between the listing and the reading.
        if (cpuStat === undefined && memory === undefined) continue;
        const cpuUsec = Number(cpuStat?.match(/^usage_usec (\d+)/m)?.[1] ?? 0);
        const io = parseIoStat(file("io.stat") ?? "");
        const memoryBytes = Number(memory ?? 0);
        const memoryLimit = limit(file("memory.max"));
        const prev = last.get(c.id);
        const seconds = prev ? (now - prev.at) / 1000 : 0;
        const rate = (a: number, b: number) => (seconds > 0 ? counterIncrease(a, b) / seconds : 0);
        last.set(c.id, { cpuUsec, ...io, at: now });
        seen.add(c.id);
        out.push({
          id: c.id,
          runtime: c.runtime,
          pod_uid: c.podUid,
          cgroup: path,
          cpu_percent: round(prev ? rate(prev.cpuUsec, cpuUsec) / 1e4 : 0, 2),
          memory_bytes: memoryBytes,
          memory_limit: memoryLimit,
          memory_percent: memoryLimit !== null && memoryLimit > 0 ? round((100 * memoryBytes) / memoryLimit, 2) : null,
          read_bytes_per_second: round(prev ? rate(prev.readBytes, io.readBytes) : 0, 1),
          write_bytes_per_second: round(prev ? rate(prev.writeBytes, io.writeBytes) : 0, 1),
          pids: Number(file("pids.current") ?? 0),
          pids_limit: limit(file("pids.max")),
        });
      }
      for (const id of last.keys()) if (!seen.has(id)) last.delete(id);
      out.sort((a, b) => b.cpu_percent - a.cpu_percent || a.id.localeCompare(b.id));
      return { containers: out.slice(0, options.max) };
    },
  };
}
