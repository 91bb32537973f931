import { describe, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import pkg from "../package.json" with { type: "json" };
import { COMMANDS } from "../src/commands/usage.ts";

const MAIN = join(import.meta.dir, "../src/main.ts");

/** Runs the CLI from source as a user would, with a clean AIOPS_* environment. */
function cli(args: string[], env: Record<string, string> = {}) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("AIOPS_")));
  const result = Bun.spawnSync([process.execPath, MAIN, ...args], { env: { ...clean, ...env } });
  return { code: result.exitCode, stdout: result.stdout.toString(), stderr: result.stderr.toString() };
}

describe("the command line", () => {
  test("--version names the version of package.json and the commit", () => {
    const version = cli(["--version"]).stdout;
    expect(version).toMatch(/^aiops-agent \d+\.\d+\.\d+ \(commit [0-9a-f]{12}(-dirty)?\)\n$/);
    expect(version).toContain(` ${pkg.version} `);
    const head = Bun.spawnSync(["git", "-C", import.meta.dir, "rev-parse", "--short=12", "HEAD"]).stdout.toString().trim();
    expect(version).toContain(`(commit ${head}`);
  });

  test("--help: the overview, every command in it, 80 columns wide", () => {
    const help = cli(["--help"]);
    expect(help.code).toBe(0);
    for (const command of COMMANDS) expect(help.stdout).toMatch(new RegExp(`^  ${command}\\b`, "m"));
    for (const line of help.stdout.split("\n")) expect(line.length).toBeLessThanOrEqual(80);
  });

  for (const command of COMMANDS) {
    test(`${command} --help and help ${command}: what it does, its options, 80 columns wide`, () => {
      const r = cli([command, "--help"]);
      expect(r.code).toBe(0);
      expect(r.stderr).toBe("");
      expect(r.stdout).toStartWith(`Usage: aiops-agent ${command === "run" ? "[run]" : command}`);
      expect(r.stdout).toContain("-h, --help");
      for (const line of r.stdout.split("\n")) expect(line.length).toBeLessThanOrEqual(80);
      expect(cli(["help", command]).stdout).toBe(r.stdout);
    });
  }

  test("an unknown flag or command: a one-line error, the usage, exit code 2", () => {
    for (const args of [["--frobnicate"], ["frobnicate"], ["collect"]]) {
      const r = cli(args);
      expect(r.code).toBe(2);
      const [first, second] = r.stderr.split("\n");
      expect(first).toMatch(/^aiops-agent: /);
      expect(second).toBe("");
      expect(r.stderr).toContain("Usage: aiops-agent");
    }
  });

  test("check-config: a bad configuration exits 78 with one line per problem", () => {
    const dir = mkdtempSync(join(tmpdir(), "aiops-cli-"));
    const file = join(dir, "agent.yaml");
    writeFileSync(file, "thresholds:\n  cpu: 150\nagnt: {}\n");
    const r = cli(["check-config", "--config", file], { AIOPS_INTERVAL: "soon" });
    expect(r.code).toBe(78);
    expect(r.stderr.trim().split("\n")).toEqual([
      "aiops-agent: invalid configuration",
      `  agent.interval (env AIOPS_INTERVAL): expected seconds from 0.1 to 3600, as a number or a duration such as 30s, 5m, 1h, 7d; got "soon"`,
      `  thresholds.cpu (${file}:2): expected a number from 0 to 100 (percent); got 150`,
      `  agnt (${file}:3): unknown key (did you mean agent?); allowed here: agent, log, collect, server, store, thresholds, detect, alert, remediation, export`,
    ]);
  });

  test("check-config passes on a good file; config --print shows sources and hides secrets", () => {
    const dir = mkdtempSync(join(tmpdir(), "aiops-cli-"));
    const file = join(dir, "agent.yaml");
    writeFileSync(file, "agent:\n  interval: 30s\n");
    expect(cli(["check-config", "-c", file]).code).toBe(0);
    const printed = cli(["config", "--print"], { AIOPS_CONFIG: file, AIOPS_API_TOKEN: "tok-0123456789abcdef" });
    expect(printed.code).toBe(0);
    expect(printed.stdout).toMatch(new RegExp(`^agent\\.interval = 30\\s+# ${file}:2$`, "m"));
    expect(printed.stdout).not.toContain("tok-0123456789abcdef");
  });

  test("replay writes timestamp,value,anomaly_score to stdout and reports bad rows on stderr, one output row per input row", () => {
    const dir = mkdtempSync(join(tmpdir(), "aiops-cli-"));
    const input = join(dir, "cpu.csv");
    writeFileSync(input, "timestamp,value\n2014-04-01 00:00:00,50\n2014-04-01 00:05:00,oops\n2014-04-01 00:10:00,97\n");
    const r = cli(["replay", "--input", input, "--detector", "threshold", "--metric", "aiops_cpu_usage_percent"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("timestamp,value,anomaly_score\n2014-04-01 00:00:00,50,0\n2014-04-01 00:05:00,oops,0\n2014-04-01 00:10:00,97,1\n");
    expect(r.stderr).toContain(`warning: ${input}:3: cannot read the value "oops", row scored 0`);
    expect(r.stderr).toContain("replayed 3 rows (0 missing values, 1 bad rows scored 0), 1 with a finding");
    const output = join(dir, "out.csv");
    expect(cli(["replay", "--input", input, "--output", output]).code).toBe(0);
    expect(Bun.file(output).size).toBeGreaterThan(0);
    expect(cli(["replay", "--input", input, "--detector", "magic"]).code).toBe(2);
    expect(cli(["replay"]).stderr).toContain("replay needs --input FILE.csv");
    expect(cli(["check-config", "--input", input]).stderr).toContain("--input goes with the replay command");
    const missing = cli(["replay", "--input", join(dir, "nope.csv")]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^aiops-agent: read .*nope\.csv: ENOENT/);
  });
});
