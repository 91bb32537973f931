import type { Inventory } from "./inventory.ts";
import { completeInventory, fileInventory } from "./inventory.ts";
import type { HostPaths } from "./linux/host-paths.ts";

/** The command line that runs this same program's `inventory` command, compiled or from source. */
export function selfCommand(args: string[]): string[] {
  // A compiled binary's entry point lives in Bun's embedded file system; from source it is a file.
  const compiled = Bun.main.startsWith("/$bunfs/") || Bun.main.startsWith("B:/~BUN/");
  return compiled ? [process.execPath, ...args] : [process.execPath, Bun.main, ...args];
}

/**
 * The inventory, asked of a short-lived child process running `aiops-agent inventory`.
 * systeminformation costs the process that loads it some 10–30 MB that it never gives back, and starts
 * programs of its own; in a child, that memory goes away when the child exits, and the time limit is
 * a kill. If the child fails or is too slow, the host's own files answer alone.
 */
export async function inventoryInChild(options: { paths?: HostPaths; timeoutMs: number; env: Record<string, string | undefined> }): Promise<Inventory> {
  const fallback = () => completeInventory(fileInventory(options.paths), {});
  let child: ReturnType<typeof Bun.spawn> | undefined;
  try {
    child = Bun.spawn(selfCommand(["inventory"]), { env: options.env, stdout: "pipe", stderr: "ignore", stdin: "ignore" });
  } catch {
    return fallback();
  }
  const running = child;
  const timer = setTimeout(() => running.kill("SIGKILL"), options.timeoutMs + 1000);
  try {
    const [text, code] = await Promise.all([new Response(running.stdout as ReadableStream).text(), running.exited]);
    if (code !== 0) return fallback();
    return JSON.parse(text) as Inventory;
  } catch {
    return fallback();
  } finally {
    clearTimeout(timer);
  }
}
