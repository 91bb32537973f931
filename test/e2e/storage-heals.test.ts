import { Database } from "bun:sqlite";
import { afterAll, describe, expect, test } from "bun:test";
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, rmSync, statSync, truncateSync, unlinkSync, writeFileSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Receiver, startReceiver } from "../alert/outbox/receiver.ts";
import { type AgentProcess, startAgentProcess } from "../support/agent-process.ts";
import { freePort, waitFor } from "../support/ports.ts";

/**
 * Storage that fails under a running agent, with notifications queued for a receiver that is down:
 * a tmpfs that fills and frees, a read-only directory at start, a truncated database, a database
 * deleted while running. Each time every queued notification arrives, under the key it was queued with.
 * Needs root (mount); without it the tests skip loudly, and fail under CI=true.
 */
const work = mkdtempSync(join(tmpdir(), "aiops-storage-"));
const mounts: string[] = [];
afterAll(() => {
  for (const m of mounts) Bun.spawnSync(["umount", "-l", m]);
  rmSync(work, { recursive: true, force: true });
});

const SECRET = "storage-test-hmac-secret";
const canMount = (() => {
  const probe = mkdtempSync(join(work, "probe-"));
  const ok = Bun.spawnSync(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", probe]).exitCode === 0;
  if (ok) Bun.spawnSync(["umount", probe]);
  return ok;
})();
if (!canMount) {
  const message = "cannot mount a tmpfs here (needs root): the storage tests cannot run";
  if (process.env.CI === "true") test("tmpfs can be mounted", () => void expect(message).toBe(""));
  else console.warn(`\n*** SKIPPING: ${message} ***\n`);
}

function tmpfs(size: string): string {
  const dir = mkdtempSync(join(work, "fs-"));
  const r = Bun.spawnSync(["mount", "-t", "tmpfs", "-o", `size=${size}`, "tmpfs", dir]);
  if (r.exitCode !== 0) throw new Error(`mount: ${r.stderr.toString()}`);
  mounts.push(dir);
  return dir;
}

function remount(dir: string, mode: "ro" | "rw"): void {
  const r = Bun.spawnSync(["mount", "-o", `remount,${mode}`, dir]);
  if (r.exitCode !== 0) throw new Error(`remount ${mode}: ${r.stderr.toString()}`);
}

/** A memory alert that fires at once and is repeated every second: a steady stream of notifications. */
function config(dir: string, receiver: Receiver): Record<string, string> {
  const file = join(dir, "agent.yaml");
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
      repeat_interval: 1s
`,
  );
  return { AIOPS_CONFIG: file };
}

type Delivery = { idempotencyKey: string; status: string };

async function deliveries(agent: AgentProcess): Promise<Delivery[]> {
  return ((await (await fetch(agent.url("/api/v1/deliveries?limit=1000"))).json()) as { items: Delivery[] }).items;
}

async function storeCheck(agent: AgentProcess): Promise<string> {
  return ((await (await fetch(agent.url("/readyz?verbose"))).json()) as { checks: { store: string } }).checks.store;
}

/** Waits until at least `n` notifications are queued, and returns their keys. */
async function queued(agent: AgentProcess, n: number): Promise<Set<string>> {
  const rows = await waitFor(`${n} notifications queued`, async () => {
    const r = await deliveries(agent);
    return r.length >= n ? r : undefined;
  });
  return new Set(rows.map((r) => r.idempotencyKey));
}

/** Brings the receiver up and waits until every one of `keys` arrived, and nothing is left pending. */
async function allDelivered(agent: AgentProcess, receiver: Receiver, keys: Set<string>): Promise<void> {
  receiver.up();
  await waitFor("every queued notification delivered", async () => {
    const rows = await deliveries(agent);
    const accepted = receiver.accepted();
    return [...keys].every((k) => accepted.has(k)) && rows.every((r) => r.status === "delivered") ? true : undefined;
  }, 60_000);
  const accepted = receiver.accepted();
  for (const key of keys) expect(`${key}: ${accepted.has(key)}`).toBe(`${key}: true`);
}

/** Notification rows of the database file, by key and status. */
function fileQueue(path: string): Map<string, string> {
  const db = new Database(path, { readonly: true });
  try {
    return new Map(db.query<{ k: string; s: string }, []>("SELECT idempotency_key AS k, status AS s FROM notifications").all().map((r) => [r.k, r.s]));
  } finally {
    db.close();
  }
}

/** Fills a filesystem to the last byte. */
function fill(dir: string): string {
  const file = join(dir, "filler");
  const fd = openSync(file, "w");
  const chunk = Buffer.alloc(256 * 1024, 1);
  try {
    for (;;) writeSync(fd, chunk);
  } catch {
    // ENOSPC: full
  } finally {
    closeSync(fd);
  }
  return file;
}

describe.if(canMount)("storage that heals, with notifications queued and the receiver down", () => {
  test("a tmpfs that fills and frees: degraded to memory (readyz says why), back on the file once space returns, the queue carried over", async () => {
    const fs = tmpfs("24m");
    const receiver = startReceiver(SECRET, { down: true });
    const agent = await startAgentProcess({ ...config(fs, receiver), AIOPS_DATA_DIR: join(fs, "data") }, await freePort());
    try {
      await queued(agent, 3);
      const filler = fill(fs);
      expect(await waitFor("the store degraded", async () => ((await storeCheck(agent)).startsWith("degraded:") ? await storeCheck(agent) : undefined))).toMatch(
        /^degraded: disk_full: [a-z ]+ failed \(SQLITE_FULL: database or disk is full\)/,
      );
      // Still ready for traffic, and the queue grows in memory.
      expect((await fetch(agent.url("/readyz"))).status).toBe(200);
      const before = (await deliveries(agent)).length;
      await queued(agent, before + 2);
      unlinkSync(filler);
      await waitFor("the store back on its file", async () => ((await storeCheck(agent)) === "ok" ? true : undefined), 40_000);
      const keys = new Set((await deliveries(agent)).map((d) => d.idempotencyKey));
      // The file holds every notification queued while it was full.
      const inFile = fileQueue(join(fs, "data", "aiops-agent.db"));
      for (const key of keys) expect(inFile.has(key)).toBe(true);
      await allDelivered(agent, receiver, keys);
    } finally {
      await agent.stop();
      receiver.stop();
    }
  }, 120_000);

  test("a read-only directory at start: the file's queue is read and delivered under its keys; writable again, the file takes the outcome", async () => {
    const fs = tmpfs("24m");
    const receiver = startReceiver(SECRET, { down: true });
    const env = { ...config(fs, receiver), AIOPS_DATA_DIR: join(fs, "data") };
    const first = await startAgentProcess(env, await freePort());
    let keys: Set<string>;
    try {
      keys = await queued(first, 3);
    } finally {
      await first.stop();
    }
    keys = new Set(fileQueue(join(fs, "data", "aiops-agent.db")).keys());
    remount(fs, "ro");
    const second = await startAgentProcess(env, await freePort());
    try {
      expect(await storeCheck(second)).toMatch(/^degraded: read_only: cannot write .*SQLITE_READONLY/);
      await allDelivered(second, receiver, keys);
      remount(fs, "rw");
      await waitFor("the store back on its file", async () => ((await storeCheck(second)) === "ok" ? true : undefined), 40_000);
    } finally {
      await second.stop();
      receiver.stop();
    }
    const inFile = fileQueue(join(fs, "data", "aiops-agent.db"));
    for (const key of keys) expect(`${key}: ${inFile.get(key)}`).toBe(`${key}: delivered`);
  }, 120_000);

  test("a truncated database: moved aside, its readable rows carried into a fresh file, its queue delivered under its keys", async () => {
    const dir = mkdtempSync(join(work, "trunc-"));
    const receiver = startReceiver(SECRET, { down: true });
    const env = { ...config(dir, receiver), AIOPS_DATA_DIR: join(dir, "data") };
    const first = await startAgentProcess(env, await freePort());
    try {
      await queued(first, 3);
    } finally {
      await first.stop();
    }
    const path = join(dir, "data", "aiops-agent.db");
    const keys = new Set(fileQueue(path).keys());
    // Cut the file at a page boundary, losing its last pages (a copy that stopped short, a full disk).
    const size = statSync(path).size;
    truncateSync(path, Math.floor((size * 0.9) / 4096) * 4096);
    const second = await startAgentProcess(env, await freePort());
    try {
      expect(second.lines.some((l) => typeof l.notice === "string" && l.notice.startsWith("carried over from"))).toBe(true);
      await allDelivered(second, receiver, keys);
    } finally {
      await second.stop();
      receiver.stop();
    }
  }, 120_000);

  test("a database deleted under the running agent is noticed and recreated with the queue; after a restart all of it arrives", async () => {
    const dir = mkdtempSync(join(work, "deleted-"));
    mkdirSync(join(dir, "data"));
    const receiver = startReceiver(SECRET, { down: true });
    const env = { ...config(dir, receiver), AIOPS_DATA_DIR: join(dir, "data") };
    const first = await startAgentProcess(env, await freePort());
    let keys: Set<string>;
    try {
      await queued(first, 3);
      for (const suffix of ["", "-wal", "-shm"]) {
        const file = join(dir, "data", `aiops-agent.db${suffix}`);
        if (existsSync(file)) unlinkSync(file);
      }
      await waitFor("the deleted file noticed", async () => first.lines.find((l) => typeof l.notice === "string" && l.notice.includes("was deleted while the agent ran")));
      const before = (await deliveries(first)).length;
      keys = await queued(first, before + 1);
    } finally {
      await first.stop();
    }
    expect(existsSync(join(dir, "data", "aiops-agent.db"))).toBe(true);
    const second = await startAgentProcess(env, await freePort());
    try {
      await allDelivered(second, receiver, keys);
    } finally {
      await second.stop();
      receiver.stop();
    }
  }, 120_000);
});
