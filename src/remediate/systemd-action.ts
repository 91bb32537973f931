import type { Clock } from "../clock.ts";
import type { ActionConfig } from "../config/remediation.ts";
import type { ActionResult, RemediationAction } from "./action.ts";

type SystemdConfig = NonNullable<ActionConfig["systemd"]>;

export interface SystemdActionDeps {
  /** The agent's host root: the system bus is `<host_root>/run/dbus/system_bus_socket` unless the action names one. */
  hostRoot: string;
  /** Sets the time-out. */
  clock: Clock;
}

const SYSTEMD = "org.freedesktop.systemd1";
const MANAGER = "org.freedesktop.systemd1.Manager";

/** The D-Bus address of an action: its own `bus`, else the host's system bus. */
export function busAddressOf(config: SystemdConfig, hostRoot: string): string {
  return config.bus ?? `unix:path=${hostRoot.replace(/\/+$/, "")}/run/dbus/system_bus_socket`;
}

/**
 * Restarts or reloads a unit through systemd's D-Bus API (`RestartUnit` / `ReloadUnit` in mode
 * `replace`), then waits for systemd's job to finish and reports its result: no `systemctl` needed, so
 * it works from a distroless image. Needs access to the system bus and systemd's permission (root, or a
 * polkit rule for the agent's user). The D-Bus library is loaded only when such an action runs.
 */
export function createSystemdAction(config: SystemdConfig, deps: SystemdActionDeps): RemediationAction {
  const method = config.action === "restart" ? "RestartUnit" : "ReloadUnit";
  const address = busAddressOf(config, deps.hostRoot);
  return {
    kind: "systemd",
    async prepare() {
      return { plan: `${method}(${config.unit}, replace) on ${address}`, run: () => callSystemd(method, config, address, deps.clock) };
    },
  };
}

async function callSystemd(method: string, config: SystemdConfig, address: string, clock: Clock): Promise<ActionResult> {
  const dbus = (await import("dbus-next")).default;
  let bus: import("dbus-next").MessageBus | undefined;
  let cancelTimer = () => {};
  try {
    bus = dbus.sessionBus({ busAddress: address });
    // A bus that is not there fails the connection asynchronously: make that a result, not a crash.
    const failedToConnect = new Promise<never>((_, reject) => bus!.on("error", reject));
    const manager = (await Promise.race([bus.getProxyObject(SYSTEMD, "/org/freedesktop/systemd1"), failedToConnect])).getInterface(MANAGER);
    // The job may finish before the call returns: every JobRemoved is kept until the job is known.
    const removed = new Map<string, string>();
    let wake: (() => void) | undefined;
    manager.on("JobRemoved", (_id: number, job: string, _unit: string, result: string) => {
      removed.set(job, result);
      wake?.();
    });
    // systemd emits job signals only to clients that subscribed; a bus without it still answers the call.
    await Promise.resolve(manager.Subscribe?.()).catch(() => {});
    const job = (await Promise.race([manager[method]!(config.unit, "replace"), failedToConnect])) as string;
    const timedOut = new Promise<"timeout">((resolve) => {
      cancelTimer = clock.setTimer(config.timeout * 1000, () => resolve("timeout"));
    });
    for (;;) {
      const result = removed.get(job);
      if (result !== undefined) {
        const output = `job ${job} finished: ${result}`;
        return result === "done" ? { ok: true, reason: "", output } : { ok: false, reason: `systemd's job for ${config.unit} ended "${result}"`, output };
      }
      const woke = await Promise.race([new Promise<"job">((resolve) => (wake = () => resolve("job"))), timedOut]);
      if (woke === "timeout") return { ok: false, reason: `systemd's job ${job} for ${config.unit} did not finish within ${config.timeout} s`, output: `job ${job}` };
    }
  } catch (cause) {
    const error = cause as Error & { type?: string; text?: string };
    const text = error.text ?? error.message ?? String(cause);
    return { ok: false, reason: `${method} ${config.unit} failed: ${error.type ? `${error.type}: ` : ""}${text}`, output: "" };
  } finally {
    cancelTimer();
    bus?.disconnect();
  }
}
