import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, waitFor } from "../support/ports.ts";

const work = mkdtempSync(join(tmpdir(), "aiops-reload-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The agent from source, its JSON log lines collected as they come. */
async function startAgent(configFile: string, port: number) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("AIOPS_"))) as Record<string, string>;
  const proc = Bun.spawn([process.execPath, join(import.meta.dir, "../../src/main.ts"), "run", "--config", configFile], {
    env: { ...env, AIOPS_LISTEN: `127.0.0.1:${port}`, AIOPS_DATA_DIR: join(work, "data"), AIOPS_LOG_FORMAT: "json" },
    stdout: "pipe",
    stderr: "inherit",
  });
  const lines: Array<Record<string, unknown>> = [];
  void (async () => {
    let buffered = "";
    for await (const chunk of proc.stdout) {
      buffered += new TextDecoder().decode(chunk);
      let nl: number;
      while ((nl = buffered.indexOf("\n")) >= 0) {
        lines.push(JSON.parse(buffered.slice(0, nl)));
        buffered = buffered.slice(nl + 1);
      }
    }
  })();
  return { proc, lines };
}

async function setting(port: number, key: string): Promise<unknown> {
  const body = (await (await fetch(`http://127.0.0.1:${port}/api/v1/config`)).json()) as { settings: Array<{ key: string; value: unknown }> };
  return body.settings.find((s) => s.key === key)?.value;
}

test("SIGHUP with a bad file keeps the running configuration and says why; a good file is taken", async () => {
  const file = join(work, "agent.yaml");
  writeFileSync(file, "agent:\n  interval: 1\n");
  const port = await freePort();
  const { proc, lines } = await startAgent(file, port);
  try {
    await waitFor("the agent to be ready", async () => ((await fetch(`http://127.0.0.1:${port}/readyz`)).ok ? true : undefined));

    writeFileSync(file, "agent:\n  interval: [1\n");
    proc.kill("SIGHUP");
    const refused = await waitFor("the refusal", async () => lines.find((l) => l.message === "Configuration not reloaded: the running one is kept"));
    expect(refused.problems).toEqual([`${file}:2: YAML syntax error: Unexpected token`]);
    expect(await setting(port, "agent.interval")).toBe(1);

    writeFileSync(file, "agent:\n  interval: 2\n");
    proc.kill("SIGHUP");
    await waitFor("the reload", async () => lines.find((l) => l.message === "Configuration reloaded"));
    expect(await setting(port, "agent.interval")).toBe(2);
  } finally {
    proc.kill("SIGTERM");
    await proc.exited;
  }
}, 30_000);
