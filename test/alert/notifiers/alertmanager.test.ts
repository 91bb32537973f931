import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHttpClient } from "../../../src/alert/http-client.ts";
import { createAlertmanagerNotifier } from "../../../src/alert/notifiers/alertmanager.ts";
import { findPeer } from "../../support/peers.ts";
import { channel, finding, notification } from "../fixtures.ts";
import { type RunningAlertmanager, startAlertmanager } from "../peers/alertmanager.ts";
import { freePort } from "../sink.ts";
import { waitFor } from "../../support/ports.ts";
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
      // Delivered once any instance took it: each lane reaches its own instance on its own time.
      const alerts = await waitFor(`${instance.url} to list the alert`, async () => {
        const listed = await instance.alerts();
        return listed.length > 0 && listed;
      }, 10_000, 20);
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

  test("an instance that is down delays nothing: the live one has the alert and the notification is delivered", async () => {
    const down = `http://127.0.0.1:${freePort()}`;
    const n = make([down, am[0]!.url]);
    const r = await n.send(notification({ fingerprint: "feedfeedfeedfeed", labels: { alertname: "disk_full", severity: "warning", agent: "host-a" } }));
    await n.close();
    expect(r).toEqual({ delivered: true, status: 200 });
    expect((await am[0]!.alerts()).map((a) => a.labels.alertname)).toContain("disk_full");
  });

  test("an instance that accepts and never answers holds nothing up: later notifications reach the others at once", async () => {
    // Accepts connections and reads requests, never answers (a hung host behind a load balancer).
    const hung = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    const n = createAlertmanagerNotifier(channel({ type: "alertmanager", urls: [`http://127.0.0.1:${hung.port}`, am[1]!.url], timeout: 60 }), {
      http: createHttpClient({ clock: systemClock }),
      clock: systemClock,
      endsAfterMs: 4 * 60_000,
      generatorUrl: "http://host-a:8080",
    });
    const labels = { alertname: "load_high", severity: "warning", agent: "host-a" };
    const startsAt = new Date(Date.now() - 60_000).toISOString();
    // Both resolve long before the hung instance's 60 s time-out (the test's own limit is 5 s).
    expect(await n.send(notification({ fingerprint: "abababababababab", labels, startsAt }))).toEqual({ delivered: true, status: 200 });
    expect((await am[1]!.alerts()).some((a) => a.labels.alertname === "load_high")).toBe(true);
    const resolved = await n.send(
      notification({ fingerprint: "abababababababab", labels, startsAt, status: "resolved", endsAt: new Date(Date.now() - 1000).toISOString() }),
    );
    expect(resolved).toEqual({ delivered: true, status: 200 });
    expect((await am[1]!.alerts()).some((a) => a.labels.alertname === "load_high")).toBe(false);
    hung.stop(true);
    await n.close();
  });

  test("every instance down: the notification fails, retryably, naming each", async () => {
    const downs = [`http://127.0.0.1:${freePort()}`, `http://127.0.0.1:${freePort()}`];
    const n = make(downs);
    const r = await n.send(notification({ labels: { alertname: "disk_full", severity: "warning", agent: "host-a" } }));
    await n.close();
    expect(r.delivered).toBe(false);
    if (!r.delivered) {
      expect(r.retryable).toBe(true);
      expect(r.error).toStartWith(`urls[0] ${new URL(downs[0]!).host}: no answer from ${new URL(downs[0]!).host}:`);
      expect(r.error).toContain(`; urls[1] ${new URL(downs[1]!).host}: no answer`);
    }
  });

  test("Alertmanager's own validation error is final", async () => {
    const n = make([am[0]!.url]);
    const r = await n.send(notification({ labels: {} }));
    await n.close();
    expect(r).toEqual({ delivered: false, retryable: false, status: 400, error: 'HTTP 400: "at least one label pair required"' });
  });
});

describe.skipIf(!binary)("alertmanager channel against a real two-member Alertmanager cluster", () => {
  let members: RunningAlertmanager[] = [];
  beforeAll(async () => {
    const firstGossip = freePort();
    const secondGossip = freePort();
    members = await Promise.all([
      startAlertmanager(binary!, { port: firstGossip, peers: [`127.0.0.1:${secondGossip}`] }),
      startAlertmanager(binary!, { port: secondGossip, peers: [`127.0.0.1:${firstGossip}`] }),
    ]);
    // Both see the cluster whole before the test starts.
    await waitFor("the two Alertmanagers to form a cluster", async () => (await members[0]!.peers()) >= 2 && (await members[1]!.peers()) >= 2, 20_000, 100);
  }, 30_000);
  afterAll(() => Promise.all(members.map((m) => m.stop())));

  test("both members receive every alert; with one killed, the other still receives and none is lost", async () => {
    const n = createAlertmanagerNotifier(channel({ type: "alertmanager", urls: members.map((m) => m.url), timeout: 2 }), {
      http: createHttpClient({ clock: systemClock }),
      clock: systemClock,
      endsAfterMs: 4 * 60_000,
      generatorUrl: "http://host-a:8080",
    });
    const startsAt = new Date(Date.now() - 60_000).toISOString();
    const first = { alertname: "cpu_high", severity: "critical", agent: "host-a" };
    expect(await n.send(notification({ fingerprint: "1111111111111111", labels: first, startsAt }))).toEqual({ delivered: true, status: 200 });
    for (const m of members) expect((await m.alerts()).map((a) => a.labels.alertname)).toEqual(["cpu_high"]);

    await members[0]!.stop();
    const second = { alertname: "memory_high", severity: "warning", agent: "host-a" };
    const r = await n.send(notification({ fingerprint: "2222222222222222", labels: second, startsAt }));
    expect(r).toEqual({ delivered: true, status: 200 });
    const left = (await members[1]!.alerts()).map((a) => a.labels.alertname).sort();
    expect(left).toEqual(["cpu_high", "memory_high"]);
    await n.close();
  }, 30_000);
});
