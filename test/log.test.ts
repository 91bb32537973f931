import { describe, expect, test } from "bun:test";
import { ManualClock } from "../src/clock.ts";
import { componentLogger, createLogger, prettyLine } from "../src/log.ts";

function capture(level: Parameters<typeof createLogger>[0]["level"], secrets: string[] = []) {
  const lines: string[] = [];
  const clock = new ManualClock(Date.parse("2026-01-10T08:00:00Z"));
  const root = createLogger({ level, clock, secrets: () => secrets, sink: { write: (l) => void lines.push(l) } });
  return { root, lines, clock };
}

describe("log lines", () => {
  test("are JSON in DESIGN.md's shape: timestamp (the clock's wall time), level, logger, message, in that order", async () => {
    const { root, lines, clock } = capture("info");
    componentLogger(root, "agent").info("Metrics collected successfully");
    await clock.advance(1500);
    root.info("later");
    const entry = JSON.parse(lines[0]!);
    expect(Object.keys(entry)).toEqual(["timestamp", "level", "logger", "message"]);
    expect(entry).toMatchObject({ timestamp: "2026-01-10T08:00:00.000Z", level: "INFO", logger: "aiops_agent.agent", message: "Metrics collected successfully" });
    expect(JSON.parse(lines[1]!).timestamp).toBe("2026-01-10T08:00:01.500Z");
  });

  test("use the configured level names and drop what is below the level", () => {
    const { root, lines } = capture("warning");
    root.info("quiet");
    root.warning("loud");
    root.critical("louder");
    expect(lines.map((l) => JSON.parse(l).level)).toEqual(["WARNING", "CRITICAL"]);
  });

  test("never carry a secret, even inside an error message or a field", () => {
    const token = "hooks-T0KEN-5f1c2b";
    const { root, lines } = capture("debug", [token]);
    root.error({ err: new Error(`POST https://hooks.example/${token} failed`), url: `https://hooks.example/${token}` }, "delivery failed");
    expect(lines.join("")).not.toContain(token);
    expect(lines.join("")).toContain("[REDACTED]");
  });

  test("read well on a terminal", () => {
    const line = prettyLine('{"timestamp":"2026-01-01T08:00:00.000Z","level":"WARNING","logger":"aiops_agent.agent","message":"hi","disk":"/"}\n', false);
    expect(line).toBe("08:00:00 WARNING  aiops_agent.agent: hi disk=/\n");
  });
});
