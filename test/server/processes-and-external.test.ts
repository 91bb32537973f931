import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { createProcessTable } from "../../src/collect/process-table.ts";
import { createTextfileCollector } from "../../src/collect/plugins/textfile.ts";
import { ManualClock } from "../../src/clock.ts";
import { createPluginRunner } from "../../src/collect/plugins/exec-plugins.ts";
import { createPluginsCollector } from "../../src/collect/plugins/plugins-collector.ts";
import type { PluginsSection, ProcessInfo, Snapshot, TextfileSection } from "../../src/contracts/snapshot.ts";
import { createProcessRoutes } from "../../src/server/process-routes.ts";
import { findPeer } from "../support/peers.ts";
import { SNAPSHOT, testServer } from "./support.ts";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";

const proc = (pid: number, name: string, cpu: number, memory: number, read: number | null, write: number | null, user = "alice"): ProcessInfo => ({
  pid,
  name,
  command: `/usr/bin/${name} --serve`,
  user,
  state: "sleeping",
  cpu_percent: cpu,
  memory_bytes: memory,
  memory_growth_bytes_per_second: 0,
  read_bytes_per_second: read,
  write_bytes_per_second: write,
  threads: 1,
  start_time: "2026-11-26T16:00:00.000Z",
});

describe("GET /api/v1/processes", () => {
  const clock = new ManualClock();
  const table = createProcessTable(clock);
  table.set([proc(10, "postgres", 12, 3e9, 1e6, 5e6, "postgres"), proc(20, "stress", 99, 1e6, 0, 0), proc(30, "java", 40, 6e9, null, null, "bob")]);
  const { get } = testServer({ deps: { routes: createProcessRoutes({ table, clock, enabled: () => true }) } });

  test("says when the list was read and how old it is (the processes are read every collect.processes.interval, not per request)", async () => {
    const readAt = clock.wall().toISOString();
    await clock.advance(2500);
    const body = (await (await get("/api/v1/processes?limit=1")).json()) as { read_at: string; age_seconds: number; total: number };
    expect(body).toMatchObject({ read_at: readAt, age_seconds: 2.5, total: 3 });
    // A request does not read the processes again: the same reading, older.
    await clock.advance(500);
    expect(((await (await get("/api/v1/processes")).json()) as { read_at: string; age_seconds: number })).toMatchObject({ read_at: readAt, age_seconds: 3 });
  });

  test("sorted by CPU by default, by memory or I/O on request, cut by limit", async () => {
    const pids = async (q: string) => ((await (await get(`/api/v1/processes${q}`)).json()) as { items: ProcessInfo[] }).items.map((p) => p.pid);
    expect(await pids("")).toEqual([20, 30, 10]);
    expect(await pids("?sort=memory")).toEqual([30, 10, 20]);
    // A process whose I/O the agent may not read ranks last for I/O.
    expect(await pids("?sort=io")).toEqual([10, 20, 30]);
    expect(await pids("?sort=cpu&limit=1")).toEqual([20]);
    const body = (await (await get("/api/v1/processes?filter=POST")).json()) as { total: number; matched: number; items: ProcessInfo[] };
    expect(body).toMatchObject({ total: 3, matched: 1 });
    expect(body.items[0]).toMatchObject({ pid: 10, name: "postgres", command: "/usr/bin/postgres --serve", user: "postgres", cpu_percent: 12, memory_bytes: 3e9, read_bytes_per_second: 1e6, write_bytes_per_second: 5e6 });
  });

  test("a bad parameter is a 400 naming it", async () => {
    const r = await get("/api/v1/processes?sort=heat");
    expect(r.status).toBe(400);
    expect(((await r.json()) as { error: { message: string } }).error.message).toBe("query.sort: expected one of cpu, memory, io, read, write, memory_growth");
    expect((await get("/api/v1/processes?limit=0")).status).toBe(400);
  });

  test("before the first collection, or with the collector off, a 503 says why", async () => {
    const empty = testServer({ deps: { routes: createProcessRoutes({ table: createProcessTable(new ManualClock()), clock: new ManualClock(), enabled: () => true }) } });
    expect((await empty.get("/api/v1/processes")).status).toBe(503);
    const off = testServer({ deps: { routes: createProcessRoutes({ table, clock, enabled: () => false }) } });
    const r = await off.get("/api/v1/processes");
    expect(r.status).toBe(503);
    expect(((await r.json()) as { error: { message: string } }).error.message).toContain("collect.processes.enabled");
  });
});

const promtool = findPeer("promtool", ["/usr/bin/promtool", "/usr/local/bin/promtool"]);
describe.skipIf(!promtool)("/metrics with textfile and plugin series", () => {
  test("passes promtool check metrics, in both formats' TYPE rules", async () => {
    const dir = mkdtempSync(join(tmpdir(), "aiops-textfile-"));
    writeFileSync(
      join(dir, "backup.prom"),
      '# HELP backup_age_seconds Age of the last backup.\n# TYPE backup_age_seconds gauge\nbackup_age_seconds{target="db"} 3600\n# HELP backup_runs_total Backups run.\n# TYPE backup_runs_total counter\nbackup_runs_total 12\n# HELP resync_seconds Time resyncs took.\n# TYPE resync_seconds histogram\nresync_seconds_bucket{le="60"} 1\nresync_seconds_bucket{le="+Inf"} 3\nresync_seconds_sum 500\nresync_seconds_count 3\nlegacy_jobs{queue="mail"} 7\n',
    );
    const textfile = (createTextfileCollector({ directory: dir }).collect(0) as { textfile: TextfileSection }).textfile;
    const scripts = join(import.meta.dir, "../fixtures/plugins");
    const config = (name: string, script: string, format: "prometheus" | "nagios" | "json") => ({
      name,
      command: [join(scripts, script)],
      format,
      interval: 60,
      timeout: 5,
      max_output_bytes: 65536,
      env: {},
    });
    const plugins = [config("queue", "good-prometheus", "prometheus"), config("disk", "check-critical", "nagios"), config("backups", "good-json", "json")];
    const runner = createPluginRunner(plugins, { clock: new ManualClock() });
    await Promise.all(plugins.map((p) => runner.runOnce(p)));
    const section = (createPluginsCollector(runner).collect(0) as { plugins: PluginsSection }).plugins;
    const snapshot: Snapshot = { ...SNAPSHOT, textfile, plugins: section };
    const { get } = testServer({ snapshot });
    const text = await (await get("/metrics")).text();
    expect(text).toContain('backup_age_seconds{target="db"} 3600');
    expect(text).toContain('queue_depth{queue="mail",plugin="queue"} 42');
    expect(text).toContain('aiops_plugin_perfdata{plugin="disk",label="free space",unit="percent"} 4');
    expect(text).toContain('aiops_plugin_nagios_status{plugin="disk"} 2');
    expect(text).toContain('aiops_textfile_scrape_error{file="backup.prom"} 0');
    const check = Bun.spawnSync([promtool!, "check", "metrics"], { stdin: new TextEncoder().encode(text) });
    expect(check.stderr.toString() + check.stdout.toString()).not.toMatch(/error|invalid/i);
    expect(check.exitCode).toBe(0);
    const om = await (await get("/metrics", { headers: { accept: "application/openmetrics-text" } })).text();
    expect(om).toContain("# TYPE backup_runs counter\nbackup_runs_total 12");
    expect(om).toContain("# TYPE resync_seconds histogram");
    expect(om).toContain('# TYPE legacy_jobs unknown\nlegacy_jobs{queue="mail"} 7');
    expect(text).toContain('# TYPE legacy_jobs untyped\nlegacy_jobs{queue="mail"} 7');
  });
});
