import { describe, expect, test } from "bun:test";
import { join } from "node:path";

const MAIN = join(import.meta.dir, "../src/main.ts");

/** Runs the CLI from source with a clean AIOPS_* environment and no terminal (stdin and stdout are pipes). */
function cli(args: string[]) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("AIOPS_")));
  const result = Bun.spawnSync([process.execPath, MAIN, ...args], { env: clean, stdin: "pipe" });
  return { code: result.exitCode, stdout: result.stdout.toString(), stderr: result.stderr.toString() };
}

describe("the command line of the terminal UI", () => {
  test("the usage names both forms", () => {
    const help = cli(["--help"]).stdout;
    expect(help).toContain("run [--tui]");
    expect(help).toContain("tui --url URL");
    expect(cli(["tui", "--help"]).stdout).toStartWith("Usage: aiops-agent tui --url URL [--token TOKEN]");
  });

  test("misplaced or missing flags are usage errors (exit 2) that say what goes where", () => {
    const cases: Array<[string[], string]> = [
      [["collect", "--once", "--tui"], "aiops-agent: --tui goes with the run command (to watch a running agent: tui --url URL)"],
      [["tui"], "aiops-agent: tui needs --url URL of a running agent (or run --tui to start one here)"],
      [["run", "--url", "http://x:8080"], "aiops-agent: --url goes with the tui and healthcheck commands"],
      [["run", "--token", "t"], "aiops-agent: --token goes with the tui command"],
      [["tui", "--url", "x:8080"], 'aiops-agent: --url: expected http://host:port or https://…; got "x:8080"'],
    ];
    for (const [args, message] of cases) {
      const r = cli(args);
      expect(r.code).toBe(2);
      expect(r.stderr.split("\n")[0]).toBe(message);
    }
  });

  test("without a terminal the UI refuses to start rather than garble a pipe", () => {
    for (const args of [["run", "--tui"], ["tui", "--url", "http://127.0.0.1:1"]]) {
      const r = cli(args);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe("aiops-agent: the terminal UI needs a terminal (standard input and output are not both TTYs)\n");
    }
  });

  test("the headless agent never loads the UI: main.ts's static imports hold no Ink, React or tui/ module", () => {
    // A fresh process imports main.ts (it does not run: it is not the main module) and lists what loaded;
    // the same list after importing the UI shows that the check can see Ink at all.
    const script = `
      const ui = (k) => /node_modules\\/(ink|react|react-reconciler)\\/|\\/tui\\//.test(k);
      await import(${JSON.stringify(MAIN)});
      const before = Object.keys(require.cache).filter(ui).length;
      await import(${JSON.stringify(join(import.meta.dir, "../tui/start.tsx"))});
      console.log(JSON.stringify({ before, after: Object.keys(require.cache).filter(ui).length }));`;
    const r = Bun.spawnSync([process.execPath, "-e", script]);
    expect(r.stderr.toString()).toBe("");
    const { before, after } = JSON.parse(r.stdout.toString()) as { before: number; after: number };
    expect(before).toBe(0);
    expect(after).toBeGreaterThan(10);
  });
});
