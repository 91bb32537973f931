import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHttpClient } from "../../../src/alert/http-client.ts";
import { createAlertmanagerNotifier } from "../../../src/alert/notifiers/alertmanager.ts";
import { findPeer } from "../../support/peers.ts";
import { channel, finding, notification } from "../fixtures.ts";
import { type RunningAlertmanager, startAlertmanager } from "../peers/alertmanager.ts";
import { freePort } from "../sink.ts";
import { systemClock } from "../../../src/clock.ts";

const binary = findPeer("prometheus-alertmanager", ["/usr/bin/prometheus-alertmanager"]);

describe.skipIf(!binary)("alertmanager notifier against a real Alertmanager (v0.25)", () => {
  let am: RunningAlertmanager[] = [];
  beforeAll(async () => {
    // Two unclustered instances: the notifier must reach each, as it must each member of a cluster.
    am = await Promise.all([startAlertmanager(binary!), startAlertmanager(binary!)]);
  });
  afterAll(() => Promise.all(am.map((a) => a.stop())));

  const make = (urls: string[]) =>
    createAlertmanagerNotifier(channel({ type: "alertmanager", urls }), {
      http: createHttpClient({ clock: systemClock }),
      clock: systemClock,
      endsAfterMs: 4 * 60_000,
      generatorUrl: "http://host-a:8080",
    });

  test("every instance lists the firing alert, then drops it once resolved", async () => {
    const startsAt = new Date(Date.now() - 60_000).toISOString();
    const f = finding({ severity: "critical", labels: { cpu: "total" } });
    const labels = { alertname: "cpu_high", metric: f.metric, severity: "critical", agent: "host-a", environment: "test", cpu: "total" };
    const n = make(am.map((a) => a.url));

    const fired = await n.send(notification({ finding: f, labels, startsAt }));
    expect(fired).toEqual({ delivered: true, status: 200 });
    for (const instance of am) {
      const alerts = await instance.alerts();
      expect(alerts).toHaveLength(1);
      expect(alerts[0]!.labels).toEqual(labels);
      expect(alerts[0]!.status.state).toBe("active");
      expect(alerts[0]!.annotations.summary).toBe(f.message);
      expect(Date.parse(alerts[0]!.startsAt)).toBe(Date.parse(startsAt));
      expect(Date.parse(alerts[0]!.endsAt)).toBeGreaterThan(Date.now());
      expect(alerts[0]!.generatorURL).toBe("http://host-a:8080/api/v1/alerts?fingerprint=0123456789abcdef");
    }

    const resolved = await n.send(notification({ finding: f, labels, startsAt, status: "resolved", endsAt: new Date(Date.now() - 1000).toISOString() }));
    await n.close();
    expect(resolved).toEqual({ delivered: true, status: 200 });
    // v0.25 leaves resolved alerts out of GET /api/v2/alerts (its endsAt is in the past).
    for (const instance of am) expect(await instance.alerts()).toEqual([]);
  });

  test("an instance that is down fails the notification, retryably, naming it", async () => {
    const down = `http://127.0.0.1:${freePort()}`;
    const n = make([am[0]!.url, down]);
    const r = await n.send(notification({ fingerprint: "feedfeedfeedfeed", labels: { alertname: "disk_full", severity: "warning", agent: "host-a" } }));
    await n.close();
    expect(r.delivered).toBe(false);
    if (!r.delivered) {
      expect(r.retryable).toBe(true);
      expect(r.error).toStartWith(`urls[1] ${new URL(down).host}: no answer from ${new URL(down).host}:`);
    }
    // The live instance still took it: a retry re-sends to both, and Alertmanager merges by labels.
    expect((await am[0]!.alerts()).map((a) => a.labels.alertname)).toEqual(["disk_full"]);
  });

  test("Alertmanager's own validation error is final", async () => {
    const n = make([am[0]!.url]);
    const r = await n.send(notification({ labels: {} }));
    await n.close();
    expect(r).toEqual({ delivered: false, retryable: false, status: 400, error: 'HTTP 400: "at least one label pair required"' });
  });
});
