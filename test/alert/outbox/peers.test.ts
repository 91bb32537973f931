import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { type Alerting, createAlerting } from "../../../src/alert/alerting.ts";
import { emailMessageId } from "../../../src/alert/notifiers/email.ts";
import { EventBus } from "../../../src/event-bus.ts";
import { SelfMetrics } from "../../../src/self-metrics.ts";
import { listNotifications } from "../../../src/store/notifications.ts";
import type { Store } from "../../../src/store/store.ts";
import { findPeer } from "../../support/peers.ts";
import { cleanUp } from "../../store/support/temp.ts";
import { configFor, finding } from "../fixtures.ts";
import { type RunningAlertmanager, startAlertmanager } from "../peers/alertmanager.ts";
import { type RunningSmtp, startSmtp } from "../peers/smtp.ts";
import { TLS_DIR } from "../sink.ts";
import { openStore, quietLog, tick } from "./support.ts";
import { systemClock } from "../../../src/clock.ts";
import { waitFor } from "../../support/ports.ts";

const alertmanagerBinary = findPeer("prometheus-alertmanager", ["/usr/bin/prometheus-alertmanager"]);
const aiosmtpd = findPeer("python3-aiosmtpd", ["/usr/lib/python3/dist-packages/aiosmtpd"]);

let stopAlerting: (() => Promise<void>) | undefined;
afterEach(async () => {
  await stopAlerting?.();
  stopAlerting = undefined;
  cleanUp();
});

async function pipeline(channel: Record<string, unknown>): Promise<{ alerting: Alerting; store: Store }> {
  const { store } = openStore();
  const config = configFor({ for: 0, group_wait: 0, delivery: { backoff_base: "100ms", backoff_max: "1s" }, channels: [{ name: "peer", ...channel }] });
  const alerting = await createAlerting(config, { store, metrics: new SelfMetrics(), events: new EventBus(systemClock), log: quietLog().log, clock: systemClock });
  alerting.start();
  stopAlerting = () => alerting.stage.close();
  return { alerting, store };
}

const statuses = (store: Store) => store.read((db) => listNotifications(db).items.map((n) => `${n.alertState}:${n.status}`)).reverse();
const cpu = finding({ severity: "critical", labels: { cpu: "total" } });

describe.skipIf(!alertmanagerBinary)("through the outbox to a real Alertmanager", () => {
  let am: RunningAlertmanager;
  beforeAll(async () => {
    am = await startAlertmanager(alertmanagerBinary!);
  });
  afterAll(() => am.stop());

  test("its own API lists the alert while it fires, and no longer once the resolve is delivered", async () => {
    const { alerting, store } = await pipeline({ type: "alertmanager", urls: [am.url] });
    alerting.stage.run(tick(Date.now(), [cpu]));
    await waitFor("the firing notification delivered", () => statuses(store).join() === "firing:delivered", 15_000, 20);
    const listed = await am.alerts();
    expect(listed).toHaveLength(1);
    expect(listed[0]!.labels).toEqual({ alertname: "cpu_high", metric: "aiops_cpu_usage_percent", severity: "critical", agent: "host-a", environment: "test", cpu: "total" });
    expect(listed[0]!.status.state).toBe("active");
    expect(listed[0]!.annotations.summary).toBe(cpu.message);

    alerting.stage.run(tick(Date.now() + 1, []));
    await waitFor("the resolve delivered", () => statuses(store).join() === "firing:delivered,resolved:delivered", 15_000, 20);
    // Alertmanager v0.25 leaves alerts whose endsAt has passed out of GET /api/v2/alerts.
    await waitFor("Alertmanager to drop the resolved alert", async () => (await am.alerts()).length === 0, 15_000, 20);
  });
});

describe.skipIf(!aiosmtpd)("through the outbox to a real SMTP server", () => {
  let smtp: RunningSmtp;
  beforeAll(async () => {
    smtp = await startSmtp("/usr/bin/python3", "alerts", "smtp-pa55word-xyz");
  });
  afterAll(() => smtp.stop());

  test("the firing and the resolve arrive as two messages, each identified by its idempotency key", async () => {
    const { alerting, store } = await pipeline({
      type: "email",
      host: "127.0.0.1",
      port: smtp.port,
      ca_file: join(TLS_DIR, "ca.pem"),
      username: "alerts",
      password: "smtp-pa55word-xyz",
      from: "aiops <alerts@example.com>",
      to: ["ops@example.com"],
    });
    alerting.stage.run(tick(Date.now(), [cpu]));
    alerting.stage.run(tick(Date.now() + 1, []));
    await waitFor("both notifications delivered", () => statuses(store).join() === "firing:delivered,resolved:delivered", 15_000, 20);
    const keys = store.read((db) => listNotifications(db).items.map((n) => n.idempotencyKey)).reverse();
    expect(await smtp.received(2)).toHaveLength(2);
    expect(smtp.messages.every((m) => m.tls && m.auth)).toBe(true);
    expect(smtp.messages[0]!.data).toContain(`Message-ID: ${emailMessageId(keys[0]!, "example.com")}`);
    expect(smtp.messages[0]!.data).toContain("Subject: [FIRING] critical: High CPU usage: 85.50% on host-a");
    expect(smtp.messages[1]!.data).toContain(`Message-ID: ${emailMessageId(keys[1]!, "example.com")}`);
    expect(smtp.messages[1]!.data).toContain("Subject: [RESOLVED] critical");
  });
});
