/**
 * Counts every call into child_process. Import it before anything that loads systeminformation:
 * that library takes its references to exec/execSync when it is first imported.
 */
import { createRequire } from "node:module";

export const spawns = { count: 0 };

// The CommonJS module object, the one systeminformation's require() returns.
const childProcess = createRequire(import.meta.url)("child_process") as Record<string, (...args: unknown[]) => unknown>;
for (const name of ["exec", "execSync", "execFile", "execFileSync", "spawn", "spawnSync", "fork"]) {
  const original = childProcess[name]!;
  childProcess[name] = (...args: unknown[]) => {
    spawns.count++;
    return original.apply(childProcess, args);
  };
}
