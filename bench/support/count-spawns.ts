/**
 * Counts every program started from this process: each call into child_process, and Bun.spawn and
 * Bun.spawnSync (what the agent's own code uses). Import it before anything that loads
 * systeminformation: that library takes its references to exec/execSync when it is first imported.
 */
import { createRequire } from "node:module";

export const spawns = { count: 0 };
/** Bun's child_process calls Bun.spawn itself: one program, counted once. */
let inChildProcess = 0;

// The CommonJS module object, the one systeminformation's require() returns.
const childProcess = createRequire(import.meta.url)("child_process") as Record<string, (...args: unknown[]) => unknown>;
for (const name of ["exec", "execSync", "execFile", "execFileSync", "spawn", "spawnSync", "fork"]) {
  const original = childProcess[name]!;
  childProcess[name] = (...args: unknown[]) => {
    if (inChildProcess === 0) spawns.count++;
    inChildProcess++;
    try {
      return original.apply(childProcess, args);
    } finally {
      inChildProcess--;
    }
  };
}

const bunSpawn = Bun.spawn;
const bunSpawnSync = Bun.spawnSync;
Bun.spawn = ((...args: Parameters<typeof Bun.spawn>) => {
  if (inChildProcess === 0) spawns.count++;
  return bunSpawn(...args);
}) as typeof Bun.spawn;
Bun.spawnSync = ((...args: Parameters<typeof Bun.spawnSync>) => {
  if (inChildProcess === 0) spawns.count++;
  return bunSpawnSync(...args);
}) as typeof Bun.spawnSync;
