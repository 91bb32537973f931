import { expect, test } from "bun:test";
import { join } from "node:path";
import { inventoryInChild, selfCommand } from "../../src/collect/inventory-process.ts";
import { createHostPaths } from "../../src/collect/linux/host-paths.ts";

const MAIN = join(import.meta.dir, "../../src/main.ts");

test("the child is the CLI module given, never the script that happens to be running", () => {
  expect(selfCommand(MAIN, ["inventory"])).toEqual([process.execPath, MAIN, "inventory"]);
  expect(selfCommand("/$bunfs/root/aiops-agent", ["inventory"])).toEqual([process.execPath, "inventory"]);
});

test("the inventory comes back from a real child running `inventory`", async () => {
  const inventory = await inventoryInChild({ command: selfCommand(MAIN, ["inventory"]), paths: createHostPaths("/"), timeoutMs: 10_000, env: process.env });
  expect(inventory.cpu_cores).toBeGreaterThan(0);
  expect(inventory.kernel.length).toBeGreaterThan(0);
});

test("a child that fails or hangs leaves the host's own files to answer, within the time limit", async () => {
  const started = Date.now();
  const inventory = await inventoryInChild({ command: ["sleep", "30"], paths: createHostPaths("/"), timeoutMs: 200, env: process.env });
  expect(Date.now() - started).toBeLessThan(5000);
  expect(inventory.cpu_cores).toBeGreaterThan(0);
  expect(inventory.virtualization).toBe("");
});
