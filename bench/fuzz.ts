/**
 * `npm run bench:fuzz`: malformed and hostile requests against the compiled agent on loopback, over raw
 * TCP so that nothing is cleaned up by a client library: random bytes, mutated requests, broken request
 * lines and headers, bad lengths and chunking, bad percent-encoding, huge heads and bodies, unknown
 * methods, HTTP/1.0 without Host, hostile silences (catastrophic regexes, absurd times, oversized),
 * tokens wrong or missing, half-open connections. Checks: no crash, no 5xx, every 4xx a JSON error,
 * /healthz answering throughout, and the agent's RSS back within 10 % of where it started.
 * Bounded: REQUESTS requests (default 24,000) at CONCURRENCY at once, and a deadline.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect } from "node:net";
import { buildBinary, deployedEnvironment, processRssBytes, startAgent } from "./support/process-stats.ts";

const REQUESTS = Number(process.env.REQUESTS ?? 24_000);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 32);
const DEADLINE_S = Number(process.env.DEADLINE ?? 600);
const SEED = Number(process.env.SEED ?? 20261204);
const TOKEN = "fuzz-write-token-0123456789abcdef";
const port = 18000 + Math.floor(Math.random() * 1000);
const data = mkdtempSync(join(tmpdir(), "aiops-bench-fuzz-"));

/** A small seeded generator (mulberry32): the same run each time for the same SEED. */
let state = SEED >>> 0;
function random(): number {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
const int = (n: number) => Math.floor(random() * n);

const PATHS = [
  "/metrics",
  "/healthz",
  "/readyz?verbose",
  "/api/v1/snapshot",
  "/api/v1/config",
  "/api/v1/alerts",
  "/api/v1/alerts/active",
  "/api/v1/deliveries",
  "/api/v1/silences",
  "/api/v1/silences/api-1",
  "/api/v1/series?metric=aiops_cpu_usage_percent",
  "/api/v1/anomalies",
  "/api/v1/openapi.json",
  "/nope",
];
const AUTH = [`Authorization: Bearer ${TOKEN}\r\n`, "Authorization: Bearer wrong-token-000000000000\r\n", "Authorization: Basic Zm9vOmJhcg==\r\n", ""];

function request(method: string, path: string, headers: string, body = ""): Buffer {
  const length = body ? `Content-Length: ${Buffer.byteLength(body)}\r\n` : "";
  return Buffer.from(`${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${headers}${length}Connection: close\r\n\r\n${body}`, "latin1");
}

const HOSTILE_MATCHERS = [
  "metric!~(\\w|\\w|\\w)*!",
  "alertname=~(a+)+$",
  "a=~(x+x+)+y",
  "a=~(?<=x)b",
  "a=~(x)\\1",
  `a=~${"(b|c)".repeat(200)}`,
  `a=${"x".repeat(5000)}`,
  "not a matcher",
  "alertname=~.+",
];

/** One hostile silence body. */
function silenceBody(): string {
  const choice = int(8);
  const matchers = Array.from({ length: choice === 0 ? 40 : 1 + int(3) }, () => pick(HOSTILE_MATCHERS));
  const ends = pick(["99999999999999", "2030-01-01T00:00:00Z", "-1", "1e400", "soon", "253402300800", String(Math.floor(Date.now() / 1000) + 3600)]);
  const body: Record<string, unknown> = { matchers, ends_at: ends };
  if (choice === 1) body.created_by = "someone-else";
  if (choice === 2) body.comment = "x".repeat(70_000);
  if (choice === 3) return "[".repeat(20_000) + "]".repeat(20_000);
  if (choice === 4) return "{ not json";
  return JSON.stringify(body);
}

/** The kinds of hostile input, each a function making one request's bytes. */
const KINDS: Record<string, () => Buffer> = {
  "random bytes": () => Buffer.concat([Buffer.from(Array.from({ length: 1 + int(400) }, () => int(256))), Buffer.from("\r\n\r\n")]),
  "mutated request": () => {
    const bytes = request(pick(["GET", "POST", "DELETE"]), pick(PATHS), pick(AUTH));
    for (let i = 0, n = 1 + int(6); i < n; i++) bytes[int(bytes.length - 4)] = int(256);
    return bytes;
  },
  "bad request line": () =>
    Buffer.from(
      pick([
        "garbage\r\n\r\n",
        `FOO ${pick(PATHS)} HTTP/1.1\r\nHost: x\r\n\r\n`,
        `get ${pick(PATHS)} HTTP/1.1\r\nHost: x\r\n\r\n`,
        `PROPFIND ${pick(PATHS)} HTTP/1.1\r\nHost: x\r\n\r\n`,
        "CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: x\r\n\r\n",
        "TRACE / HTTP/1.1\r\nHost: x\r\n\r\n",
        `GET ${pick(PATHS)} HTTP/9.9\r\nHost: x\r\n\r\n`,
        "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
        "GET * HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET metrics HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET /met rics HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET /x\u0000y HTTP/1.1\r\nHost: x\r\n\r\n",
        `GET /${"\u00ff".repeat(10)} HTTP/1.1\r\nHost: x\r\n\r\n`,
        `GET ${pick(PATHS)}\r\n\r\n`,
        `GET ${pick(PATHS)} HTTP/1.0\r\n\r\n`,
        `GET ${pick(PATHS)} HTTP/1.1\r\n\r\n`,
        `GET ${pick(PATHS)} HTTP/1.1\nHost: x\n\n`,
        `GET http://evil.example${pick(PATHS)} HTTP/1.1\r\nHost: x\r\n\r\n`,
      ]),
      "latin1",
    ),
  "bad headers": () =>
    Buffer.from(
      pick([
        "GET /metrics HTTP/1.1\r\nHost: x\r\nNo-Colon-Here\r\n\r\n",
        "GET /metrics HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n folded\r\n\r\n",
        "GET /metrics HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n",
        "GET /metrics HTTP/1.1\r\nHost: a b\r\n\r\n",
        "GET /metrics HTTP/1.1\r\nHost: \u00ff\r\n\r\n",
        `GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(20_000)}\r\n\r\n`,
        `GET /metrics HTTP/1.1\r\nHost: x\r\n${Array.from({ length: 150 }, (_, i) => `X-${i}: ${i}\r\n`).join("")}\r\n`,
        "GET /metrics HTTP/1.1\r\nHost: x\r\nX-Ctl: a\u0001b\r\n\r\n",
        `GET /api/v1/alerts HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${"t".repeat(5000)}\r\n\r\n`,
      ]),
      "latin1",
    ),
  "bad body framing": () =>
    Buffer.from(
      pick([
        "POST /api/v1/silences HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
        "POST /api/v1/silences HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
        "POST /api/v1/silences HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nabcdef",
        "POST /api/v1/silences HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999\r\n\r\n",
        "POST /api/v1/silences HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n",
        "POST /api/v1/silences HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n",
        "POST /api/v1/silences HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n",
        "POST /api/v1/silences HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcdef\r\n0\r\n\r\n",
        "POST /api/v1/silences HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nfffffff\r\n",
        "POST /api/v1/silences HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
      ]),
      "latin1",
    ),
  "bad percent-encoding and long URLs": () =>
    request(
      pick(["GET", "DELETE"]),
      pick(["/api/v1/silences/%zz", "/api/v1/silences/%", "/api/v1/silences/%E0%A4%A", `/api/v1/alerts?fingerprint=%${"zz".repeat(3)}`, `/${"a".repeat(9000)}`, `/api/v1/alerts?${"x=1&".repeat(2500)}`]),
      pick(AUTH),
    ),
  "bad query parameters": () =>
    request(
      "GET",
      pick([
        "/api/v1/alerts?limit=-1",
        "/api/v1/alerts?limit=99999999999999999999",
        "/api/v1/alerts?cursor=%00%01",
        "/api/v1/alerts?from=99999999999999&to=-5",
        "/api/v1/alerts?state=x&state=y",
        "/api/v1/events?types=nope",
        "/api/v1/series?metric=aiops_cpu_usage_percent&from=1e400",
        "/api/v1/series?metric=a&metric=b",
        "/api/v1/deliveries?status=lost",
        "/api/v1/anomalies?severity=%FF",
        "/readyz?verbose&verbose=1",
      ]),
      pick(AUTH),
    ),
  "hostile silences": () =>
    request(
      "POST",
      "/api/v1/silences",
      `${pick(AUTH)}Content-Type: ${pick(["application/json", "application/json", "text/plain", "application/x-www-form-urlencoded"])}\r\n`,
      silenceBody(),
    ),
  "wrong method or token": () => request(pick(["PUT", "PATCH", "DELETE", "POST", "OPTIONS", "HEAD", "GET"]), pick(PATHS), pick(AUTH)),
};
/** Well-formed reads, for a control run (ONLY="valid reads"): what memory does under ordinary traffic. */
const CONTROL: Record<string, () => Buffer> = {
  "valid reads": () => request("GET", pick(PATHS.slice(0, 13)), AUTH[0]!),
};

interface Outcome {
  kind: string;
  /** Status of the final answer; 0 when the connection closed or timed out without one. */
  status: number;
  json: boolean;
}

/** Sends one request on its own connection and reads the answer (or its absence). */
function send(kind: string, bytes: Buffer): Promise<Outcome> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    let got = Buffer.alloc(0);
    let settled = false;
    const finish = () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(judge(kind, got, bytes.subarray(0, 5).toString("latin1") === "HEAD "));
    };
    const timer = setTimeout(finish, 2500);
    socket.on("connect", () => socket.write(bytes));
    socket.on("data", (chunk: Buffer) => {
      got = Buffer.concat([got, chunk]);
      const parsed = complete(got);
      if (parsed) finish();
    });
    socket.on("error", finish);
    socket.on("close", finish);
  });
}

/** True once `bytes` hold a whole final answer (after any 100 Continue). */
function complete(bytes: Buffer): boolean {
  const text = bytes.toString("latin1").replace(/^HTTP\/1\.1 100 Continue\r\n\r\n/, "");
  const end = text.indexOf("\r\n\r\n");
  if (end < 0) return false;
  const length = /\r\ncontent-length: (\d+)/i.exec(text.slice(0, end))?.[1];
  if (length === undefined) return /\r\ntransfer-encoding: chunked/i.test(text.slice(0, end)) ? text.endsWith("0\r\n\r\n") : false;
  return text.length - end - 4 >= Number(length);
}

function judge(kind: string, bytes: Buffer, head: boolean): Outcome {
  const text = bytes.toString("utf8").replace(/^HTTP\/1\.1 100 Continue\r\n\r\n/, "");
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1] ?? 0);
  const end = text.indexOf("\r\n\r\n");
  let json = false;
  if (end >= 0 && /\r\ncontent-type: application\/json/i.test(text.slice(0, end))) {
    // An answer to HEAD has the headers of the JSON error and, by definition, no body.
    if (head) return { kind, status, json: true };
    try {
      const body = JSON.parse(text.slice(end + 4)) as { error?: { code?: string; message?: string } };
      json = status < 400 || (typeof body.error?.code === "string" && typeof body.error.message === "string");
    } catch {
      json = false;
    }
  }
  return { kind, status, json };
}

const agentConfig = join(data, "agent.yaml");
writeFileSync(agentConfig, `server:\n  tokens:\n    - name: fuzz\n      token: ${TOKEN}\n      scope: write\n`);
// As deployed (deploy/ turns the JIT tiers off, see deployedEnvironment); AS_BUILT=1 runs the bare binary.
const deployed = deployedEnvironment().env;
const agent = await startAgent({ ...deployed, AIOPS_INTERVAL: "1", AIOPS_DATA_DIR: join(data, "data"), AIOPS_CONFIG: agentConfig }, port, buildBinary(data));

const ONLY = process.env.ONLY;
const kinds = ONLY ? ONLY.split(",") : Object.keys(KINDS);
const makers: Record<string, () => Buffer> = { ...KINDS, ...CONTROL };
const outcomes: Outcome[] = [];
let next = 0;
let limit = 0;
let started = performance.now();
async function worker(): Promise<void> {
  while (next < limit && (performance.now() - started) / 1000 < DEADLINE_S) {
    next++;
    const kind = pick(kinds);
    outcomes.push(await send(kind, makers[kind]!()));
  }
}

// Warm-up: WARMUP requests of the same mix (default 6,000), then WARMUP_WAIT seconds, so "before" is
// the agent's memory once its code paths are compiled and its caches filled, not its first seconds.
const WARMUP = Number(process.env.WARMUP ?? 6000);
limit = WARMUP;
await Promise.all(Array.from({ length: CONCURRENCY }, worker));
const warmupOutcomes = outcomes.splice(0);
await Bun.sleep(Number(process.env.WARMUP_WAIT ?? 20) * 1000);
const rssBefore = processRssBytes(agent.pid);
let rssPeak = rssBefore;

// /healthz every 250 ms on its own, throughout.
const health = { asked: 0, failed: 0, slowestMs: 0 };
let fuzzing = true;
const healthLoop = (async () => {
  while (fuzzing) {
    const started = performance.now();
    health.asked++;
    try {
      const r = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(5000) });
      if (r.status !== 200) health.failed++;
      await r.arrayBuffer();
    } catch {
      health.failed++;
    }
    health.slowestMs = Math.max(health.slowestMs, performance.now() - started);
    rssPeak = Math.max(rssPeak, processRssBytes(agent.pid));
    await Bun.sleep(250);
  }
})();

// A few half-open connections held through the run (slow clients), each cut off by the idle time-out.
const halfOpen = Array.from({ length: 20 }, () => {
  const s = connect(port, "127.0.0.1");
  s.on("error", () => {});
  s.on("connect", () => s.write("GET /metrics HTTP/1.1\r\nHost: x\r\n"));
  return s;
});
next = 0;
limit = REQUESTS;
started = performance.now();
await Promise.all(Array.from({ length: CONCURRENCY }, worker));
const elapsed = (performance.now() - started) / 1000;
fuzzing = false;
await healthLoop;
for (const s of halfOpen) s.destroy();

// Memory after: given up to SETTLE seconds (default 60) to come back within 10 % of where it started.
const SETTLE_S = Number(process.env.SETTLE ?? 60);
let rssAfter = processRssBytes(agent.pid);
let settledAfter = 0;
for (; settledAfter < SETTLE_S && rssAfter > rssBefore * 1.1; settledAfter++) {
  await Bun.sleep(1000);
  rssAfter = processRssBytes(agent.pid);
  if (process.env.TRACE_RSS) console.log(`  ${settledAfter + 1} s after: ${(rssAfter / 1024 / 1024).toFixed(1)} MB`);
}
const alive = agent.exitCode === null && agent.signalCode === null;
const finalHealth = alive ? (await fetch(`http://127.0.0.1:${port}/healthz`)).status : 0;
agent.kill("SIGTERM");
const exitCode = await agent.exited;
rmSync(data, { recursive: true, force: true });

const answered = outcomes.filter((o) => o.status > 0);
const fiveXX = answered.filter((o) => o.status >= 500);
const notJson = answered.filter((o) => o.status >= 400 && !o.json);
const statuses = new Map<number, number>();
for (const o of outcomes) statuses.set(o.status, (statuses.get(o.status) ?? 0) + 1);
const mb = (b: number) => (b / 1024 / 1024).toFixed(1);

console.log(
  `bench:fuzz  (bun bench/fuzz.ts; REQUESTS=${REQUESTS}, CONCURRENCY=${CONCURRENCY}, SEED=${SEED}, after a warm-up of ${warmupOutcomes.length} requests; the compiled agent, ${deployedEnvironment().description}, over raw TCP on loopback)`,
);
console.log("| kind | requests | answered | 5xx | 4xx without a JSON error |");
console.log("|---|---|---|---|---|");
for (const kind of kinds) {
  const mine = outcomes.filter((o) => o.kind === kind);
  const a = mine.filter((o) => o.status > 0);
  console.log(`| ${kind} | ${mine.length} | ${a.length} | ${a.filter((o) => o.status >= 500).length} | ${a.filter((o) => o.status >= 400 && !o.json).length} |`);
}
console.log(`| all | ${outcomes.length} | ${answered.length} | ${fiveXX.length} | ${notJson.length} |`);
console.log(`statuses: ${[...statuses.entries()].sort((a, b) => a[0] - b[0]).map(([s, n]) => `${s === 0 ? "none (incomplete request, cut off)" : s}: ${n}`).join(", ")}`);
console.log(`${outcomes.length} requests in ${elapsed.toFixed(1)} s (${Math.round(outcomes.length / elapsed)}/s)`);
console.log(`/healthz: ${health.asked - health.failed}/${health.asked} answered 200 during the run, slowest ${health.slowestMs.toFixed(1)} ms; after: ${finalHealth}`);
console.log(`agent: ${alive ? "alive" : "CRASHED"} throughout, exit ${exitCode} on SIGTERM; RSS ${mb(rssBefore)} MB before, peak ${mb(rssPeak)} MB, ${mb(rssAfter)} MB ${settledAfter} s after the run (${(((rssAfter - rssBefore) / rssBefore) * 100).toFixed(1)} %)`);
console.log("targets: ≥ 20,000 requests, 0 crashes, 0 5xx, 0 4xx without a JSON error, /healthz answering throughout, RSS back within 10 %");
const warmupBad = warmupOutcomes.filter((o) => o.status >= 500 || (o.status >= 400 && !o.json)).length;
if (warmupBad > 0) console.log(`warm-up: ${warmupBad} bad answers`);
const ok =
  warmupBad === 0 && outcomes.length >= 20_000 && alive && fiveXX.length === 0 && notJson.length === 0 && health.failed === 0 && finalHealth === 200 && rssAfter <= rssBefore * 1.1;
if (!ok) {
  for (const o of [...fiveXX, ...notJson].slice(0, 10)) console.log(`  bad answer: ${o.kind} → ${o.status}`);
  process.exitCode = 1;
}
