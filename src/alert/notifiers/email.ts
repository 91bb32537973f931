import { rootCertificates } from "node:tls";
import { createTransport } from "nodemailer";
import type { Clock } from "../../clock.ts";
import type { ChannelOf } from "../../config/channels.ts";
import { formatNumber, plainText, seriesOf, titleOf, topProcessesLine } from "../notification-text.ts";
import { type Notification, type Notifier, type NotifyResult, delivered, failed } from "../notifier.ts";
import { createScrubber, secretTexts } from "../scrub.ts";

/** What the email notifier needs beyond its channel config. */
export interface EmailDeps {
  /** Extra PEM certificate authorities to trust (the channel's ca_file), beside the system's. */
  ca?: string;
  /** Times the whole attempt's time-out. */
  clock: Clock;
}

/** What a nodemailer error carries that tells a lost connection from a refused message. */
interface SmtpError extends Error {
  code?: string;
  responseCode?: number;
  response?: string;
  permanent?: boolean;
}

/**
 * Email over SMTP with nodemailer, as plain text and HTML. `starttls` refuses a server that does not
 * offer STARTTLS (no silent plaintext); `implicit` speaks TLS from the first byte. The certificate is
 * always verified, against the system roots plus `ca_file`. The Message-ID is derived from the
 * idempotency key, so a retried message is recognisable as the same one.
 */
export function createEmailNotifier(config: ChannelOf<"email">, deps: EmailDeps): Notifier {
  const { host, from } = config;
  if (host === undefined || from === undefined) throw new Error(`channel ${config.name}: host and from are required`);
  const timeoutMs = config.timeout * 1000;
  const transport = createTransport({
    host,
    port: config.port,
    secure: config.tls === "implicit",
    requireTLS: config.tls === "starttls",
    ...(config.username !== undefined ? { auth: { user: config.username, pass: config.password ?? "" } } : {}),
    tls: { rejectUnauthorized: true, ...(deps.ca ? { ca: [...rootCertificates, deps.ca] } : {}) },
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
  });
  const scrub = createScrubber(secretTexts([config.password], []));
  const domain = from.replace(/^.*@/, "").replace(/>.*$/, "");
  let closed = false;
  return {
    name: config.name,
    type: "email",
    async send(n, signal) {
      if (signal?.aborted) return failed("cancelled", true);
      const message = {
        from,
        to: config.to,
        subject: titleOf(n),
        text: plainText(n),
        html: emailHtml(n),
        messageId: emailMessageId(n.idempotencyKey, domain),
        headers: { "X-Aiops-Fingerprint": n.fingerprint, "X-Aiops-Status": n.status },
      };
      let cancelTimer = () => {};
      let onAbort: (() => void) | undefined;
      // nodemailer has no AbortSignal: the attempt races the caller's signal and a whole-attempt
      // time-out (its own time-outs are per phase).
      const stop = new Promise<NotifyResult>((resolve) => {
        cancelTimer = deps.clock.setTimer(timeoutMs, () => resolve(failed(`timed out after ${config.timeout}s`, true)));
        onAbort = () => resolve(failed("cancelled", true));
        signal?.addEventListener("abort", onAbort, { once: true });
      });
      try {
        return await Promise.race([
          transport.sendMail(message).then(
            (info) => delivered(replyCode(info.response)),
            (err: SmtpError) => classifySmtpError(err, scrub),
          ),
          stop,
        ]);
      } finally {
        cancelTimer();
        if (onAbort) signal?.removeEventListener("abort", onAbort);
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      transport.close();
    },
  };
}

/** `<key@domain>`: the same for every attempt of one notification. */
export function emailMessageId(idempotencyKey: string, domain: string): string {
  return `<${idempotencyKey.replace(/[^A-Za-z0-9._-]/g, "-")}@${domain || "aiops-agent.invalid"}>`;
}

function replyCode(response: unknown): number | undefined {
  const m = typeof response === "string" ? response.match(/^(\d{3})/) : null;
  return m ? Number(m[1]) : undefined;
}

/** TLS failures (a wrong CA, no STARTTLS) are configuration problems: retrying cannot fix them. */
const TLS_TROUBLE = /certificate|self[- ]signed|unable to verify|altname|hostname|STARTTLS|TLS/i;

/**
 * SMTP's own rule: a 4xx reply is transient, 5xx permanent (nodemailer's `permanent`); a lost
 * connection or a time-out is worth retrying; refused credentials, a bad envelope or a TLS failure
 * are not.
 */
export function classifySmtpError(err: SmtpError, scrub: (t: string) => string): NotifyResult {
  const code = err.code ?? "";
  const reply = err.responseCode;
  const text = scrub(`${code ? `${code}: ` : ""}${err.message}`);
  if (reply !== undefined) return failed(text, err.permanent === undefined ? reply < 500 : !err.permanent, reply);
  if (code === "EAUTH" || code === "ENOAUTH" || code === "EENVELOPE" || code === "EMESSAGE" || code === "ECONFIG") return failed(text, false);
  if (code === "ETLS" || code === "EREQUIRETLS" || TLS_TROUBLE.test(err.message)) return failed(`${text}; set ca_file for a private CA`, false);
  return failed(text, true);
}

/** The root-cause line under an alert's row, when it has one. */
function topRow(a: Parameters<typeof topProcessesLine>[0]): string {
  const line = topProcessesLine(a);
  return line ? `\n<tr><td></td><td colspan="4" style="padding:0 8px 6px;color:#555">Top processes: ${esc(line)}</td></tr>` : "";
}

/** The HTML part: one row per alert, coloured by state. */
export function emailHtml(n: Notification): string {
  const rows = n.alerts
    .map((a) => {
      const colour = a.status === "resolved" ? "#2eb886" : a.finding.severity === "critical" ? "#d00000" : "#daa038";
      const state = a.status === "resolved" ? "RESOLVED" : a.finding.severity.toUpperCase();
      return `<tr><td style="border-left:6px solid ${colour};padding:4px 8px"><b>${esc(state)}</b></td><td style="padding:4px 8px">${esc(a.finding.message)}</td><td style="padding:4px 8px">${esc(formatNumber(a.finding.value))} / ${esc(formatNumber(a.finding.threshold))}</td><td style="padding:4px 8px"><code>${esc(seriesOf(a))}</code></td><td style="padding:4px 8px">${esc(a.endsAt ?? a.startsAt)}</td></tr>${topRow(a)}`;
    })
    .join("\n");
  return `<!doctype html>
<html><body style="font-family:sans-serif">
<h3>${esc(titleOf(n))}</h3>
<p>Agent <b>${esc(n.agentName)}</b> (${esc(n.environment)})${n.test ? " — this is a test notification" : ""}</p>
<table style="border-collapse:collapse">
<tr><th align="left">State</th><th align="left">Alert</th><th align="left">Value / threshold</th><th align="left">Series</th><th align="left">Since</th></tr>
${rows}
</table>
</body></html>
`;
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
