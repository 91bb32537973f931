import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { loadConfig } from "../../src/config/load.ts";
import { parseUnit, yamlDocuments } from "./parse.ts";

const ROOT = join(import.meta.dir, "../..");
const read = (path: string) => readFileSync(join(ROOT, path), "utf8");

/** The configuration a deployment ships, as the agent would load it. */
function shipped(text: string) {
  return loadConfig({ env: {}, file: "agent.yaml", readFile: () => text }).config;
}

describe("every deployment ships with remediation off", () => {
  test("the systemd example configuration and the Kubernetes ConfigMap define no action", () => {
    expect(shipped(read("deploy/systemd/agent.yaml")).remediation.actions).toEqual([]);
    const configMap = yamlDocuments(read("deploy/k8s/configmap.yaml")) as Array<{ data?: Record<string, string> }>;
    const text = configMap.find((d) => d.data?.["agent.yaml"])!.data!["agent.yaml"]!;
    expect(shipped(text).remediation.actions).toEqual([]);
    expect(loadConfig({ env: {} }).config.remediation.actions).toEqual([]);
  });

  test("the unit grants none of the privileges an action would need: no capability, other users' processes hidden", () => {
    const service = parseUnit(read("deploy/systemd/aiops-agent.service")).get("Service")!;
    expect(service.get("CapabilityBoundingSet")).toEqual([""]);
    expect(service.get("AmbientCapabilities")).toEqual([""]);
    expect(service.get("NoNewPrivileges")).toEqual(["yes"]);
    expect(service.get("ProtectSystem")).toEqual(["strict"]);
  });
});
