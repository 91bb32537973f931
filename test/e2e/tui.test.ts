import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { type AgentProcess, startAgentProcess } from "../support/agent-process.ts";
import { findPeer } from "../support/peers.ts";
import { freePort, waitFor } from "../support/ports.ts";

/**
 * End to end in a real terminal: the agent with `--tui` inside a detached tmux session of a fixed size,
 * its screen read with `capture-pane`, keys sent with `send-keys`. Also the attached form, and the
 * compiled binary's `--tui`.
 */
const ROOT = join(import.meta.dir, "../..");
const MAIN = join(ROOT, "src/main.ts");
const work = mkdtempSync(join(tmpdir(), "aiops-tui-e2e-"));
// A tmux server of our own (its own socket), so the tests never touch a developer's sessions.
const SOCKET = `aiops-tui-test-${process.pid}`;

afterAll(() => {
  if (tmuxPath) Bun.spawnSync([tmuxPath, "-L", SOCKET, "kill-server"]);
  rmSync(work, { recursive: true, force: true });
});

const tmuxPath = findPeer("tmux", ["/usr/bin/tmux", "/usr/local/bin/tmux"]);

function tmux(...args: string[]): string {
  const r = Bun.spawnSync([tmuxPath!, "-u", "-L", SOCKET, "-f", "/dev/null", ...args]);
  if (r.exitCode !== 0) throw new Error(`tmux ${args.join(" ")}: ${r.stderr.toString()}`);
  return r.stdout.toString();
}

// One idle session holds the server up: closing a test's session must not stop the server under the next.
if (tmuxPath) tmux("new-session", "-d", "-s", "keep", "sleep 3600");

const quote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

/**
 * Runs `argv` in a new 80x24 session with only the environment given (plus PATH, HOME, TERM, a UTF-8
 * locale); its exit code lands in a file, and the pane stays a while after it ends, to be looked at.
 */
function startInTmux(name: string, argv: string[], env: Record<string, string>) {
  const exitFile = join(work, `${name}.exit`);
  const base = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/tmp", TERM: "xterm-256color", LANG: "C.UTF-8" };
  const vars = Object.entries({ ...base, ...env }).map(([k, v]) => `${k}=${quote(v)}`);
  const command = `env -i ${vars.join(" ")} ${argv.map(quote).join(" ")}; echo $? > ${quote(exitFile)}; sleep 60`;
  tmux("new-session", "-d", "-s", name, "-x", "80", "-y", "24", command);
  return {
    screen: () => {
      try {
        return tmux("capture-pane", "-p", "-J", "-t", name);
      } catch {
        return "";
      }
    },
    keys: (...keys: string[]) => tmux("send-keys", "-t", name, ...keys),
    /** The pane's terminal state: on the alternate screen, cursor shown. */
    terminal: () => {
      const [alternate, cursor] = tmux("display-message", "-p", "-t", name, "#{alternate_on} #{cursor_flag}").trim().split(" ");
      return { alternateScreen: alternate === "1", cursorShown: cursor === "1" };
    },
    pid: () => Number(tmux("display-message", "-p", "-t", name, "#{pane_pid}").trim()),
    close: () => tmux("kill-session", "-t", name),
    exitCode: () => waitFor(`${name} to exit`, async () => (existsSync(exitFile) ? Number(readFileSync(exitFile, "utf8").trim()) : undefined), 15_000),
  };
}

async function screenShowing(session: ReturnType<typeof startInTmux>, ...texts: string[]): Promise<string> {
  try {
    return await waitFor(`the screen to show ${texts.join(", ")}`, async () => {
      const screen = session.screen();
      return texts.every((t) => screen.includes(t)) ? screen : undefined;
    }, 20_000);
  } catch (cause) {
    throw new Error(`${(cause as Error).message}; the screen:\n${session.screen()}`);
  }
}

describe.skipIf(!tmuxPath)("the terminal UI in tmux", () => {
  test("run --tui: the host's gauges on an 80x24 screen, the log in the data directory, q stops with 0", async () => {
    const data = join(work, "data-run");
    const session = startInTmux("run", [process.execPath, MAIN, "run", "--tui"], { AIOPS_LISTEN: "127.0.0.1:0", AIOPS_DATA_DIR: data });
    const screen = await screenShowing(session, "CPU ", "%", "every 1s", "● in-process");
    expect(screen).toContain(hostname());
    expect(screen).toContain("q quit");
    expect(screen).not.toContain('"level"');
    const lines = screen.replace(/\n+$/, "").split("\n");
    expect(lines.length).toBeLessThanOrEqual(24);
    expect(session.terminal()).toEqual({ alternateScreen: true, cursorShown: false });

    // Resized to 50x14 it lays itself out again: one panel at a time, no line wider than the terminal.
    tmux("resize-window", "-t", "run", "-x", "50", "-y", "14");
    const fitsSmall = (text: string) => text.includes("CPU ") && !text.includes("─ Anomalies") && text.split("\n").every((l) => l.length <= 50);
    await waitFor("the small layout", async () => (fitsSmall(session.screen()) ? true : undefined), 10_000).catch((cause) => {
      throw new Error(`${(cause as Error).message}; the screen:\n${session.screen()}`);
    });
    session.keys("Tab");
    await screenShowing(session, "─ Anomalies");

    session.keys("q");
    expect(await session.exitCode()).toBe(0);
    // The terminal is the shell's again: main screen, cursor back, where the log went said there.
    expect(session.terminal()).toEqual({ alternateScreen: false, cursorShown: true });
    expect(session.screen()).toContain(`aiops-agent: stopped; the log is in ${join(data, "aiops-agent.log")}`);
    session.close();
    const log = readFileSync(join(data, "aiops-agent.log"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const messages = log.map((l) => l.message);
    expect(messages).toContain("Starting aiops-agent");
    expect(messages).toContain("Metrics collected successfully");
    expect(log.find((l) => l.message === "Stopping")?.signal).toBe("quit key");
    expect(messages.at(-1)).toBe("Agent stopped");
    expect(log.find((l) => l.message === "Agent started")?.interval_seconds).toBe(1);
  }, 60_000);

  // SIGHUP is what an SSH session that drops sends: with --tui it stops the agent rather than reloading.
  for (const signal of ["SIGTERM", "SIGHUP"] as const) {
    test(`run --tui stopped by ${signal}: the same graceful stop, the terminal restored`, async () => {
      const data = join(work, `data-${signal}`);
      const session = startInTmux(signal, [process.execPath, MAIN, "run", "--tui"], { AIOPS_LISTEN: "127.0.0.1:0", AIOPS_DATA_DIR: data });
      await screenShowing(session, "CPU ", "● in-process");
      // The pane runs `sh -c "env … bun …"`; env execs bun, so the shell's child is the agent.
      const agentPid = Number(Bun.spawnSync(["pgrep", "-P", String(session.pid())]).stdout.toString().trim().split("\n")[0]);
      expect(agentPid).toBeGreaterThan(0);
      process.kill(agentPid, signal);
      expect(await session.exitCode()).toBe(0);
      expect(session.terminal()).toEqual({ alternateScreen: false, cursorShown: true });
      const log = readFileSync(join(data, "aiops-agent.log"), "utf8");
      expect(log).toContain(`"signal":"${signal}","message":"Stopping"`);
      expect(log.trim().split("\n").at(-1)).toContain("Agent stopped");
      session.close();
    }, 60_000);
  }

  describe("tui --url: attached to a running agent", () => {
    let agent: AgentProcess | undefined;
    afterAll(async () => {
      await agent?.stop();
    });

    test("shows the agent live, and q leaves the agent running", async () => {
      agent = await startAgentProcess({ AIOPS_INTERVAL: "1", AIOPS_DATA_DIR: join(work, "data-attached") }, await freePort());
      const session = startInTmux("attach", [process.execPath, MAIN, "tui", "--url", agent.url("")], {});
      // At 80 columns the header keeps the tabs (short names, counts) and the interval, and leaves the URL to the help screen.
      await screenShowing(session, "CPU ", "● live · every 1s", " 4 Remed");
      session.keys("?");
      await screenShowing(session, "Keys");
      session.keys("NPage");
      session.keys("NPage");
      await screenShowing(session, `The agent at ${agent.url("")}, over /api/v1`);
      session.keys("q");
      expect(await session.exitCode()).toBe(0);
      expect(session.terminal()).toEqual({ alternateScreen: false, cursorShown: true });
      expect((await fetch(agent.url("/healthz"))).ok).toBe(true);
      session.close();
    }, 60_000);
  });

  test("the compiled binary's --tui renders and quits", async () => {
    const binary = join(work, "bin", "aiops-agent");
    const build = Bun.spawnSync([process.execPath, "scripts/build.ts", binary], { cwd: ROOT });
    expect(build.exitCode, build.stderr.toString()).toBe(0);
    const session = startInTmux("binary", [binary, "run", "--tui"], { AIOPS_LISTEN: "127.0.0.1:0", AIOPS_DATA_DIR: join(work, "data-binary") });
    await screenShowing(session, "CPU ", hostname(), "● in-process");
    session.keys("q");
    expect(await session.exitCode()).toBe(0);
    session.close();
  }, 120_000);
});
