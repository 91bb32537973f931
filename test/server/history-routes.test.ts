import { afterEach, describe, expect, test } from "bun:test";
import { cleanUp, tempDir } from "../store/support/temp.ts";
import { loadConfig } from "../../src/config/load.ts";
import type { Finding } from "../../src/contracts/finding.ts";
import { createLogger } from "../../src/log.ts";
import { SelfMetrics } from "../../src/self-metrics.ts";
import { createHistoryRoutes } from "../../src/server/history-routes.ts";
import { type Store, createStore } from "../../src/store/store.ts";
import { testServer } from "./support.ts";
import { ManualClock } from "../../src/clock.ts";

const T0 = Date.parse("2026-11-26T08:00:00Z");
let store: Store;

function serverWithHistory() {
  const { config } = loadConfig({ env: {} });
  const clock = new ManualClock(T0 + 600_000);
  store = createStore({ dataDir: tempDir(), settings: config.store, log: createLogger({ level: "critical", clock, sink: { write() {} } }), metrics: new SelfMetrics(), clock });
  store.open();
  for (let i = 0; i < 30; i++) {
    store.writeSamples(T0 + i * 10_000, [
      { metric: "aiops_disk_usage_percent", labels: { mountpoint: "/", device: "/dev/sda1", fstype: "ext4" }, value: 50 + i },
      { metric: "aiops_disk_usage_percent", labels: { mountpoint: "/data", device: "/dev/sdb1", fstype: "xfs" }, value: 10 },
    ]);
  }
  const finding = (i: number): Finding => ({
    type: "disk_high",
    severity: i % 2 ? "critical" : "warning",
    message: `High disk usage on /: ${90 + i}.00%`,
    value: 90 + i,
    threshold: 90,
    metric: "aiops_disk_usage_percent",
    labels: { mountpoint: "/" },
    detector: "threshold",
    score: 0.6,
    timestamp: new Date(T0 + i * 1000).toISOString(),
    ...(i === 4 ? { related: [RELATED] } : {}),
  });
  store.recordFindings([0, 1, 2, 3, 4].map(finding));
  return testServer({ deps: { routes: createHistoryRoutes(store, clock) } });
}

afterEach(() => {
  store?.close();
  cleanUp();
});

describe("/api/v1/series", () => {
  test("returns the history of the series whose labels match the other parameters", async () => {
    const { get } = serverWithHistory();
    const body = (await (await get(`/api/v1/series?metric=aiops_disk_usage_percent&mountpoint=/&from=${T0 / 1000}`)).json()) as {
      resolution: string;
      series: Array<{ labels: Record<string, string>; points: Array<{ value: number }> }>;
    };
    expect(body.resolution).toBe("raw");
    expect(body.series).toHaveLength(1);
    expect(body.series[0]!.labels.mountpoint).toBe("/");
    expect(body.series[0]!.points.map((p) => p.value).slice(0, 3)).toEqual([50, 51, 52]);
  });

  test("a missing metric or a bad time is a 400 naming the parameter", async () => {
    const { get } = serverWithHistory();
    expect(await (await get("/api/v1/series")).json()).toEqual({ error: { code: "invalid_parameter", message: "query.metric: expected one value" } });
    const bad = (await (await get("/api/v1/series?metric=aiops_cpu_usage_percent&to=tomorrow")).json()) as { error: { message: string } };
    expect(bad.error.message).toBe('query.to: expected an RFC 3339 time or Unix seconds from 1970 to 9999; got "tomorrow"');
  });
});

/** A series that deviated with the newest finding (one event, one finding). */
const RELATED = {
  metric: "aiops_disk_write_bytes_per_second",
  labels: { device: "sda" },
  value: 2e8,
  type: "disk_write_bytes_anomaly",
  detector: "statistical",
  score: 0.95,
  effect: {
    expected: 1e6,
    expected_low: 5e5,
    expected_high: 2e6,
    deviation: 1.99e8,
    change: 0.995,
    unit: "bytes/s",
    since: new Date(T0 + 2000).toISOString(),
    duration_seconds: 2,
  },
  since: new Date(T0 + 2000).toISOString(),
};

describe("/api/v1/anomalies", () => {
  test("an anomaly lists the series that deviated with it, and their effect", async () => {
    const { get } = serverWithHistory();
    const page = (await (await get("/api/v1/anomalies?limit=2")).json()) as { items: Finding[] };
    expect(page.items[0]!.related).toEqual([RELATED]);
    expect(page.items[1]!.related).toBeUndefined();
  });

  test("pages through recorded anomalies newest first, filtered by severity", async () => {
    const { get } = serverWithHistory();
    const first = (await (await get("/api/v1/anomalies?limit=2")).json()) as { items: Finding[]; next_cursor: string };
    expect(first.items.map((a) => a.value)).toEqual([94, 93]);
    const second = (await (await get(`/api/v1/anomalies?limit=2&cursor=${first.next_cursor}`)).json()) as { items: Finding[] };
    expect(second.items.map((a) => a.value)).toEqual([92, 91]);
    const critical = (await (await get("/api/v1/anomalies?severity=critical")).json()) as { items: Finding[] };
    expect(critical.items.map((a) => a.value)).toEqual([93, 91]);
  });

  test("a bad limit, severity or cursor is a 400 that says what is allowed", async () => {
    const { get } = serverWithHistory();
    const limit = (await (await get("/api/v1/anomalies?limit=0")).json()) as { error: { message: string } };
    expect(limit.error.message).toBe("query.limit: expected a whole number from 1 to 1000");
    const severity = (await (await get("/api/v1/anomalies?severity=bad")).json()) as { error: { message: string } };
    expect(severity.error.message).toBe("query.severity: expected warning or critical");
    expect((await get("/api/v1/anomalies?cursor=not-a-cursor")).status).toBe(400);
  });
});
