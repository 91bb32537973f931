import { afterEach, describe, expect, test } from "bun:test";
import { ManualClock } from "../../src/clock.ts";
import { createHttpAction } from "../../src/remediate/http-action.ts";
import { type Sink, TEST_CA, startSink } from "../alert/sink.ts";
import { ALERT, actionConfig } from "./support.ts";

const never = new AbortController().signal;
const sinks: Sink[] = [];
afterEach(async () => {
  for (const s of sinks.splice(0)) await s.stop();
});

function sink(tls = false): Sink {
  const s = startSink({ tls });
  sinks.push(s);
  return s;
}

/** The waits between attempts pass on a manual clock, driven here as soon as the action sets one. */
function autoAdvancing(): ManualClock {
  const clock = new ManualClock(Date.parse("2026-12-04T10:00:00Z"));
  const setTimer = clock.setTimer.bind(clock);
  clock.setTimer = (ms, fn) => {
    const cancel = setTimer(ms, fn);
    queueMicrotask(() => void clock.advance(ms));
    return cancel;
  };
  return clock;
}

async function runAgainst(url: string, entry: Record<string, unknown> = {}, ca?: string) {
  const config = actionConfig({ name: "awx", http: { url, ...entry } });
  const action = createHttpAction(config.name, config.http!, { clock: autoAdvancing(), agent: { name: "web-1", environment: "production" }, random: () => 0.5, ...(ca ? { ca } : {}) });
  const prepared = await action.prepare(ALERT);
  if ("refused" in prepared) throw new Error(prepared.refused);
  return { plan: prepared.plan, result: await prepared.run(never) };
}

describe("http action: a runbook endpoint called with the alert", () => {
  test("POSTs the alert as JSON with the configured headers; the plan never shows the URL's path or query", async () => {
    const s = sink();
    const { plan, result } = await runAgainst(`${s.url}/api/v2/job_templates/7/launch/?token=s3cret`, { headers: { authorization: "Bearer tok-123" } });
    expect(plan).toBe(`POST the alert to ${s.url}/… (at most 3 attempts)`);
    expect(result).toEqual({ ok: true, reason: "", output: "attempt 1: HTTP 200" });
    const [req] = s.received;
    expect(req!.headers.authorization).toBe("Bearer tok-123");
    expect(JSON.parse(req!.body)).toEqual({
      agent_name: "web-1",
      environment: "production",
      action: "awx",
      timestamp: "2026-12-04T10:00:00.000Z",
      alert: { fingerprint: ALERT.fingerprint, labels: ALERT.labels },
    });
  });

  test("5xx and 429 are retried up to the attempts; another 4xx is final; secrets never reach the output", async () => {
    const s = sink();
    s.respond((_, n) => (n === 1 ? new Response("busy", { status: 503 }) : n === 2 ? new Response("slow down", { status: 429, headers: { "retry-after": "1" } }) : new Response("ok")));
    const retried = await runAgainst(`${s.url}/hook`, { attempts: 3 });
    expect(retried.result.ok).toBe(true);
    expect(retried.result.output.split("\n")).toHaveLength(3);
    expect(s.received).toHaveLength(3);

    const refused = sink();
    refused.respond(() => new Response("bad token tok-999", { status: 401 }));
    const final = await runAgainst(`${refused.url}/hook`, { headers: { authorization: "tok-999" } });
    expect(final.result.ok).toBe(false);
    expect(refused.received).toHaveLength(1);
    expect(final.result.reason).toContain("401");
    expect(`${final.result.reason} ${final.result.output}`).not.toContain("tok-999");
  });

  test("TLS is verified: a private CA works only when the action names it", async () => {
    const s = sink(true);
    expect((await runAgainst(`${s.url}/hook`, { attempts: 1 })).result.ok).toBe(false);
    expect((await runAgainst(`${s.url}/hook`, { attempts: 1 }, TEST_CA)).result.ok).toBe(true);
  });
});
