import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../../src/config/load.ts";
import { parseTimestamp, replay } from "../../src/detect/replay.ts";
import { noise } from "./synthetic.ts";

const config = loadConfig({ env: {} }).config;
const dir = mkdtempSync(join(tmpdir(), "aiops-replay-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function csv(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** A NAB-like file: 5-minute steps from 2014-04-01, noise around 20, a spike at row `spikeAt`. */
function nabLike(rows: number, spikeAt: number): string {
  const n = noise(1, 1);
  const lines = ["timestamp,value"];
  for (let i = 0; i < rows; i++) {
    const t = new Date(Date.UTC(2014, 3, 1) + i * 300_000).toISOString().replace("T", " ").slice(0, 19);
    lines.push(`${t},${i === spikeAt ? 60 : (20 + n()).toFixed(3)}`);
  }
  return `${lines.join("\n")}\n`;
}

describe("replay", () => {
  test("writes timestamp,value,anomaly_score for every row, and the spike scores highest", () => {
    const input = csv("spike.csv", nabLike(800, 700));
    const output = join(dir, "spike.out.csv");
    const warnings: string[] = [];
    const counts = replay({ input, output, config, warn: (m) => warnings.push(m) });
    expect(counts).toEqual({ rows: 800, missing: 0, skipped: 0, findings: 1 });
    expect(warnings).toEqual([]);
    const lines = readFileSync(output, "utf8").trim().split("\n");
    expect(lines[0]).toBe("timestamp,value,anomaly_score");
    expect(lines).toHaveLength(801);
    expect(lines[701]).toStartWith("2014-04-03 10:20:00,60,");
    const scores = lines.slice(1).map((l) => Number(l.split(",")[2]));
    expect(scores.every((s) => s >= 0 && s <= 1)).toBe(true);
    // Calibrated: the spike is far beyond anything seen; ordinary noise scores 0.999 about once in a thousand.
    expect(scores[700]).toBeGreaterThan(0.9999);
    expect(scores.slice(0, 700).filter((s) => s >= 0.999)).toEqual([]);
    // After it, the sequence the spike broke stays new for a while (the contextual detector), never above the spike.
    expect(Math.max(...scores.slice(701))).toBeLessThan(scores[700]!);
  });

  test("every input row gives one output row in order: a bad row is scored 0 and named in a warning; missing values are gaps", () => {
    const rows = [
      "2014-04-01 00:00:00,1",
      "2014-04-01 00:05:00,abc",
      "yesterday,2",
      "2014-04-01 00:10:00,",
      "2014-04-01 00:15:00",
      "2014-04-01 00:01:00,3",
      "2014-04-01 00:20:00,NaN",
      "2014-04-01 00:25:00,4",
    ];
    const input = csv("bad.csv", ["timestamp,value", ...rows.slice(0, 6), "", ...rows.slice(6)].join("\n"));
    const chunks: string[] = [];
    const warnings: string[] = [];
    const counts = replay({ input, output: { write: (c: string) => chunks.push(c) }, config, warn: (m) => warnings.push(m) });
    expect(counts).toEqual({ rows: 8, missing: 2, skipped: 4, findings: 0 });
    expect(warnings).toEqual([
      `${input}:3: cannot read the value "abc", row scored 0: 2014-04-01 00:05:00,abc`,
      `${input}:4: cannot read the timestamp "yesterday", row scored 0: yesterday,2`,
      `${input}:6: expected 2 columns, got 1, row scored 0: 2014-04-01 00:15:00`,
      `${input}:7: timestamp earlier than the row before, row scored 0: 2014-04-01 00:01:00,3`,
      `${input}: 4 bad row(s) of 8 scored 0 and not given to the detectors`,
    ]);
    const out = chunks.join("").trim().split("\n");
    expect(out[0]).toBe("timestamp,value,anomaly_score");
    // Row for row: the output's rows are the input's, in order, each with its score.
    expect(out.slice(1)).toEqual([
      "2014-04-01 00:00:00,1,0",
      "2014-04-01 00:05:00,abc,0",
      "yesterday,2,0",
      "2014-04-01 00:10:00,,0",
      "2014-04-01 00:15:00,,0",
      "2014-04-01 00:01:00,3,0",
      "2014-04-01 00:20:00,NaN,0",
      "2014-04-01 00:25:00,4,0",
    ]);
  });

  test("a row whose time goes backwards keeps its place in the output and does not disturb the scores after it", () => {
    const text = nabLike(800, 700).trim().split("\n");
    // Row 400 (line 401 of the file) goes an hour back in time: the detectors never see it.
    const ts400 = text[400]!.split(",")[0]!;
    const back = new Date(Date.parse(`${ts400.replace(" ", "T")}Z`) - 3_600_000).toISOString().replace("T", " ").slice(0, 19);
    const withBackwards = [...text];
    withBackwards[400] = `${back},25`;
    const clean = [...text.slice(0, 400), ...text.slice(401)];
    const run = (name: string, lines: string[]) => {
      const chunks: string[] = [];
      const warnings: string[] = [];
      const counts = replay({ input: csv(name, `${lines.join("\n")}\n`), output: { write: (c: string) => chunks.push(c) }, config, warn: (m) => warnings.push(m) });
      return { counts, warnings, out: chunks.join("").trim().split("\n").slice(1) };
    };
    const a = run("backwards.csv", withBackwards);
    const b = run("clean.csv", clean);
    expect(a.out).toHaveLength(800);
    expect(a.counts).toMatchObject({ rows: 800, skipped: 1 });
    expect(a.out.map((l) => l.split(",").slice(0, 2).join(","))).toEqual(withBackwards.slice(1));
    expect(a.out[399]).toBe(`${back},25,0`);
    expect(a.warnings[0]).toContain(":401: timestamp earlier than the row before, row scored 0");
    // Leaving that row out, the scores are those of the file without it.
    expect([...a.out.slice(0, 399), ...a.out.slice(400)]).toEqual(b.out);
  });

  test("columns are found by name; a file without a header is timestamp,value", () => {
    const named = csv("named.csv", "value,timestamp\n5,1396310400\n6,1396310700\n");
    const chunks: string[] = [];
    expect(replay({ input: named, output: { write: (c: string) => chunks.push(c) }, config, warn: () => {} }).rows).toBe(2);
    expect(chunks.join("")).toContain("1396310700,6,0");
    const bare = csv("bare.csv", "2014-04-01T00:00:00Z,5\n2014-04-01T00:05:00Z,6\n");
    expect(replay({ input: bare, config, warn: () => {} }).rows).toBe(2);
  });

  test("--detector and --metric choose what runs: the thresholds of a metric of the Series table", () => {
    const input = csv("cpu.csv", "timestamp,value\n2014-04-01 00:00:00,50\n2014-04-01 00:05:00,85\n2014-04-01 00:10:00,97\n");
    const chunks: string[] = [];
    const counts = replay({ input, output: { write: (c: string) => chunks.push(c) }, detector: "threshold", metric: "aiops_cpu_usage_percent", config, warn: () => {} });
    expect(counts.findings).toBe(2);
    expect(chunks.join("").trim().split("\n").slice(1).map((l) => Number(l.split(",")[2]))).toEqual([0, 1, 1]);
    expect(() => replay({ input, detector: "forecast", config, warn: () => {} })).toThrow("value: detector forecast does not apply to this series");
    expect(() => replay({ input, detector: "magic" as never, config, warn: () => {} })).toThrow("unknown detector magic");
    expect(() => replay({ input, metric: "aiops_cpu_online", config, warn: () => {} })).toThrow("metric aiops_cpu_online is not watched by any detector");
    expect(() => replay({ input: join(dir, "missing.csv"), config, warn: () => {} })).toThrow(`read ${join(dir, "missing.csv")}`);
  });

  test("timestamps: NAB's, ISO-8601 (UTC unless zoned) and epoch seconds", () => {
    const t = Date.UTC(2014, 3, 1, 12, 30);
    expect(parseTimestamp("2014-04-01 12:30:00")).toBe(t);
    expect(parseTimestamp("2014-04-01 12:30:00.000000")).toBe(t);
    expect(parseTimestamp("2014-04-01T12:30:00Z")).toBe(t);
    expect(parseTimestamp("2014-04-01T12:30")).toBe(t);
    expect(parseTimestamp("2014-04-01T14:30:00+02:00")).toBe(t);
    expect(parseTimestamp("2014-04-01T14:30:00+0200")).toBe(t);
    expect(parseTimestamp(String(t / 1000))).toBe(t);
    expect(parseTimestamp(String(t))).toBe(t);
    expect(parseTimestamp("2014-04-01")).toBe(Date.UTC(2014, 3, 1));
    expect(parseTimestamp("01/04/2014")).toBeUndefined();
    expect(parseTimestamp("")).toBeUndefined();
  });
});
