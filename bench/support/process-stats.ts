import { readFileSync } from "node:fs";

/** CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat. */
export function processCpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in USER_HZ (100)
}

/** Resident memory of a process, bytes, from /proc/<pid>/status. */
export function processRssBytes(pid: number): number {
  const match = readFileSync(`/proc/${pid}/status`, "utf8").match(/^VmRSS:\s+(\d+) kB$/m);
  return match ? Number(match[1]) * 1024 : 0;
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
