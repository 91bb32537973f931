import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MAX_TEXTFILE_BYTES, createTextfileCollector } from "../../../src/collect/plugins/textfile.ts";
import { parsePrometheusText } from "../../../src/collect/plugins/prometheus-text.ts";
import type { TextfileSection } from "../../../src/contracts/snapshot.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function directory(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "aiops-textfile-"));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

function collect(dir: string, warnings: string[] = []): TextfileSection {
  return (createTextfileCollector({ directory: dir, warn: (m) => warnings.push(m) }).collect(0) as { textfile: TextfileSection }).textfile;
}

const GOOD = `# HELP backup_last_success_timestamp_seconds Last good backup.
# TYPE backup_last_success_timestamp_seconds gauge
backup_last_success_timestamp_seconds{target="db"} 1767254400
backup_last_success_timestamp_seconds{target="files"} 1767250800
# TYPE raid_resync_seconds histogram
raid_resync_seconds_bucket{le="60"} 1
raid_resync_seconds_bucket{le="+Inf"} 3
raid_resync_seconds_sum 500
raid_resync_seconds_count 3
`;

describe("the textfile collector", () => {
  test("good files are exported with their labels, HELP and TYPE; each file's time is reported", () => {
    const section = collect(directory({ "backup.prom": GOOD, "ignored.txt": "not read\n" }));
    expect(section.files).toEqual([{ file: "backup.prom", mtime_seconds: expect.any(Number), error: null }]);
    expect(section.families.map((f) => [f.name, f.type, f.samples.length])).toEqual([
      ["backup_last_success_timestamp_seconds", "gauge", 2],
      ["raid_resync_seconds", "histogram", 4],
    ]);
    expect(section.families[0]!.help).toBe("Last good backup.");
  });

  test("a bad line leaves that file out, with its line number, and never hides the other files", () => {
    const warnings: string[] = [];
    const section = collect(directory({ "a.prom": GOOD, "b.prom": 'ok_metric 1\nbad metric{ 2\n' }), warnings);
    expect(section.files.find((f) => f.file === "b.prom")!.error).toBe('line 2: invalid value "metric{" for bad');
    expect(section.files.find((f) => f.file === "a.prom")!.error).toBeNull();
    expect(section.families.map((f) => f.name)).not.toContain("ok_metric");
    expect(section.families).toHaveLength(2);
    expect(warnings).toEqual(['textfile b.prom left out: line 2: invalid value "metric{" for bad']);
  });

  test("a duplicate series: within a file, and across two files (the later one is left out)", () => {
    expect(() => parsePrometheusText('x{a="1"} 1\nx{a="1"} 2\n')).toThrow('line 2: duplicate series x{a="1"}');
    const section = collect(directory({ "a.prom": 'shared{k="v"} 1\n', "b.prom": 'shared{k="v"} 2\nonly_b 3\n' }));
    expect(section.files.map((f) => f.error)).toEqual([null, 'duplicate series shared{"k":"v"}: also in a.prom']);
    expect(section.families.map((f) => f.name)).toEqual(["shared"]);
  });

  test("other bad inputs each say what was wrong", () => {
    const cases: Array<[string, string]> = [
      ['x{a="1"} 1 1767254400000\n', "line 1: client-side timestamps are not supported"],
      ["# TYPE x gauge\n# TYPE x counter\nx 1\n", "line 2: second TYPE line for x"],
      ["x 1\n# TYPE x gauge\n", "line 2: TYPE line for x after its samples"],
      ["aiops_cpu_usage_percent 1\n", "line 1: metric names starting with aiops_ are the agent's own (aiops_cpu_usage_percent)"],
      ['x{__name__="y"} 1\n', 'line 1: invalid label name "__name__"'],
      ["x one\n", 'line 1: invalid value "one" for x'],
      ["# TYPE x wobble\n", 'line 1: unknown type "wobble" for x (expected gauge, counter, untyped, histogram, summary)'],
    ];
    for (const [text, error] of cases) {
      expect(collect(directory({ "f.prom": text })).files[0]!.error).toBe(error);
    }
  });

  test("a huge file is refused without being read", () => {
    const big = `${"padding_metric 1\n".repeat(Math.ceil((MAX_TEXTFILE_BYTES + 1) / 17))}`;
    const section = collect(directory({ "huge.prom": big, "small.prom": "small 1\n" }));
    expect(section.files[0]!.error).toMatch(/^larger than 4 MiB \(\d+ bytes\)$/);
    expect(section.families.map((f) => f.name)).toEqual(["small"]);
  });

  test("a file still being written (no final newline) is left out until it is whole", () => {
    const dir = directory({ "job.prom": "job_progress 0.5\njob_sta" });
    const c = createTextfileCollector({ directory: dir });
    const first = (c.collect(0) as { textfile: TextfileSection }).textfile;
    expect(first.files[0]!.error).toBe("the last line does not end with a newline (still being written?)");
    writeFileSync(join(dir, "job.prom"), "job_progress 0.5\njob_state 1\n");
    const second = (c.collect(1000) as { textfile: TextfileSection }).textfile;
    expect(second.files[0]!.error).toBeNull();
    expect(second.families.map((f) => f.name)).toEqual(["job_progress", "job_state"]);
  });

  test("a file replaced (temporary file, rename) over and over while it is read is always read whole", async () => {
    const dir = directory({});
    const file = join(dir, "busy.prom");
    const lines = 2000;
    const body = Array.from({ length: lines }, (_, i) => `busy_metric{n="${i}"} ${i}\n`).join("");
    // The convention: write a temporary file, then rename it into place; a writer doing so flat out.
    const writer = Bun.spawn(["/bin/sh", "-c", `while :; do cat > '${file}.tmp' <<'EOF'\n${body}EOF\nmv '${file}.tmp' '${file}'; done`]);
    try {
      const c = createTextfileCollector({ directory: dir });
      let whole = 0;
      for (let i = 0; i < 100; i++) {
        await Bun.sleep(1);
        const s = (c.collect(i) as { textfile: TextfileSection }).textfile;
        const f = s.files[0];
        if (!f) continue;
        if (f.error === null) {
          expect(s.families[0]!.samples).toHaveLength(lines);
          whole++;
        }
      }
      expect(whole).toBeGreaterThan(0);
    } finally {
      writer.kill();
      await writer.exited;
    }
  });

  test("a missing directory fails the collector with its name", () => {
    expect(() => createTextfileCollector({ directory: "/nonexistent/textfiles" }).collect(0)).toThrow("read the textfile directory /nonexistent/textfiles");
  });
});
