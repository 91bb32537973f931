import { readFileSync, readdirSync } from "node:fs";

/** USER_HZ: the unit of the CPU times in /proc/<pid>/stat (100 on every Linux that ships). */
const TICKS_PER_SECOND = 100;

/** What one line of /proc/<pid>/stat says about a process's CPU, in seconds. */
export interface StatCpu {
  pid: number;
  ppid: number;
  /** utime + stime: the process's own threads. */
  own: number;
  /** cutime + cstime: its children that have exited and been waited for. */
  reapedChildren: number;
}

/**
 * Pure: parses a line of /proc/<pid>/stat. The command name is in parentheses and may itself hold
 * spaces and ") ", so the fields are counted from the last ") ".
 */
export function parseStatCpu(line: string): StatCpu {
  const close = line.lastIndexOf(") ");
  if (close < 0) throw new Error(`not a /proc/<pid>/stat line: ${JSON.stringify(line.slice(0, 80))}`);
  // After the name: state(3) ppid(4) ... utime(14) stime(15) cutime(16) cstime(17), 1-based as in proc(5).
  const fields = line.slice(close + 2).split(" ");
  const field = (n: number) => Number(fields[n - 3]);
  return {
    pid: Number(line.slice(0, line.indexOf(" "))),
    ppid: field(4),
    own: (field(14) + field(15)) / TICKS_PER_SECOND,
    reapedChildren: (field(16) + field(17)) / TICKS_PER_SECOND,
  };
}

/**
 * Pure: the processes of the tree rooted at `root` (itself first), from the stat lines of every
 * process. Empty when the root is not among them.
 */
export function processTree(stats: readonly StatCpu[], root: number): StatCpu[] {
  const children = new Map<number, StatCpu[]>();
  for (const s of stats) children.set(s.ppid, [...(children.get(s.ppid) ?? []), s]);
  const top = stats.find((s) => s.pid === root);
  const tree = top ? [top] : [];
  for (let i = 0; i < tree.length; i++) tree.push(...(children.get(tree[i]!.pid) ?? []));
  return tree;
}

/**
 * Pure: CPU seconds of a process tree so far: every live member's own time and the time of the
 * children each has reaped (a child that exits between two readings moves into its parent's
 * reaped time, so it is counted once either way).
 */
export function treeCpuSeconds(tree: readonly StatCpu[]): number {
  return tree.reduce((sum, s) => sum + s.own + s.reapedChildren, 0);
}

/** The stat line of every process now running (those that exit while being read are left out). */
function readAllStats(): StatCpu[] {
  const out: StatCpu[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      out.push(parseStatCpu(readFileSync(`/proc/${name}/stat`, "utf8")));
    } catch {
      // gone between the listing and the read
    }
  }
  return out;
}

/** CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat. */
export function processCpuSeconds(pid: number): number {
  return parseStatCpu(readFileSync(`/proc/${pid}/stat`, "utf8")).own;
}

/** CPU seconds a process and all its descendants have used so far, reaped children included. */
export function processTreeCpuSeconds(pid: number): number {
  const tree = processTree(readAllStats(), pid);
  if (tree.length === 0) throw new Error(`process ${pid} is not running`);
  return treeCpuSeconds(tree);
}

/** Resident memory of a process, bytes, from /proc/<pid>/status. */
export function processRssBytes(pid: number): number {
  const match = readFileSync(`/proc/${pid}/status`, "utf8").match(/^VmRSS:\s+(\d+) kB$/m);
  return match ? Number(match[1]) * 1024 : 0;
}

/** Resident memory of a process and its live descendants, bytes. */
export function processTreeRssBytes(pid: number): number {
  let sum = 0;
  for (const member of processTree(readAllStats(), pid)) {
    try {
      sum += processRssBytes(member.pid);
    } catch {
      // exited since the listing
    }
  }
  return sum;
}

/**
 * What a process's resident memory is made of, bytes, from /proc/<pid>/status: `file`, pages of
 * files it maps (its own executable above all: code it ran); `anonymous`, what it allocated (the
 * JavaScript heap, the JIT's code, malloc, SQLite's cache, thread stacks).
 */
export function processRssParts(pid: number): { file: number; anonymous: number } {
  const text = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (name: string) => Number(text.match(new RegExp(`^${name}:\\s+(\\d+) kB$`, "m"))?.[1] ?? 0) * 1024;
  return { file: kb("RssFile"), anonymous: kb("RssAnon") };
}

/** Builds the single binary into `dir` (as `npm run build` does) and returns its path. */
export function buildBinary(dir: string): string {
  const path = `${dir}/aiops-agent`;
  const build = Bun.spawnSync([process.execPath, "scripts/build.ts", path]);
  if (build.exitCode !== 0) throw new Error(`build failed: ${build.stderr.toString()}`);
  return path;
}

/** Starts the agent (the given binary, or from source) with the given environment and waits until it serves /readyz. */
export async function startAgent(env: Record<string, string>, port: number, binary?: string): Promise<ReturnType<typeof Bun.spawn>> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("AIOPS_"))) as Record<string, string>;
  const agent = Bun.spawn(binary ? [binary, "run"] : [process.execPath, "src/main.ts", "run"], {
    env: { ...clean, AIOPS_LISTEN: `127.0.0.1:${port}`, AIOPS_LOG_LEVEL: "warning", ...env },
    stdout: "ignore",
    stderr: "inherit",
  });
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/readyz`)).ok) return agent;
    } catch {
      // not listening yet
    }
    await Bun.sleep(100);
  }
  agent.kill();
  throw new Error("the agent did not become ready within 30 s");
}

/**
 * The environment deploy/ gives the agent: the systemd unit, the image and the DaemonSet set
 * BUN_JSC_useDFGJIT=0 and BUN_JSC_useBaselineJIT=0 (JavaScriptCore's interpreter only), and
 * BUN_JSC_forceCodeBlockLiveness=1 (code kept between ticks, not thrown away at a collection), and
 * BUN_GC_TIMER_DISABLE=1 (no idle GC timer waking it every second). With
 * `AS_BUILT=1` in the bench's environment, none: the binary as built.
 */
export function deployedEnvironment(): { env: Record<string, string>; description: string } {
  return process.env.AS_BUILT === "1"
    ? { env: {}, description: "as built" }
    : {
        env: { BUN_JSC_useDFGJIT: "0", BUN_JSC_useBaselineJIT: "0", BUN_JSC_forceCodeBlockLiveness: "1", BUN_GC_TIMER_DISABLE: "1" },
        description: "environment of deploy/ (BUN_JSC_useDFGJIT=0, BUN_JSC_useBaselineJIT=0, BUN_JSC_forceCodeBlockLiveness=1, BUN_GC_TIMER_DISABLE=1)",
      };
}

/** Pure: CPU used over a window, as a percentage of one core. */
export function percentOfCore(cpuSecondsBefore: number, cpuSecondsAfter: number, windowSeconds: number): number {
  if (!(windowSeconds > 0)) throw new Error(`the window must last more than 0 s, got ${windowSeconds}`);
  return (100 * (cpuSecondsAfter - cpuSecondsBefore)) / windowSeconds;
}
