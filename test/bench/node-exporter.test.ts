import { expect, test } from "bun:test";
import { collectorsOf } from "../../bench/support/node-exporter.ts";

// node_exporter 1.5.0's log, recorded (shortened): flags parsed per collector, the list it enabled, a failure.
const LOG = `ts=2026-12-05T09:03:46.206Z caller=diskstats_common.go:111 level=info collector=diskstats msg="Parsed flag --collector.diskstats.device-exclude" flag=^(ram|loop|fd)\\d+$
ts=2026-12-05T09:03:46.225Z caller=netdev_common.go:61 level=info collector=netdev msg="Parsed flag --collector.netdev.device-exclude" flag=^lo$
ts=2026-12-05T09:03:46.226Z caller=node_exporter.go:110 level=info msg="Enabled collectors"
ts=2026-12-05T09:03:46.226Z caller=node_exporter.go:117 level=info collector=arp
ts=2026-12-05T09:03:46.226Z caller=node_exporter.go:117 level=info collector=cpu
ts=2026-12-05T09:03:46.226Z caller=node_exporter.go:117 level=info collector=systemd
ts=2026-12-05T09:03:46.226Z caller=tls_config.go:232 level=info msg="Listening on" address=127.0.0.1:19876
ts=2026-12-05T09:03:48.778Z caller=collector.go:169 level=error msg="collector failed" name=systemd duration_seconds=0.000116872 err="couldn't get dbus connection"
ts=2026-12-05T09:03:48.970Z caller=collector.go:169 level=error msg="collector failed" name=systemd duration_seconds=0.000129235 err="couldn't get dbus connection"
`;

test("node_exporter's log gives the collectors it enabled (not those whose flags it parsed) and each failing one once", () => {
  expect(collectorsOf(LOG)).toEqual({ enabledCollectors: ["arp", "cpu", "systemd"], failedCollectors: ["systemd"] });
});
