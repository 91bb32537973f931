import { describe, expect, test } from "bun:test";
import { SNAPSHOT, testServer } from "./support.ts";
import { deliveryAttempt } from "../support/events.ts";

/** Reads server-sent events from a response until `count` events arrived. */
async function readEvents(response: Response, count: number): Promise<Array<{ id?: string; event?: string; data?: string }>> {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = "";
  const events: Array<{ id?: string; event?: string; data?: string }> = [];
  while (events.length < count) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value);
    let end: number;
    while ((end = text.indexOf("\n\n")) >= 0) {
      const block = text.slice(0, end);
      text = text.slice(end + 2);
      const fields: Record<string, string> = {};
      for (const line of block.split("\n")) {
        const colon = line.indexOf(": ");
        if (colon > 0) fields[line.slice(0, colon)] = line.slice(colon + 2);
      }
      if (fields.event) events.push(fields);
    }
  }
  await reader.cancel();
  return events;
}

describe("/api/v1/events", () => {
  test("streams events as they are published, filtered by type", async () => {
    const { get, events } = testServer();
    const response = await get("/api/v1/events?types=snapshot");
    expect(response.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    events.publish({ type: "delivery", delivery: deliveryAttempt() });
    events.publish({ type: "snapshot", snapshot: SNAPSHOT });
    const [first] = await readEvents(response, 1);
    expect(first).toMatchObject({ id: "2", event: "snapshot" });
    expect(JSON.parse(first!.data!).snapshot.cpu.usage_percent).toBe(45.2);
  });

  test("a client reconnecting with Last-Event-ID receives what it missed, then live events", async () => {
    const { get, events } = testServer();
    for (let i = 0; i < 3; i++) events.publish({ type: "snapshot", snapshot: { ...SNAPSHOT, timestamp: `t${i}` } });
    const response = await get("/api/v1/events", { headers: { "last-event-id": "1" } });
    events.publish({ type: "snapshot", snapshot: { ...SNAPSHOT, timestamp: "t3" } });
    const received = await readEvents(response, 3);
    expect(received.map((e) => e.id)).toEqual(["2", "3", "4"]);
  });

  test("a gap longer than the replay buffer is announced with a reset event", async () => {
    const { get, events } = testServer();
    for (let i = 0; i < 1005; i++) events.publish({ type: "delivery", delivery: deliveryAttempt({ notificationId: i }) });
    const [first] = await readEvents(await get("/api/v1/events", { headers: { "last-event-id": "2" } }), 1);
    expect(first!.event).toBe("reset");
  });

  test("a bad types filter or Last-Event-ID is a 400 naming it", async () => {
    const { get } = testServer();
    expect(await (await get("/api/v1/events?types=gossip")).json()).toEqual({
      error: { code: "invalid_parameter", message: 'types: expected a comma-separated list of snapshot, finding, alert, delivery, agent, remediation; got "gossip"' },
    });
    expect((await get("/api/v1/events", { headers: { "last-event-id": "yesterday" } })).status).toBe(400);
  });
});

test("a Last-Event-ID from an earlier run of the agent (ids restart) gets a reset, then what is buffered", async () => {
  const { get, events } = testServer();
  events.publish({ type: "snapshot", snapshot: SNAPSHOT });
  const received = await readEvents(await get("/api/v1/events", { headers: { "last-event-id": "5000" } }), 2);
  expect(received.map((e) => e.event)).toEqual(["reset", "snapshot"]);
});

test("a quiet stream gets a keepalive comment every 15 s; a client that leaves takes its timer with it", async () => {
  const { get, clock } = testServer();
  const reader = (await get("/api/v1/events")).body!.getReader();
  const decoder = new TextDecoder();
  const next = async () => decoder.decode((await reader.read()).value);
  expect(await next()).toBe("retry: 2000\n: aiops-agent event stream\n\n");
  let chunk: string | undefined;
  const reading = next().then((text) => (chunk = text));
  await clock.advance(14_999);
  expect(chunk).toBeUndefined();
  await clock.advance(1);
  expect(await reading).toBe(": keepalive\n\n");
  expect(clock.pendingTimers).toBe(1);
  await reader.cancel();
  expect(clock.pendingTimers).toBe(0);
});
