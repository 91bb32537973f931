import { finding as sharedFinding } from "../support/findings.ts";
import type { Inventory } from "../../src/collect/inventory.ts";
import type { ProcessInfo, Snapshot } from "../../src/contracts/snapshot.ts";
import type { Finding } from "../../src/contracts/finding.ts";
import type { RemediationRun } from "../../src/contracts/remediation.ts";
import type { AgentInfo, DataSource, RemediationDecision, SourceEvent, SourceListener } from "../../tui/source.ts";
import type { ProcessQuery } from "../../tui/process-reader.ts";
import { loadConfig } from "../../src/config/load.ts";
import { thresholdLevelsOf } from "../../src/detect/threshold-levels.ts";
import type { ThresholdLevels } from "../../tui/thresholds.ts";
import { type Line, type Style, plainText } from "../../tui/line.ts";
import type { Screen } from "../../tui/screen.ts";

/** A hand-written snapshot of a small 4-CPU host, every section filled, numbers easy to check. */
export const SNAPSHOT: Snapshot = {
  timestamp: "2026-11-26T17:00:00.000Z",
  host: { hostname: "web-1", boot_time: "2026-11-23T13:00:00.000Z" },
  cpu: { usage_percent: 45.2, count: 4, per_cpu: [42, 48.4, 91, 97.5], user_percent: 30, system_percent: 15.2, iowait_percent: 1, steal_percent: 0 },
  memory: {
    total: 8 * 1024 ** 3,
    available: 4 * 1024 ** 3,
    used: 4 * 1024 ** 3,
    free: 1024 ** 3,
    percent: 50,
    buffers: 0,
    cached: 0,
    swap: { total: 2 * 1024 ** 3, used: 512 * 1024 ** 2, free: 1.5 * 1024 ** 3, percent: 25 },
  },
  disk: { total: 100 * 1024 ** 3, used: 91 * 1024 ** 3, free: 9 * 1024 ** 3, percent: 91 },
  disks: [
    { mountpoint: "/", device: "/dev/sda1", fstype: "ext4", total: 100 * 1024 ** 3, used: 91 * 1024 ** 3, free: 9 * 1024 ** 3, percent: 91, inodes_total: 1000, inodes_used: 120, inodes_free: 880, inodes_percent: 12, read_only: false },
    { mountpoint: "/boot", device: "/dev/sda2", fstype: "ext4", total: 1024 ** 3, used: 256 * 1024 ** 2, free: 768 * 1024 ** 2, percent: 25, inodes_total: 100, inodes_used: 1, inodes_free: 99, inodes_percent: 1, read_only: false },
  ],
  disk_io: {
    devices: [],
    total: { read_bytes_per_second: 2_500_000, write_bytes_per_second: 300_000, reads_per_second: 20, writes_per_second: 5, busy_percent: 3 },
  },
  network: {
    interfaces: [],
    total: {
      receive_bytes_per_second: 1_250_000,
      transmit_bytes_per_second: 64_000,
      receive_packets_per_second: 900,
      transmit_packets_per_second: 300,
      receive_errors_per_second: 0,
      transmit_errors_per_second: 0,
      receive_drops_per_second: 0,
      transmit_drops_per_second: 0,
    },
  },
  uptime_seconds: 3 * 86400 + 4 * 3600 + 5 * 60,
  load: { load1: 1.52, load5: 0.98, load15: 0.4 },
  pressure: {
    cpu: { some: { avg10: 2.5, avg60: 1, avg300: 0.5, total: 1 } },
    memory: { some: { avg10: 0, avg60: 0, avg300: 0, total: 0 }, full: { avg10: 0, avg60: 0, avg300: 0, total: 0 } },
    io: { some: { avg10: 12.25, avg60: 3, avg300: 1, total: 9 } },
  },
  cgroup: null,
};

export const INVENTORY: Inventory = {
  hostname: "web-1",
  os: "Debian GNU/Linux 12 (bookworm)",
  kernel: "6.1.0",
  arch: "x64",
  cpu_model: "Test CPU",
  cpu_cores: 4,
  memory_bytes: 8 * 1024 ** 3,
  virtualization: "",
  system: "",
};

/** The levels an agent on its defaults sends (CPU 80, memory 85, disk 90, critical 95...). */
export const LEVELS: ThresholdLevels = thresholdLevelsOf(loadConfig({ env: {} }).config);

export const INFO: AgentInfo = { name: "web-1-agent", environment: "staging", version: "0.1.0", inventory: INVENTORY, interval: 1, thresholds: LEVELS };

/** A finding as the TUI shows it: the shared test finding, at the time of the hand-written snapshot. */
export function finding(overrides: Partial<Finding> = {}): Finding {
  return sharedFinding({ score: 1, timestamp: "2026-11-26T17:00:00.000Z", ...overrides });
}

/**
 * A source that replays `events` on start and lets a test push more. Decisions on remediation runs are
 * recorded, and answered by `answer` (by default the run, denied or running, as the agent would); the
 * process queries the UI watches are recorded (undefined: the panel went out of view).
 */
export function fakeSource(
  events: SourceEvent[] = [],
  label = "in-process",
  answer?: (id: number, decision: RemediationDecision) => Promise<RemediationRun>,
): DataSource & { push(event: SourceEvent): void; stopped: boolean; decisions: Array<[number, RemediationDecision]>; watched: Array<ProcessQuery | undefined> } {
  let listener: SourceListener | undefined;
  const source = {
    label,
    stopped: false,
    decisions: [] as Array<[number, RemediationDecision]>,
    watched: [] as Array<ProcessQuery | undefined>,
    start(l: SourceListener) {
      listener = l;
      for (const e of events) l(e);
    },
    stop() {
      source.stopped = true;
      listener = undefined;
    },
    push(event: SourceEvent) {
      listener?.(event);
    },
    watchProcesses(query: ProcessQuery | undefined) {
      const last = source.watched.at(-1);
      if (JSON.stringify(last) !== JSON.stringify(query) || source.watched.length === 0) source.watched.push(query);
    },
    async decide(id: number, decision: RemediationDecision) {
      source.decisions.push([id, decision]);
      if (answer) return answer(id, decision);
      throw new Error(`no run ${id}`);
    },
  };
  return source;
}

/** A remediation run as the agent records it: an `approve`-mode exec action on cpu_high, awaiting approval. */
export function remediationRun(overrides: Partial<RemediationRun> = {}): RemediationRun {
  return {
    id: 1,
    action: "restart-app",
    kind: "exec",
    mode: "approve",
    alert: { fingerprint: "f00dfeed", labels: { alertname: "cpu_high", severity: "warning" } },
    outcome: "awaiting_approval",
    reason: "",
    plan: "/usr/bin/systemctl restart app",
    exitCode: null,
    signal: null,
    output: "",
    decidedBy: null,
    createdAt: Date.parse("2026-11-26T17:00:00.000Z"),
    startedAt: null,
    endedAt: null,
    verifyBy: null,
    updatedAt: Date.parse("2026-11-26T17:00:00.000Z"),
    ...overrides,
  };
}

/** A process as /api/v1/processes lists it: by default an idle shell of root's, numbers easy to check. */
export function processInfo(overrides: Partial<ProcessInfo> = {}): ProcessInfo {
  return {
    pid: 100,
    name: "sh",
    command: "/bin/sh",
    user: "root",
    state: "sleeping",
    cpu_percent: 0,
    memory_bytes: 1024 * 1024,
    memory_growth_bytes_per_second: 0,
    read_bytes_per_second: 0,
    write_bytes_per_second: 0,
    threads: 1,
    start_time: "2026-11-26T16:00:00.000Z",
    ...overrides,
  };
}

/** A small host's processes, busiest CPU first: a CPU burner, a database holding memory, a backup writing, a kernel thread, a zombie. */
export const PROCESSES: ProcessInfo[] = [
  processInfo({ pid: 4242, name: "stress-ng", command: "stress-ng --cpu 1 --timeout 600", user: "alice", state: "running", cpu_percent: 99.5, memory_bytes: 5 * 1024 ** 2 }),
  processInfo({ pid: 812, name: "postgres", command: "/usr/lib/postgresql/15/bin/postgres -D /var/lib/postgresql/15/main", user: "postgres", cpu_percent: 12.3, memory_bytes: 1.5 * 1024 ** 3, read_bytes_per_second: 2_500_000, write_bytes_per_second: 120_000, threads: 9 }),
  processInfo({ pid: 3001, name: "restic", command: "restic backup /srv", user: "backup-operator", state: "disk_sleep", cpu_percent: 4, memory_bytes: 300 * 1024 ** 2, read_bytes_per_second: null, write_bytes_per_second: null, threads: 14 }),
  processInfo({ pid: 2, name: "kthreadd", command: "[kthreadd]", cpu_percent: 0, memory_bytes: 0 }),
  processInfo({ pid: 5150, name: "defunct", command: "[defunct]", user: "alice", state: "zombie", memory_bytes: 0 }),
];

/** Lines as the terminal shows their text: one row each, trailing blanks cut. */
export function frameText(lines: readonly Line[]): string {
  return lines.map((l) => plainText(l).trimEnd()).join("\n");
}

/** The style of the first span whose text contains `text` (undefined: unstyled), for assertions on colours. */
export function styleOf(lines: Line | readonly Line[], text: string): Style | undefined {
  const spans = (lines.length > 0 && Array.isArray(lines[0]) ? (lines as readonly Line[]).flat() : (lines as Line)) as Line;
  const found = spans.find((s) => s.text.includes(text));
  if (!found) throw new Error(`no span contains ${JSON.stringify(text)}: ${JSON.stringify(spans.map((s) => s.text))}`);
  return found.style;
}

/** The colour `text` is drawn in. */
export const colourOf = (lines: Line | readonly Line[], text: string) => styleOf(lines, text)?.color;

/** A screen that keeps what was last drawn, for the App's tests: the rows, as text or with their styles. */
export function testScreen(): Screen & { rows: readonly Line[]; frame(): string; draws: number } {
  const screen = {
    rows: [] as readonly Line[],
    draws: 0,
    draw(rows: readonly Line[]) {
      screen.rows = rows;
      screen.draws++;
    },
    invalidate() {},
    frame: () => frameText(screen.rows),
  };
  return screen;
}
