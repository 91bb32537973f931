import { afterAll, describe, expect, test } from "bun:test";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startAgentProcess } from "../support/agent-process.ts";
import { freePort, waitFor } from "../support/ports.ts";

const MAIN = join(import.meta.dir, "../../src/main.ts");
const work = mkdtempSync(join(tmpdir(), "aiops-bad-config-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const fifo = join(work, "fifo.yaml");
execFileSync("mkfifo", [fifo]);
const deep = join(work, "deep.yaml");
// 5,000 levels of nested lists, the first half as items of items: what blocked the loop for 20 s on a reload.
writeFileSync(deep, `agent:\n  name: ${"- ".repeat(2500)}${"[".repeat(2500)}${"]".repeat(2500)}\n`);
const bomb = join(work, "bomb.yaml");
writeFileSync(
  bomb,
  ["a: &a [x, x, x, x, x, x, x, x, x]", ...["b", "c", "d", "e", "f"].map((k, i) => `${k}: &${k} [${Array(9).fill(`*${"abcde"[i]}`).join(", ")}]`), "alert:", "  silences: *f"].join("\n"),
);
const huge = join(work, "huge.yaml");
writeFileSync(huge, `agent:\n  name: ${"x".repeat(2 * 1024 * 1024)}\n`);
const port = join(work, "port.yaml");
writeFileSync(port, "server:\n  listen: 0.0.0.0:99999\n");

/** Each bad configuration, and the one line that must say what is wrong. */
const CASES: Array<{ name: string; args: string[]; env?: Record<string, string>; line: string }> = [
  { name: "a FIFO as the configuration file", args: ["--config", fifo], line: `${fifo}: cannot read the configuration file (not a regular file (a FIFO))` },
  { name: "/dev/zero as the configuration file", args: ["--config", "/dev/zero"], line: "/dev/zero: cannot read the configuration file (not a regular file (a character device))" },
  {
    name: "/dev/zero as a secret file",
    args: [],
    env: { AIOPS_API_TOKEN_FILE: "/dev/zero" },
    line: "server.api_token (env AIOPS_API_TOKEN_FILE): cannot read /dev/zero (not a regular file (a character device))",
  },
  { name: "a 2 MiB configuration file", args: ["--config", huge], line: `${huge}: cannot read the configuration file (larger than 1 MiB (2 MiB))` },
  { name: "YAML 5,000 levels deep", args: ["--config", deep], line: `${deep}: nested deeper than 64 levels; a configuration needs fewer than 10` },
  {
    name: "a YAML alias bomb",
    args: ["--config", bomb],
    line: `${bomb}: expands to more than 100,000 values (aliases used many times over?); a configuration needs a few hundred`,
  },
  { name: "port 99999", args: ["--config", port], line: `server.listen (${port}:2): expected a port from 0 to 65535; got "0.0.0.0:99999"` },
];

/**
 * Runs the agent through a small bun process that reports its peak memory. Linux counts the memory of
 * the process that spawned a program in the program's peak (at exec), so spawned straight from this
 * test runner, which has grown through the whole suite, every agent would seem as large as it.
 */
const MEASURE = `const r = Bun.spawnSync(process.argv.slice(1), { stdout: "ignore", stderr: "inherit", timeout: 20_000 });
console.log(JSON.stringify({ code: r.exitCode, maxRss: r.resourceUsage?.maxRSS ?? 0 }));`;

function run(args: string[], env: Record<string, string> = {}) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("AIOPS_")));
  const started = performance.now();
  const r = Bun.spawnSync([process.execPath, "-e", MEASURE, process.execPath, MAIN, ...args], {
    env: { ...clean, AIOPS_DATA_DIR: join(work, "data"), ...env },
    timeout: 30_000,
  });
  const measured = JSON.parse(r.stdout.toString()) as { code: number; maxRss: number };
  return { code: measured.code, stderr: r.stderr.toString(), ms: performance.now() - started, maxRssMb: measured.maxRss / 1024 / 1024 };
}

describe("each bad configuration stops start-up: exit 78, one clear line, bounded memory", () => {
  for (const c of CASES) {
    test(c.name, () => {
      for (const command of ["check-config", "run"]) {
        const r = run([command, ...c.args], c.env);
        expect(`${command}: ${r.code}`).toBe(`${command}: 78`);
        expect(r.stderr.trim().split("\n")).toEqual(["aiops-agent: invalid configuration", `  ${c.line}`]);
        // The process never held the file: bounded far below what /dev/zero or a bomb would take.
        expect(r.maxRssMb).toBeLessThan(250);
      }
    }, 60_000);
  }
});

test("on SIGHUP each of them is refused with the same line; the running configuration stays and memory stays bounded", async () => {
  const file = join(work, "running.yaml");
  writeFileSync(file, "agent:\n  interval: 1\n");
  const agent = await startAgentProcess({ AIOPS_DATA_DIR: join(work, "reload-data") }, await freePort(), ["--config", file]);
  try {
    // (The harness sets AIOPS_LISTEN, which wins over the file: the port case is checked at start only.)
    for (const c of CASES.filter((c) => c.args[0] === "--config" && c.args[1] !== port)) {
      unlinkSync(file);
      symlinkSync(c.args[1]!, file);
      const before = agent.lines.length;
      agent.proc.kill("SIGHUP");
      const refused = await waitFor(`the refusal of ${c.name}`, async () =>
        agent.lines.slice(before).find((l) => l.message === "Configuration not reloaded: the running one is kept"),
      );
      expect(refused.problems).toEqual([c.line.replaceAll(c.args[1]!, file)]);
      const config = (await (await fetch(agent.url("/api/v1/config"))).json()) as { settings: Array<{ key: string; value: unknown }> };
      expect(config.settings.find((s) => s.key === "agent.interval")?.value).toBe(1);
      expect((await fetch(agent.url("/healthz"))).status).toBe(200);
    }
    const status = readFileSync(`/proc/${agent.proc.pid}/status`, "utf8");
    const peakMb = Number(status.match(/^VmHWM:\s+(\d+) kB/m)?.[1] ?? 0) / 1024;
    expect(peakMb).toBeLessThan(300);
  } finally {
    await agent.stop();
  }
}, 90_000);
