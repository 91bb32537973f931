import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Sink, startSink } from "./sink.ts";

const MAIN = join(import.meta.dir, "../../src/main.ts");

/** Runs the CLI from source, as a user would, with a clean AIOPS_* environment. */
async function cli(args: string[], env: Record<string, string> = {}) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("AIOPS_")));
  const proc = Bun.spawn([process.execPath, MAIN, ...args], { env: { ...clean, ...env }, stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { code, stdout, stderr };
}

let sink: Sink;
beforeAll(() => {
  sink = startSink();
  sink.respond((req) => (req.path === "/down" ? new Response("gone", { status: 410 }) : new Response("ok")));
});
afterAll(() => sink.stop());

test("aiops-agent test-alert: one line per channel, exit 1 when one failed; --channel picks one", async () => {
  const dir = mkdtempSync(join(tmpdir(), "aiops-test-alert-"));
  const file = join(dir, "agent.yaml");
  writeFileSync(file, `agent:\n  name: host-a\nalert:\n  channels:\n    - name: gone\n      type: webhook\n      url: ${sink.url}/down\n`);
  const env = { AIOPS_WEBHOOK_URL: `${sink.url}/seed` };

  const all = await cli(["test-alert", "--config", file], env);
  expect(all.stdout).toBe("ok   webhook (webhook): delivered (HTTP 200)\nFAIL gone (webhook): failed: HTTP 410: gone\n");
  expect(all.code).toBe(1);

  const one = await cli(["test-alert", "--channel", "webhook", "--config", file], env);
  expect(one).toEqual({ code: 0, stdout: "ok   webhook (webhook): delivered (HTTP 200)\n", stderr: "" });

  const unknown = await cli(["test-alert", "--channel", "nope", "--config", file], env);
  expect(unknown.code).toBe(2);
  expect(unknown.stderr).toBe('aiops-agent: no channel named "nope"; configured: webhook, gone\n');

  const none = await cli(["test-alert"]);
  expect(none.code).toBe(1);
  expect(none.stderr).toBe("aiops-agent: no alert channels configured (set alert.webhook_url or alert.channels)\n");

  const misplaced = await cli(["check-config", "--channel", "x"]);
  expect(misplaced.code).toBe(2);
  expect(misplaced.stderr).toStartWith("aiops-agent: --channel goes with the test-alert command\n");
});
