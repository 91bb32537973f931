import { expect, test } from "bun:test";
import { join } from "node:path";
import { inventoryInChild, selfCommand } from "../../src/collect/inventory-process.ts";
import { createHostPaths } from "../../src/collect/linux/host-paths.ts";
import { ManualClock, systemClock } from "../../src/clock.ts";

const MAIN = join(import.meta.dir, "../../src/main.ts");

test("the child is the CLI module given, never the script that happens to be running", () => {
  expect(selfCommand(MAIN, ["inventory"])).toEqual([process.execPath, MAIN, "inventory"]);
  expect(selfCommand("/$bunfs/root/aiops-agent", ["inventory"])).toEqual([process.execPath, "inventory"]);
});

test("the inventory comes back from a real child running `inventory`", async () => {
  const inventory = await inventoryInChild({ command: selfCommand(MAIN, ["inventory"]), paths: createHostPaths("/"), timeoutMs: 10_000, env: process.env, clock: systemClock });
  expect(inventory.cpu_cores).toBeGreaterThan(0);
  expect(inventory.kernel.length).toBeGreaterThan(0);
});

test("a child that hangs is killed a second past the time limit, and the host's own files answer", async () => {
  const clock = new ManualClock();
  let answered = false;
  const paths = createHostPaths(join(import.meta.dir, "../fixtures/this-machine/t0"));
  const asking = inventoryInChild({ command: ["sleep", "30"], paths, timeoutMs: 200, env: process.env, clock }).finally(() => (answered = true));
  await clock.advance(1199);
  expect(answered).toBe(false);
  await clock.advance(1);
  const inventory = await asking;
  expect(inventory).toMatchObject({ os: "Debian GNU/Linux 12 (bookworm)", kernel: "6.18.44-fc-v1272", cpu_model: "AMD EPYC", cpu_cores: 2 });
});
