import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Receiver, startReceiver } from "../alert/outbox/receiver.ts";
import { type AgentProcess, startAgentProcess } from "../support/agent-process.ts";
import { freePort, waitFor } from "../support/ports.ts";

const work = mkdtempSync(join(tmpdir(), "aiops-outbox-crash-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const SECRET = "crash-test-hmac-secret";

/**
 * An agent whose memory alert fires at once (threshold 1 %, no `for`, no grouping) and is repeated
 * every second while `repeat` is short: a steady stream of notifications to the receiver.
 */
function writeConfig(file: string, receiver: Receiver, repeat: string): void {
  writeFileSync(
    file,
    `agent:
  interval: 0.2
thresholds:
  memory: 1
  cpu: 94
  disk: 94
alert:
  for: 0
  group_wait: 0
  delivery:
    backoff_base: 100ms
    backoff_max: 500ms
  channels:
    - name: hook
      type: webhook
      url: ${receiver.url}
      secret: ${SECRET}
      timeout: 30
      repeat_interval: ${repeat}
`,
  );
}

type Delivery = { idempotencyKey: string; status: string; attempts: number };

async function deliveries(agent: AgentProcess, status?: string): Promise<Delivery[]> {
  const r = await fetch(agent.url(`/api/v1/deliveries?limit=1000${status ? `&status=${status}` : ""}`));
  return ((await r.json()) as { items: Delivery[] }).items;
}

/**
 * Runs the agent until notifications are queued and some are in the receiver's hands unanswered (or
 * refused), kills it with SIGKILL, restarts it on the same data directory with a receiver that
 * answers, and checks that every notification the first run queued arrived.
 */
async function crashAndRecover(receiver: Receiver, firstRun: () => void) {
  const dir = mkdtempSync(join(work, "run-"));
  const file = join(dir, "agent.yaml");
  const env = { AIOPS_CONFIG: file, AIOPS_DATA_DIR: join(dir, "data") };
  writeConfig(file, receiver, "1s");
  firstRun();

  const first = await startAgentProcess(env, await freePort());
  let queuedBeforeKill: Delivery[];
  try {
    queuedBeforeKill = await waitFor("notifications queued and attempted", async () => {
      const rows = await deliveries(first);
      return rows.length >= 4 && receiver.arrivals.length >= 1 ? rows : undefined;
    });
  } finally {
    first.proc.kill("SIGKILL");
    await first.proc.exited;
  }
  expect(first.proc.signalCode).toBe("SIGKILL");
  const unansweredAtKill = receiver.arrivals.map((a) => a.key);

  // The second run: the receiver answers at once, and no repeat falls due (the engine resumes).
  receiver.plan(() => ({ status: 200 }));
  receiver.up();
  writeConfig(file, receiver, "1h");
  const second = await startAgentProcess(env, await freePort());
  try {
    const all = await waitFor("every notification delivered", async () => {
      const rows = await deliveries(second);
      return rows.length > 0 && rows.every((r) => r.status === "delivered") ? rows : undefined;
    });
    const accepted = receiver.accepted();
    // Nothing the first run queued was lost, whatever state its delivery was in at the kill.
    for (const q of queuedBeforeKill) expect(`${q.idempotencyKey}: ${accepted.has(q.idempotencyKey)}`).toBe(`${q.idempotencyKey}: true`);
    for (const r of all) expect(accepted.has(r.idempotencyKey)).toBe(true);
    // Every request was signed, and what the receiver saw twice came with the same key (at least once).
    expect(receiver.arrivals.every((a) => a.signed)).toBe(true);
    for (const key of unansweredAtKill) expect(receiver.arrivals.filter((a) => a.key === key).length).toBeGreaterThanOrEqual(2);
    expect(second.lines.some((l) => l.message === "Alert state restored")).toBe(true);
    return { all, unansweredAtKill };
  } finally {
    await second.stop();
  }
}

describe("kill -9 and a restart lose no notification", () => {
  test("killed while deliveries are in flight (the receiver holds its answers)", async () => {
    const receiver = startReceiver(SECRET);
    try {
      const { unansweredAtKill } = await crashAndRecover(receiver, () => receiver.plan(() => ({ status: 200, delayMs: 60_000 })));
      // The attempt in flight at the kill was never answered: it went again after the restart.
      expect(unansweredAtKill.length).toBeGreaterThanOrEqual(1);
      expect(receiver.arrivals.filter((a) => a.answer === "closed").length).toBeGreaterThanOrEqual(1);
    } finally {
      receiver.stop();
    }
  }, 60_000);

  test("killed while the receiver is down and deliveries wait for their retry", async () => {
    const receiver = startReceiver(SECRET);
    try {
      // The receiver closes every connection unanswered: each attempt fails and is retried.
      await crashAndRecover(receiver, () => receiver.plan(() => ({ close: true })));
    } finally {
      receiver.stop();
    }
  }, 60_000);

  test("SIGTERM with a delivery hanging: the agent stops within 5 s, and the notification goes after the restart", async () => {
    const receiver = startReceiver(SECRET);
    try {
      receiver.plan(() => ({ status: 200, delayMs: 60_000 }));
      const dir = mkdtempSync(join(work, "run-"));
      const file = join(dir, "agent.yaml");
      const env = { AIOPS_CONFIG: file, AIOPS_DATA_DIR: join(dir, "data") };
      writeConfig(file, receiver, "1h");
      const first = await startAgentProcess(env, await freePort());
      await waitFor("an attempt in the receiver's hands", async () => (receiver.arrivals.length >= 1 ? true : undefined));
      const asked = performance.now();
      expect(await first.stop("SIGTERM")).toBe(0);
      expect(performance.now() - asked).toBeLessThan(5000);
      expect(first.lines.some((l) => l.message === "Stopped with deliveries in flight; they are sent again after the restart")).toBe(true);

      receiver.plan(() => ({ status: 200 }));
      const second = await startAgentProcess(env, await freePort());
      try {
        await waitFor("every notification delivered", async () => {
          const rows = await deliveries(second);
          return rows.length > 0 && rows.every((r) => r.status === "delivered") ? true : undefined;
        });
        const key = receiver.arrivals[0]!.key;
        expect(receiver.accepted().get(key)).toBe(1);
        // The cut attempt was recorded as such, then the one after the restart delivered it.
        const attempts = (await (await fetch(second.url("/api/v1/deliveries"))).json()) as { items: Array<{ idempotencyKey: string; attemptLog: Array<{ outcome: string; error: string | null }> }> };
        const log = attempts.items.find((n) => n.idempotencyKey === key)!.attemptLog;
        expect(log.map((a) => a.outcome)).toEqual(["retry", "delivered"]);
        expect(log[0]!.error).toBe("cancelled: the agent stopped during the attempt");
      } finally {
        await second.stop();
      }
    } finally {
      receiver.stop();
    }
  }, 60_000);
});
