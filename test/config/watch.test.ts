import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ManualClock } from "../../src/clock.ts";
import { loadConfig } from "../../src/config/load.ts";
import { ConfigWatcher } from "../../src/config/watch.ts";

const dir = mkdtempSync(join(tmpdir(), "aiops-watch-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("a changed configuration file, secret or renewed certificate is noticed at the next poll of the clock, once", async () => {
  const yaml = join(dir, "agent.yaml");
  const token = join(dir, "token");
  const cert = join(dir, "tls.crt");
  writeFileSync(yaml, "agent:\n  interval: 10s\n");
  writeFileSync(token, "a-token-of-at-least-16-characters\n");
  writeFileSync(cert, "certificate 1");
  const loaded = loadConfig({ env: { AIOPS_API_TOKEN_FILE: token }, file: yaml });
  // The TLS files come from the configuration; set them as a configuration naming them would.
  loaded.config.server.tls.cert_file = cert;

  const clock = new ManualClock();
  const changed: string[] = [];
  const watcher = new ConfigWatcher((file) => changed.push(file), clock, 5000);
  watcher.watch(loaded);
  await clock.advance(5000);
  expect(changed).toEqual([]);

  writeFileSync(yaml, "agent:\n  interval: 20s\n");
  await clock.advance(4999);
  expect(changed).toEqual([]);
  await clock.advance(1);
  expect(changed).toEqual([yaml]);

  // A Kubernetes Secret swaps the file for another: a new inode, same size.
  writeFileSync(join(dir, "token.new"), "a-token-of-at-least-16-characterz\n");
  renameSync(join(dir, "token.new"), token);
  writeFileSync(cert, "certificate 2");
  await clock.advance(5000);
  expect(changed).toEqual([yaml, token, cert]);
  await clock.advance(20_000);
  expect(changed).toHaveLength(3);

  watcher.close();
  watcher.close();
  expect(clock.pendingTimers).toBe(0);
});
