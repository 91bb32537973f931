import { expect, test } from "bun:test";
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "../support/ports.ts";

const SCRIPT = join(import.meta.dir, "../support/startup-spawns.ts");

test("on Linux the agent starts no program from start-up to ready, and its inventory reads the host root", async () => {
  const work = mkdtempSync(join(tmpdir(), "startup-spawns-"));
  // The captured host, so the inventory can only have come from under the host root.
  cpSync(join(import.meta.dir, "../fixtures/hand-written-arm64/raspberry-pi-4-4-cpus"), join(work, "host"), { recursive: true });
  cpSync(join(import.meta.dir, "../fixtures/this-machine/t0"), join(work, "host"), { recursive: true, force: false });
  try {
    const port = freePort();
    const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("AIOPS_"))) as Record<string, string>;
    const run = Bun.spawn([process.execPath, SCRIPT], {
      env: { ...clean, AIOPS_LISTEN: `127.0.0.1:${port}`, AIOPS_DATA_DIR: join(work, "data"), AIOPS_HOST_ROOT: join(work, "host"), AIOPS_LOG_FORMAT: "json" },
      stdout: "pipe",
      stderr: "pipe",
    });
    const [log, errors, code] = await Promise.all([new Response(run.stdout).text(), new Response(run.stderr).text(), run.exited]);
    expect(errors).toContain("programs started before ready: 0");
    expect(code).toBe(0);
    const starting = log
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find((entry) => entry.message === "Starting aiops-agent");
    expect(starting).toMatchObject({ os: "Debian GNU/Linux 12 (bookworm)", kernel: "6.18.44-fc-v1272", hostname: "vm", cpu_model: "ARM Cortex-A72", cpu_cores: 4 });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}, 60_000);
