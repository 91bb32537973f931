import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startAgentProcess } from "../support/agent-process.ts";
import { freePort, waitFor } from "../support/ports.ts";

const work = mkdtempSync(join(tmpdir(), "aiops-reload-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function setting(url: string, key: string): Promise<unknown> {
  const body = (await (await fetch(url)).json()) as { settings: Array<{ key: string; value: unknown }> };
  return body.settings.find((s) => s.key === key)?.value;
}

test("SIGHUP with a bad file keeps the running configuration and says why; a good file is taken", async () => {
  const file = join(work, "agent.yaml");
  writeFileSync(file, "agent:\n  interval: 1\n");
  const agent = await startAgentProcess({ AIOPS_DATA_DIR: join(work, "data") }, await freePort(), ["--config", file]);
  try {
    writeFileSync(file, "agent:\n  interval: [1\n");
    agent.proc.kill("SIGHUP");
    const refused = await waitFor("the refusal", async () => agent.lines.find((l) => l.message === "Configuration not reloaded: the running one is kept"));
    expect(refused.problems).toEqual([`${file}:2: YAML syntax error: Unexpected token`]);
    expect(await setting(agent.url("/api/v1/config"), "agent.interval")).toBe(1);

    writeFileSync(file, "agent:\n  interval: 2\n");
    agent.proc.kill("SIGHUP");
    await waitFor("the reload", async () => agent.lines.find((l) => l.message === "Configuration reloaded"));
    expect(await setting(agent.url("/api/v1/config"), "agent.interval")).toBe(2);
  } finally {
    await agent.stop();
  }
}, 30_000);
