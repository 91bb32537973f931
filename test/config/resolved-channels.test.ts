import { describe, expect, test } from "bun:test";
import { loadConfig } from "../../src/config/load.ts";
import { channelsOf } from "../../src/config/resolved-channels.ts";

/** A configuration from YAML text (channels are set in the file) and the environment. */
function load(yaml: string, env: Record<string, string> = {}) {
  return loadConfig({ env, file: "agent.yaml", readFile: () => yaml }).config;
}

describe("the resolved channel list", () => {
  test("AIOPS_WEBHOOK_URL is a webhook channel named webhook, with every default a configured webhook channel gets", () => {
    const implicit = channelsOf(load("agent: { name: a }\n", { AIOPS_WEBHOOK_URL: "https://hooks.example.test/a" }));
    const configured = channelsOf(load("alert:\n  channels:\n    - { type: webhook, name: webhook, url: https://hooks.example.test/a }\n"));
    expect(implicit).toEqual(configured);
    expect(implicit[0]).toMatchObject({ type: "webhook", name: "webhook", severities: ["warning", "critical"], send_resolved: true, timeout: 10 });
  });

  test("it comes first, before alert.channels, and the list is computed once per configuration", () => {
    const config = load("alert:\n  channels:\n    - { type: slack, name: ops, url: https://hooks.slack.test/x }\n", { AIOPS_WEBHOOK_URL: "https://hooks.example.test/a" });
    expect(channelsOf(config).map((c) => c.name)).toEqual(["webhook", "ops"]);
    expect(channelsOf(config)).toBe(channelsOf(config));
    expect(channelsOf(loadConfig({ env: {} }).config)).toEqual([]);
  });
});
