import { join } from "node:path";
import { linesOf } from "../../support/lines.ts";
import { TLS_DIR, freePort } from "../sink.ts";

/** A message the real SMTP server accepted. */
export interface SmtpMessage {
  from: string;
  to: string[];
  /** Whether the session had been upgraded with STARTTLS when the message came. */
  tls: boolean;
  auth: boolean;
  /** The raw message (headers and MIME body). */
  data: string;
}

export interface RunningSmtp {
  port: number;
  messages: SmtpMessage[];
  /**
   * Waits until `count` messages have been reported. The server prints each message before it answers
   * 250, but its output reaches this process asynchronously: a 250 can arrive first.
   */
  received(count: number, timeoutMs?: number): Promise<SmtpMessage[]>;
  stop(): Promise<void>;
}

/** Starts aiosmtpd (Debian's python3-aiosmtpd under /usr/bin/python3) with STARTTLS required and one user. */
export async function startSmtp(python: string, user: string, password: string): Promise<RunningSmtp> {
  const port = freePort();
  const proc = Bun.spawn(
    [python, join(import.meta.dir, "smtp-server.py"), String(port), join(TLS_DIR, "server.pem"), join(TLS_DIR, "server.key"), user, password],
    { stdout: "pipe", stderr: "pipe" },
  );
  const messages: SmtpMessage[] = [];
  let ready!: () => void;
  const isReady = new Promise<void>((resolve) => {
    ready = resolve;
  });
  void (async () => {
    for await (const raw of linesOf(proc.stdout)) {
      const line = raw.trim();
      if (line === "READY") ready();
      else if (line.startsWith("{")) messages.push(JSON.parse(line) as SmtpMessage);
    }
  })();
  const timeout = Bun.sleep(20_000).then(() => "timeout" as const);
  const outcome = await Promise.race([isReady.then(() => "ready" as const), proc.exited.then(() => "exited" as const), timeout]);
  if (outcome !== "ready") {
    proc.kill();
    const err = await new Response(proc.stderr).text().catch(() => "");
    throw new Error(`SMTP server did not start (${outcome}):\n${err.slice(-2000)}`);
  }
  return {
    port,
    messages,
    async received(count, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (messages.length < count && Date.now() < deadline) await Bun.sleep(10);
      return messages;
    },
    async stop() {
      proc.kill();
      await proc.exited;
    },
  };
}
