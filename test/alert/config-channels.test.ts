import { expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { channelsOf } from "../../src/config/resolved-channels.ts";
import { createNotifiers } from "../../src/alert/create-notifiers.ts";
import { routesOf } from "../../src/alert/channel-routing.ts";
import { loadConfig } from "../../src/config/load.ts";
import { systemClock } from "../../src/clock.ts";

const EXAMPLE = readFileSync(join(import.meta.dir, "config-valid", "agent.yaml"), "utf8");

function withSecrets<T>(fn: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), "aiops-secrets-"));
  try {
    writeFileSync(join(dir, "slack-url"), "https://hooks.slack.com/services/T1/B1/slack-file-secret\n");
    writeFileSync(join(dir, "pd-routing-key"), "pd-key-from-file-0123456789\n");
    writeFileSync(join(dir, "snow-password"), "snow-pass-from-file\n");
    writeFileSync(join(dir, "smtp-password"), "smtp-pass-from-file\n");
    writeFileSync(join(dir, "hmac"), "hmac-from-file-abcdef\n");
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("the documented example loads; *_file secrets are read and join the redaction list", () => {
  withSecrets((dir) => {
    const text = EXAMPLE.replaceAll("SECRETS", dir);
    const loaded = loadConfig({ env: {}, file: "agent.yaml", readFile: (p) => (p === "agent.yaml" ? text : readFileSync(p, "utf8")) });
    const channels = channelsOf(loaded.config);
    expect(channels.map((c) => `${c.name}:${c.type}`)).toEqual([
      "webhook:webhook",
      "ops-slack:slack",
      "pager:pagerduty",
      "am:alertmanager",
      "cmdb:servicenow",
      "mail:email",
      "audit:webhook",
    ]);
    const pager = channels[2]!;
    expect(pager.type === "pagerduty" && pager.routing_key).toBe("pd-key-from-file-0123456789");
    for (const s of [
      "https://hooks.example.com/aiops/T0KEN-seed-123",
      "https://hooks.slack.com/services/T1/B1/slack-file-secret",
      "pd-key-from-file-0123456789",
      "snow-pass-from-file",
      "smtp-pass-from-file",
      "hmac-from-file-abcdef",
      "web",
    ]) {
      expect(loaded.secrets).toContain(s);
    }
    expect(loaded.config.alert.for).toBe(60);
    expect(loaded.config.alert.silences[0]!.starts_at).toBe(Date.parse("2026-01-10T22:00:00Z"));
    expect(routesOf(loaded.config).map((r) => [r.channel, r.severities, r.types, r.sendResolved, r.repeatIntervalMs])).toEqual([
      ["webhook", ["warning", "critical"], [], true, 4 * 3600_000],
      ["ops-slack", ["warning", "critical"], [], true, 4 * 3600_000],
      ["pager", ["critical"], [], true, 4 * 3600_000],
      ["am", ["warning", "critical"], [], true, 60_000],
      ["cmdb", ["warning", "critical"], ["disk_full", "disk_full_forecast"], true, 4 * 3600_000],
      ["mail", ["warning", "critical"], [], true, 4 * 3600_000],
      ["audit", ["warning", "critical"], [], false, 4 * 3600_000],
    ]);
    // The email channel's ca_file does not exist here: creating the notifiers says which key.
    expect(() => createNotifiers(loaded.config, { clock: systemClock })).toThrow("alert.channels[4].ca_file: cannot read /etc/ssl/private-ca.pem (ENOENT)");
  });
});

test("AIOPS_WEBHOOK_URL (and _FILE) still make the seed's webhook channel", async () => {
  const fromEnv = loadConfig({ env: { AIOPS_WEBHOOK_URL: "https://hooks.example.com/env-token-123" } });
  expect(channelsOf(fromEnv.config)).toEqual([
    {
      type: "webhook",
      name: "webhook",
      url: "https://hooks.example.com/env-token-123",
      severities: ["warning", "critical"],
      types: [],
      send_resolved: true,
      timeout: 10,
      headers: {},
    },
  ]);
  const notifiers = createNotifiers(fromEnv.config, { clock: systemClock });
  expect([...notifiers.values()].map((n) => [n.name, n.type])).toEqual([["webhook", "webhook"]]);
  await notifiers.get("webhook")!.close();

  withSecrets((dir) => {
    const fromFile = loadConfig({ env: { AIOPS_WEBHOOK_URL_FILE: join(dir, "slack-url") } });
    expect(channelsOf(fromFile.config)[0]).toMatchObject({ name: "webhook", url: "https://hooks.slack.com/services/T1/B1/slack-file-secret" });
  });
  expect(channelsOf(loadConfig({ env: {} }).config)).toEqual([]);
});
