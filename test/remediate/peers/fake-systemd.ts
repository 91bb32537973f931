/**
 * A small stand-in for systemd on a private D-Bus (started by the test with dbus-daemon): it owns
 * `org.freedesktop.systemd1` and implements the Manager methods the systemd action uses —
 * `Subscribe`, `RestartUnit`, `ReloadUnit` — announcing each job's end with `JobRemoved`, as systemd
 * does. A unit named `broken.service` fails its job; `stuck.service` never finishes. Each call is
 * printed as a JSON line on stdout, so the test sees exactly what the agent asked.
 *
 * Usage: bun fake-systemd.ts BUS_ADDRESS
 */
import dbus from "dbus-next";

const { Interface } = dbus.interface;
const bus = dbus.sessionBus({ busAddress: process.argv[2]! });
let jobs = 0;

class Manager extends Interface {
  constructor() {
    super("org.freedesktop.systemd1.Manager");
  }
  Subscribe(): void {
    console.log(JSON.stringify({ call: "Subscribe" }));
  }
  RestartUnit(unit: string, mode: string): string {
    return this.job("RestartUnit", unit, mode);
  }
  ReloadUnit(unit: string, mode: string): string {
    return this.job("ReloadUnit", unit, mode);
  }
  JobRemoved(id: number, job: string, unit: string, result: string): unknown[] {
    return [id, job, unit, result];
  }
  private job(call: string, unit: string, mode: string): string {
    const id = ++jobs;
    const path = `/org/freedesktop/systemd1/job/${id}`;
    console.log(JSON.stringify({ call, unit, mode }));
    if (unit !== "stuck.service") setTimeout(() => this.JobRemoved(id, path, unit, unit === "broken.service" ? "failed" : "done"), 20);
    return path;
  }
}
Manager.configureMembers({
  methods: {
    Subscribe: { inSignature: "", outSignature: "" },
    RestartUnit: { inSignature: "ss", outSignature: "o" },
    ReloadUnit: { inSignature: "ss", outSignature: "o" },
  },
  signals: { JobRemoved: { signature: "uoss" } },
});

await bus.requestName("org.freedesktop.systemd1", 0);
bus.export("/org/freedesktop/systemd1", new Manager());
console.log(JSON.stringify({ ready: true }));
