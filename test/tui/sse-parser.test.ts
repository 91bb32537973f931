import { describe, expect, test } from "bun:test";
import { type SseMessage, createSseParser } from "../../tui/sse-parser.ts";

function parse(chunks: string[]): SseMessage[] {
  const out: SseMessage[] = [];
  const parser = createSseParser((m) => out.push(m));
  for (const chunk of chunks) parser.feed(chunk);
  return out;
}

describe("the event-stream parser", () => {
  test("frames the agent's stream: retry and comments, then events with id and type", () => {
    const stream = `retry: 2000\n: aiops-agent event stream\n\nid: 7\nevent: snapshot\ndata: {"a":1}\n\n: keepalive\n\nevent: reset\ndata: {"reason":"x"}\n\n`;
    expect(parse([stream])).toEqual([
      { event: "message", data: "", retry: 2000 },
      { event: "snapshot", data: '{"a":1}', id: "7" },
      { event: "reset", data: '{"reason":"x"}' },
    ]);
  });

  test("any split of the bytes gives the same events; CRLF, multi-line data and no space after the colon", () => {
    const stream = "id: 1\r\nevent: finding\r\ndata: one\r\ndata:two\r\n\r\nid: 2\nevent: alert\ndata: x\n\n";
    const whole = parse([stream]);
    expect(whole).toEqual([
      { event: "finding", data: "one\ntwo", id: "1" },
      { event: "alert", data: "x", id: "2" },
    ]);
    for (let cut = 1; cut < stream.length; cut++) expect(parse([stream.slice(0, cut), stream.slice(cut)])).toEqual(whole);
    expect(parse(stream.split(""))).toEqual(whole);
  });

  test("an event is not told until its blank line arrives", () => {
    expect(parse(["id: 1\nevent: snapshot\ndata: {}\n"])).toEqual([]);
  });
});
