import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type AgentProcess, startAgentProcess } from "../support/agent-process.ts";
import { findPeer } from "../support/peers.ts";
import { freePort, waitFor } from "../support/ports.ts";
import { waitForScreen } from "../support/screen-wait.ts";

/**
 * What an operator on call meets in `tui --url`, in a real terminal (tmux) at 80x24, 120x40 and 200x60,
 * with NO_COLOR=1 and TERM=dumb (plain text, printed screen after screen): alerts already firing and
 * the deliveries made before it attached, critical shown critical, filesystems fullest first, charts in
 * the spare lines of a larger terminal, deliveries by alert and channel, state words apart, help
 * wrapped at 80 columns, and old values marked while the agent is gone. The agent runs with every level
 * at 1 % (critical at 2 %), so its host is critical everywhere and alerts fire at once, delivered to a
 * webhook on 127.0.0.1.
 */
const ROOT = join(import.meta.dir, "../..");
const MAIN = join(ROOT, "src/main.ts");
const work = mkdtempSync(join(tmpdir(), "aiops-tui-points-"));
const SOCKET = `aiops-tui-points-${process.pid}`;
const tmuxPath = findPeer("tmux", ["/usr/bin/tmux", "/usr/local/bin/tmux"]);
const SIZES = [
  { columns: 80, rows: 24 },
  { columns: 120, rows: 40 },
  { columns: 200, rows: 60 },
] as const;
const PLAIN = { NO_COLOR: "1", TERM: "dumb" };

function tmux(...args: string[]): string {
  const r = Bun.spawnSync([tmuxPath!, "-u", "-L", SOCKET, "-f", "/dev/null", ...args]);
  if (r.exitCode !== 0) throw new Error(`tmux ${args.join(" ")}: ${r.stderr.toString()}`);
  return r.stdout.toString();
}
const quote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

let sessions = 0;
/** `tui --url` in a new tmux session of the given size and environment; everything it writes is kept too. */
function viewer(url: string, size: { columns: number; rows: number }, env: Record<string, string>) {
  const name = `v${++sessions}`;
  const raw = join(work, `${name}.out`);
  const vars = Object.entries({ PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: work, LANG: "C.UTF-8", TERM: "xterm-256color", ...env }).map(([k, v]) => `${k}=${quote(v)}`);
  tmux("new-session", "-d", "-s", name, "-x", String(size.columns), "-y", String(size.rows), `env -i ${vars.join(" ")} ${quote(process.execPath)} ${quote(MAIN)} tui --url ${quote(url)}; sleep 60`);
  tmux("pipe-pane", "-o", "-t", name, `cat >> ${quote(raw)}`);
  const screen = () => tmux("capture-pane", "-p", "-t", name).replace(/\n+$/, "");
  return {
    screen,
    keys: (...keys: string[]) => tmux("send-keys", "-t", name, ...keys),
    raw: () => (existsSync(raw) ? readFileSync(raw, "utf8") : ""),
    terminal: () => tmux("display-message", "-p", "-t", name, "#{alternate_on}").trim(),
    close: () => tmux("kill-session", "-t", name),
    /** A screen torn mid-print never counts: only one seen twice running. */
    showing: (what: string, check: (screen: string) => boolean, timeoutMs = 25_000) => waitForScreen(what, screen, check, { timeoutMs, stable: true }),
  };
}

/** A webhook receiver on 127.0.0.1 that accepts every notification. */
const sink = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("ok") });
const LEVELS = {
  AIOPS_CPU_THRESHOLD: "1",
  AIOPS_MEMORY_THRESHOLD: "1",
  AIOPS_DISK_THRESHOLD: "1",
  AIOPS_THRESHOLDS_INODES: "1",
  AIOPS_THRESHOLDS_SWAP: "1",
  AIOPS_THRESHOLDS_CGROUP_MEMORY: "1",
  AIOPS_CRITICAL_THRESHOLD: "2",
};

let agent: AgentProcess | undefined;
beforeAll(async () => {
  if (!tmuxPath) return;
  tmux("new-session", "-d", "-s", "keep", "sleep 3600");
  agent = await startAgentProcess(
    { AIOPS_INTERVAL: "1", AIOPS_DATA_DIR: join(work, "data"), AIOPS_ALERT_FOR: "0s", AIOPS_ALERT_GROUP_WAIT: "0s", AIOPS_WEBHOOK_URL: `http://127.0.0.1:${sink.port}/hook`, ...LEVELS },
    await freePort(),
  );
  // Alerts fire and are delivered before any viewer attaches.
  await waitFor("a delivery", async () => {
    const body = (await (await fetch(agent!.url("/api/v1/deliveries"))).json()) as { items: Array<{ status: string }> };
    return body.items.some((n) => n.status === "delivered") ? true : undefined;
  });
}, 60_000);

afterAll(async () => {
  if (tmuxPath) Bun.spawnSync([tmuxPath, "-L", SOCKET, "kill-server"]);
  await agent?.stop();
  await sink.stop(true);
  rmSync(work, { recursive: true, force: true });
});

/** Percentages of the filesystem lines, top to bottom. */
function filesystemPercents(screen: string): number[] {
  return screen
    .split("\n")
    .filter((l) => /^\/\S*\s+[█▏▎▍▌▋▊▉·]+\s+\d/.test(l))
    .map((l) => Number(l.match(/\s(\d+\.\d)%/)![1]));
}

describe.skipIf(!tmuxPath)("tui --url, plain (NO_COLOR=1, TERM=dumb)", () => {
  for (const size of SIZES) {
    test(`${size.columns}x${size.rows}: firing alerts, deliveries, filesystems, charts, help; plain text throughout`, async () => {
      const v = viewer(agent!.url(""), size, PLAIN);
      let screen = await v.showing("the alerts already firing when it attached", (s) => /FIRING {4}CRIT/.test(s));
      if (!screen.includes("webhook")) {
        // A small terminal: the deliveries are below the alerts; focus that list and page down.
        v.keys("3");
        v.keys("NPage");
      }
      screen = await v.showing("the deliveries made before it attached", (s) => s.includes("webhook"));
      const lines = screen.split("\n");
      // The screen fits; nothing drawn with escape sequences: no colour, no alternate screen, no cursor movement.
      expect(lines.length).toBeLessThanOrEqual(size.rows);
      for (const line of lines) expect(line.length).toBeLessThanOrEqual(size.columns);
      expect(v.terminal()).toBe("0");
      expect(v.raw()).not.toContain("\u001b");

      // A critical alert is shown critical; state words stand apart from the severity.
      expect(screen).toMatch(/FIRING {4}CRIT {2}disk_high/);
      expect(screen).not.toMatch(/[A-Z]{4,}(CRIT|WARN)/);
      // Deliveries name the channel and the alert, not a fingerprint.
      expect(screen).toMatch(/webhook {2}delivered {2}\w+_high firing/);
      // Filesystems fullest first; each is critical here, and none is hidden behind "+N more".
      const percents = filesystemPercents(screen);
      expect(percents.length).toBeGreaterThan(0);
      expect(percents).toEqual([...percents].sort((a, b) => b - a));
      expect(screen).not.toContain("more filesystem");
      // Levels read without colour: the marks.
      expect(screen).toMatch(/\d%!!/);

      // A larger terminal gives its spare lines to charts and lists, not to blank space at the bottom:
      // the footer is on the last line, and the charts reach down a good part of the screen. (A chart
      // is blank above low values, so it is measured by its extent, not by the lines it inks.)
      if (size.rows === 24) {
        expect(screen).not.toContain("CPU %  now");
      } else {
        expect(lines).toHaveLength(size.rows);
        expect(lines.at(-1)).toContain("q quit");
        const charts = lines.findIndex((l) => l.startsWith("CPU %  now"));
        const lists = lines.findIndex((l, i) => i > charts && l.startsWith("─ "));
        expect(charts).toBeGreaterThan(0);
        expect(lists - charts).toBeGreaterThan(size.rows * 0.3);
      }
      if (size.columns >= 200) expect(screen).toMatch(/CPU % {2}now[^\n]*Memory % {2}now/);

      // Help: wrapped at 80 columns at most, whatever the width.
      v.keys("?");
      const flat = (s: string) => s.replace(/\s+/g, " ");
      let help = await v.showing("the help", (s) => s.includes("Colours and marks"));
      const helpLines = help.split("\n").slice(2, -1);
      for (const line of helpLines) expect(line.trimEnd().length).toBeLessThanOrEqual(80);
      // A short screen shows the rest of the help a page further down.
      if (!flat(help).includes("a critical one is always in view")) {
        v.keys("NPage");
        help = await v.showing("the rest of the help", (s) => flat(s).includes("a critical one is always in view"));
        for (const line of help.split("\n").slice(2, -1)) expect(line.trimEnd().length).toBeLessThanOrEqual(80);
      }
      v.keys("q");
      v.close();
    }, 60_000);
  }

  test("NO_COLOR alone: full screen, but no colour or style", async () => {
    const v = viewer(agent!.url(""), SIZES[0], { NO_COLOR: "1" });
    await v.showing("the host", (s) => s.includes("CPU ") && /FIRING {4}CRIT/.test(s));
    expect(v.terminal()).toBe("1");
    expect(v.raw()).not.toMatch(/\u001b\[[0-9;]*m/);
    v.keys("q");
    v.close();
  }, 60_000);
});

describe.skipIf(!tmuxPath)("tui --url when the agent goes away", () => {
  test("values are marked (and dimmed) with their age; the header says how old", async () => {
    const port = await freePort();
    const gone = await startAgentProcess({ AIOPS_INTERVAL: "1", AIOPS_DATA_DIR: join(work, "data-gone") }, port);
    const plain = viewer(gone.url(""), SIZES[1], PLAIN);
    const coloured = viewer(gone.url(""), SIZES[1], {});
    await plain.showing("the host, live", (s) => s.includes("● live") && s.includes("CPU "));
    await coloured.showing("the host, live", (s) => s.includes("● live") && s.includes("CPU "));
    await gone.stop();
    const screen = await plain.showing("the values marked old", (s) => /values from \d+s ago/.test(s) && s.includes("disconnected"));
    expect(screen).toContain("CPU ");
    // With colours, the old values lose the level's colour and go dim.
    await coloured.showing("the values marked old", (s) => /values from \d+s ago/.test(s));
    const styled = tmux("capture-pane", "-p", "-e", "-t", "v" + String(sessions)).split("\n").find((l) => l.includes("CPU "));
    expect(styled).toContain("\u001b[2m");
    plain.close();
    coloured.close();
  }, 90_000);
});
