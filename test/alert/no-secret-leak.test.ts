import { afterAll, beforeAll, expect, test } from "bun:test";
import { createNotifiers } from "../../src/alert/create-notifiers.ts";
import { channelsOf } from "../../src/config/resolved-channels.ts";
import { secretValues } from "../../src/config/settings.ts";
import { configSchema } from "../../src/config/schema.ts";
import { configFor, notification } from "./fixtures.ts";
import { type Sink, freePort, startSink } from "./sink.ts";
import { systemClock } from "../../src/clock.ts";

// A peer that echoes everything it got (path, headers, body) in a refusal, the worst case for a leak.
let echo: Sink;
beforeAll(() => {
  echo = startSink();
  echo.respond((req, n) =>
    n % 2 === 1
      ? new Response(`rejected ${req.path} ${JSON.stringify(req.headers)} ${req.body}`, { status: 400 })
      : new Response(`busy ${req.path} ${JSON.stringify(req.headers)} ${req.body}`, { status: 503 }),
  );
});
afterAll(() => echo.stop());

const SECRETS = {
  webhookPath: "/hooks/whsec-path-token-0123456789",
  hmac: "hmac-secret-abcdefghijkl",
  header: "Bearer header-token-zyxwvu",
  seedPath: "/seed/seed-webhook-token-987654",
  slackPath: "/services/T0001/B0001/slacksecret0123456789",
  routingKey: "pd-routing-key-0123456789abcdef",
  snowPassword: "servicenow-password-13579",
  snowToken: "servicenow-token-24680abc",
  smtpPassword: "smtp-password-112233",
};

function configs(base: string) {
  return configFor({
    webhook_url: `${base}${SECRETS.seedPath}?sig=seed-query-secret-42`,
    channels: [
      { name: "hook", type: "webhook", url: `${base}${SECRETS.webhookPath}`, secret: SECRETS.hmac, headers: { Authorization: SECRETS.header } },
      { name: "slack", type: "slack", url: `${base}${SECRETS.slackPath}` },
      { name: "pd", type: "pagerduty", routing_key: SECRETS.routingKey, events_url: `${base}/v2/enqueue` },
      { name: "am", type: "alertmanager", urls: [base] },
      { name: "snow-basic", type: "servicenow", url: base, username: "aiops", password: SECRETS.snowPassword },
      { name: "snow-token", type: "servicenow", url: base, token: SECRETS.snowToken },
      {
        name: "mail",
        type: "email",
        host: "127.0.0.1",
        port: Number(new URL(base).port),
        from: "a@example.com",
        to: ["b@example.com"],
        username: "u",
        password: SECRETS.smtpPassword,
        timeout: 0.5,
      },
    ],
  });
}

function assertNoSecret(text: string, secrets: readonly string[]): void {
  for (const s of secrets) expect(text).not.toContain(s);
  for (const s of Object.values(SECRETS)) expect(text).not.toContain(s);
  expect(text).not.toContain(Buffer.from(`aiops:${SECRETS.snowPassword}`).toString("base64"));
}

test("no notifier puts a secret in its error text: refusals that echo the request, busy peers, dead peers", async () => {
  for (const base of [echo.url, `http://127.0.0.1:${freePort()}`]) {
    const config = configs(base);
    const secrets = secretValues(configSchema(), config);
    expect(secrets.length).toBeGreaterThanOrEqual(8);
    const notifiers = createNotifiers(config, { clock: systemClock });
    expect([...notifiers.keys()]).toEqual(channelsOf(config).map((c) => c.name));
    // Two rounds: the echoing peer refuses (400) then is busy (503), and a dead peer refuses twice.
    for (const round of [1, 2]) {
      for (const [name, n] of notifiers) {
        const r = await n.send(notification({ channel: name }));
        expect(r.delivered).toBe(false);
        if (!r.delivered) {
          expect(r.error.length).toBeGreaterThan(0);
          assertNoSecret(r.error, secrets);
        }
        void round;
      }
    }
    await Promise.all([...notifiers.values()].map((n) => n.close()));
  }
  // The echoing peer did see the secrets: the test would catch a leak.
  expect(echo.received.some((r) => r.body.includes(SECRETS.routingKey))).toBe(true);
  expect(echo.received.some((r) => r.path.startsWith(SECRETS.slackPath))).toBe(true);
});

test("a peer that echoes any configured secret in any form (bare, URL-encoded, base64, another channel's) gets it struck", async () => {
  const amPassword = "am-p@ss/word+42";
  const apiToken = "api-token-0123456789abcdef";
  const forms = (s: string) => [s, encodeURIComponent(s), encodeURIComponent(s).toLowerCase(), Buffer.from(s).toString("base64")];
  const peer = startSink();
  peer.respond((req) => {
    // What a careless receiver does: quote back the request's credentials, and secrets it learnt elsewhere.
    const echoed = [
      req.headers.authorization ?? "",
      ...forms(amPassword),
      Buffer.from(`ops:${amPassword}`).toString("base64"),
      ...forms(apiToken),
      ...forms(SECRETS.routingKey),
      SECRETS.header.replace(/^Bearer /, ""),
    ];
    return new Response(`denied: ${echoed.join(" | ")}`, { status: 403 });
  });
  try {
    const base = new URL(peer.url);
    const config = configFor({
      channels: [
        { name: "am", type: "alertmanager", urls: [`http://ops:${encodeURIComponent(amPassword)}@${base.host}`] },
        { name: "hook", type: "webhook", url: `${peer.url}/hook`, headers: { Authorization: SECRETS.header } },
        { name: "pd", type: "pagerduty", routing_key: SECRETS.routingKey, events_url: `${peer.url}/v2/enqueue` },
      ],
    });
    config.server.api_token = apiToken;
    const notifiers = createNotifiers(config, { clock: systemClock });
    for (const [name, n] of notifiers) {
      const r = await n.send(notification({ channel: name }));
      expect(r.delivered).toBe(false);
      if (r.delivered) continue;
      expect(r.error).toStartWith("HTTP 403: denied: ");
      for (const secret of [amPassword, apiToken, SECRETS.routingKey, SECRETS.header.replace(/^Bearer /, "")]) {
        for (const form of forms(secret)) expect(`${name}: ${r.error}`).not.toContain(form);
      }
      expect(r.error).not.toContain(Buffer.from(`ops:${amPassword}`).toString("base64"));
    }
    await Promise.all([...notifiers.values()].map((n) => n.close()));
    // The credentials of the Alertmanager URL went as basic authentication, not in the request line.
    const am = peer.received.find((r) => r.path === "/api/v2/alerts")!;
    expect(am.headers.authorization).toBe(`Basic ${Buffer.from(`ops:${amPassword}`).toString("base64")}`);
  } finally {
    await peer.stop();
  }
});
