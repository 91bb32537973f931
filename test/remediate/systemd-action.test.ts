import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { systemClock } from "../../src/clock.ts";
import { createSystemdAction } from "../../src/remediate/systemd-action.ts";
import { collectJsonLines } from "../support/lines.ts";
import { findPeer } from "../support/peers.ts";
import { waitFor } from "../support/ports.ts";
import { ALERT, actionConfig } from "./support.ts";

/**
 * Against a real D-Bus: a private dbus-daemon on a unix socket, with `peers/fake-systemd.ts` owning
 * org.freedesktop.systemd1 and implementing the Manager methods the action calls (this machine runs
 * no systemd). The action speaks the same D-Bus protocol it speaks to the real systemd.
 */
const DBUS_DAEMON = findPeer("dbus-daemon", ["/usr/bin/dbus-daemon", "/bin/dbus-daemon"]);
const never = new AbortController().signal;

const work = mkdtempSync(join(tmpdir(), "aiops-dbus-"));
const address = `unix:path=${join(work, "bus.sock")}`;
let daemon: ReturnType<typeof Bun.spawn> | undefined;
let systemd: Bun.Subprocess<"ignore", "pipe", "inherit"> | undefined;
const calls: Array<Record<string, unknown>> = [];

beforeAll(async () => {
  if (!DBUS_DAEMON) return;
  const config = join(work, "bus.conf");
  writeFileSync(
    config,
    `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN" "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>${address}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default"><allow send_destination="*"/><allow receive_sender="*"/><allow own="*"/></policy>
</busconfig>
`,
  );
  daemon = Bun.spawn([DBUS_DAEMON, `--config-file=${config}`, "--nofork", "--print-address"], { stdout: "pipe", stderr: "inherit" });
  await waitFor("dbus-daemon to listen", async () => (existsSync(join(work, "bus.sock")) ? true : undefined), 10_000);
  systemd = Bun.spawn([process.execPath, join(import.meta.dir, "peers/fake-systemd.ts"), address], { stdin: "ignore", stdout: "pipe", stderr: "inherit" });
  void collectJsonLines(systemd.stdout, calls);
  await waitFor("the systemd stand-in to own its name", async () => (calls.some((c) => c.ready) ? true : undefined), 10_000);
}, 30_000);

afterAll(() => {
  systemd?.kill();
  daemon?.kill();
  rmSync(work, { recursive: true, force: true });
});

function systemd_(entry: Record<string, unknown>) {
  return createSystemdAction(actionConfig({ systemd: { bus: address, ...entry } }).systemd!, { hostRoot: "/", clock: systemClock });
}

async function run(entry: Record<string, unknown>) {
  const prepared = await systemd_(entry).prepare(ALERT);
  if ("refused" in prepared) throw new Error(prepared.refused);
  return { plan: prepared.plan, result: await prepared.run(never) };
}

describe.skipIf(!DBUS_DAEMON)("systemd action over D-Bus", () => {
  test("restart: RestartUnit in mode replace, then waits for systemd's job to finish", async () => {
    const { plan, result } = await run({ unit: "nginx.service" });
    expect(plan).toBe(`RestartUnit(nginx.service, replace) on ${address}`);
    expect(result).toMatchObject({ ok: true, output: expect.stringMatching(/^job \/org\/freedesktop\/systemd1\/job\/\d+ finished: done$/) });
    expect(calls.filter((c) => c.call !== "Subscribe").at(-1)).toEqual({ call: "RestartUnit", unit: "nginx.service", mode: "replace" });
  });

  test("reload: ReloadUnit", async () => {
    const { result } = await run({ unit: "haproxy.service", action: "reload" });
    expect(result.ok).toBe(true);
    expect(calls.at(-1)).toEqual({ call: "ReloadUnit", unit: "haproxy.service", mode: "replace" });
  });

  test("a job that fails, and one that never finishes, are failures that say so", async () => {
    expect((await run({ unit: "broken.service" })).result).toMatchObject({ ok: false, reason: `systemd's job for broken.service ended "failed"` });
    const stuck = (await run({ unit: "stuck.service", timeout: "300ms" })).result;
    expect(stuck.ok).toBe(false);
    expect(stuck.reason).toMatch(/^systemd's job \/org\/freedesktop\/systemd1\/job\/\d+ for stuck.service did not finish within 0.3 s$/);
  });

  test("no bus there: a failure naming the call, never a crash", async () => {
    const result = (await run({ unit: "nginx.service", bus: `unix:path=${join(work, "nobody.sock")}` })).result;
    expect(result.ok).toBe(false);
    expect(result.reason).toStartWith("RestartUnit nginx.service failed: ");
  });
});
