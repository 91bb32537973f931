/**
 * Run as a program (`bun test/support/startup-spawns.ts`): starts the agent (`run`, configured by the
 * environment as usual) in this process with every program start counted, waits until it answers
 * /readyz (configuration loaded, inventory taken, first collection done), and prints
 * `programs started before ready: N` on stderr, then exits.
 */
import { spawns } from "../../bench/support/count-spawns.ts";

// As in the compiled binary, where the build bakes the commit in: run from source, the agent asks git
// for it (two programs a deployed agent never starts).
Object.assign(globalThis, { AIOPS_BUILD_COMMIT: "startup-spawns" });
const { main } = await import("../../src/main.ts");

const listen = process.env.AIOPS_LISTEN;
if (!listen) throw new Error("startup-spawns: set AIOPS_LISTEN (host:port) so readiness can be asked");
void main(["run"]);
const deadline = Date.now() + 30_000;
while (Date.now() < deadline) {
  try {
    if ((await fetch(`http://${listen}/readyz`)).ok) {
      process.stderr.write(`programs started before ready: ${spawns.count}\n`);
      process.exit(0);
    }
  } catch {
    // not listening yet
  }
  await Bun.sleep(100);
}
process.stderr.write("startup-spawns: the agent was not ready within 30 s\n");
process.exit(1);
