import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createEmailNotifier, emailMessageId } from "../../../src/alert/notifiers/email.ts";
import { ManualClock, systemClock } from "../../../src/clock.ts";
import { findPeer } from "../../support/peers.ts";
import { channel, finding, notification } from "../fixtures.ts";
import { type RunningSmtp, startSmtp } from "../peers/smtp.ts";
import { TEST_CA, freePort } from "../sink.ts";

// Debian's python3-aiosmtpd installs here, for Debian's /usr/bin/python3 (not a pyenv or venv python).
const aiosmtpd = findPeer("python3-aiosmtpd", ["/usr/lib/python3/dist-packages/aiosmtpd"]);
const PASSWORD = "smtp-pa55word-xyz";

describe.skipIf(!aiosmtpd)("email notifier against a real SMTP server with STARTTLS", () => {
  let smtp: RunningSmtp;
  beforeAll(async () => {
    smtp = await startSmtp("/usr/bin/python3", "alerts", PASSWORD);
  });
  afterAll(() => smtp.stop());

  const config = (over: Record<string, unknown> = {}) =>
    channel({
      type: "email",
      host: "127.0.0.1",
      port: smtp.port,
      from: "aiops <alerts@example.com>",
      to: ["ops@example.com", "oncall@example.com"],
      username: "alerts",
      password: PASSWORD,
      timeout: 10,
      ...over,
    });

  test("delivers plain text and HTML over STARTTLS, trusting the test CA explicitly", async () => {
    const n = createEmailNotifier(config(), { ca: TEST_CA, clock: systemClock });
    const r = await n.send(notification({ finding: finding({ severity: "critical", value: 97.5, message: "High CPU usage: 97.50%" }) }));
    await n.close();
    expect(r).toEqual({ delivered: true, status: 250 });
    expect(await smtp.received(1)).toHaveLength(1);
    const m = smtp.messages[0]!;
    expect(m.tls).toBe(true);
    expect(m.auth).toBe(true);
    expect(m.from).toBe("alerts@example.com");
    expect(m.to).toEqual(["ops@example.com", "oncall@example.com"]);
    expect(m.data).toContain(`Message-ID: ${emailMessageId("key-0001", "example.com")}`);
    expect(m.data).toContain("Subject: [FIRING] critical: High CPU usage: 97.50% on host-a");
    expect(m.data).toContain("Content-Type: text/plain");
    expect(m.data).toContain("Content-Type: text/html");
    expect(m.data).toContain("value 97.5, threshold 80");
  });

  test("without the CA the server's certificate is refused, for good", async () => {
    const before = smtp.messages.length;
    const n = createEmailNotifier(config(), { clock: systemClock });
    const r = await n.send(notification());
    await n.close();
    expect(r.delivered).toBe(false);
    if (!r.delivered) {
      expect(r.retryable).toBe(false);
      expect(r.error).toContain("certificate");
      expect(r.error).toEndWith("; set ca_file for a private CA");
    }
    expect(smtp.messages.length).toBe(before);
  });

  test("a wrong password is final and the error does not hold it", async () => {
    const n = createEmailNotifier(config({ password: "wrong-password-123" }), { ca: TEST_CA, clock: systemClock });
    const r = await n.send(notification());
    await n.close();
    expect(r).toMatchObject({ delivered: false, retryable: false, status: 535 });
    if (!r.delivered) expect(r.error).not.toContain("wrong-password-123");
  });

  test("nobody listening is retryable", async () => {
    const n = createEmailNotifier(config({ port: freePort() }), { ca: TEST_CA, clock: systemClock });
    const r = await n.send(notification());
    await n.close();
    expect(r).toMatchObject({ delivered: false, retryable: true });
  });

  test("a server that never greets is a retryable time-out once the channel's timeout has passed", async () => {
    const silent = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    const clock = new ManualClock();
    const n = createEmailNotifier(config({ port: silent.port }), { ca: TEST_CA, clock });
    let result: unknown;
    const sending = n.send(notification()).then((r) => (result = r));
    await clock.advance(9_999);
    expect(result).toBeUndefined();
    await clock.advance(1);
    expect(await sending).toEqual({ delivered: false, retryable: true, error: "timed out after 10s" });
    await n.close();
    silent.stop(true);
  });
});
