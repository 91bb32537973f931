/**
 * The deployment files (deploy/, Dockerfile.distroless) against the agent they deploy: its settings
 * and their validation, its port and probes, its metrics, and the hardening each file promises.
 */
import { describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, posix } from "node:path";
import { SERIES } from "../../src/collect/series.ts";
import { HEALTHCHECK_TIMEOUT_MS } from "../../src/commands/healthcheck.ts";
import { ConfigError, type LoadedConfig, configSettings, loadConfig } from "../../src/config/load.ts";
import { deployedEnvironment } from "../../bench/support/process-stats.ts";
import { findPeer } from "../support/peers.ts";
import {
  dockerEnv,
  dockerHealthcheck,
  parseDockerfile,
  parseUnit,
  promqlMetricNames,
  promqlSelectorLabels,
  quantityBytes,
  yamlDocuments,
} from "./parse.ts";

const ROOT = join(import.meta.dir, "../..");
const read = (path: string) => readFileSync(join(ROOT, path), "utf8");

/** A parsed manifest: untyped on purpose, the tests say what they expect of it. */
type Doc = any;

// ---------------------------------------------------------------------------------------------------
// What the agent accepts

/**
 * Why the agent would not take an environment variable, or undefined when it reads it: a setting's
 * name, `<secret setting>_FILE`, or AIOPS_CONFIG.
 */
const SETTING_BY_ENV = new Map(configSettings().filter((s) => s.env).map((s) => [s.env!, s]));

function variableProblem(name: string): string | undefined {
  if (name === "AIOPS_CONFIG" || SETTING_BY_ENV.has(name)) return undefined;
  const base = name.endsWith("_FILE") ? SETTING_BY_ENV.get(name.slice(0, -5)) : undefined;
  if (base?.info.secret) return undefined;
  if (base) return `${base.key} is not a secret; only secrets can be read from a file`;
  return "not a setting of the agent";
}

/** Loads a configuration as the agent would, failing the test with the agent's own problem lines. */
function loadAsAgent(options: Parameters<typeof loadConfig>[0]): LoadedConfig {
  try {
    return loadConfig(options);
  } catch (cause) {
    if (cause instanceof ConfigError) throw new Error(`the agent would refuse this configuration:\n${cause.problems.join("\n")}`);
    throw cause;
  }
}

function portOf(listen: string): number {
  return Number(listen.slice(listen.lastIndexOf(":") + 1));
}

// ---------------------------------------------------------------------------------------------------
// Kubernetes

const K8S = "deploy/k8s";
const kustomization: Doc = yamlDocuments(read(`${K8S}/kustomization.yaml`))[0];
const resources: Doc[] = (kustomization.resources as string[]).flatMap((file) => yamlDocuments(read(`${K8S}/${file}`)));
const byKind = (kind: string): Doc[] => resources.filter((r) => r.kind === kind);
const one = (kind: string): Doc => {
  const found = byKind(kind);
  if (found.length !== 1) throw new Error(`expected one ${kind} in ${K8S}, found ${found.length}`);
  return found[0];
};

const daemonSet = one("DaemonSet");
const podSpec = daemonSet.spec.template.spec;
const container = podSpec.containers.find((c: Doc) => c.name === "agent") ?? podSpec.containers[0];
const configMap = one("ConfigMap");
const secretExample: Doc = yamlDocuments(read(`${K8S}/secret.example.yaml`))[0];

/** Sample values for the downward API, as the kubelet fills them in. */
const FIELD_SAMPLES: Record<string, string> = { "spec.nodeName": "node-1", "status.hostIP": "10.0.0.5", "status.podIP": "10.0.0.5" };

/**
 * The container's environment after the kubelet has resolved fieldRefs and expanded `$(VAR)`. A secret
 * comes from a file of the Secret volume (`*_FILE`) or, when optional, from an optional secretKeyRef
 * of the example Secret: resolved to its example value, or left unset as the kubelet does when the
 * Secret does not exist (`withSecret: false`).
 */
function podEnvironment(withSecret = true): Record<string, string> {
  const env: Record<string, string> = {};
  for (const entry of container.env ?? []) {
    const ref = entry.valueFrom?.secretKeyRef;
    if (entry.valueFrom?.fieldRef) env[entry.name] = FIELD_SAMPLES[entry.valueFrom.fieldRef.fieldPath] ?? "sample";
    else if (ref?.optional === true && ref.name === secretExample.metadata.name) {
      if (withSecret) env[entry.name] = String({ ...secretExample.data, ...secretExample.stringData }[ref.key]);
    } else if (entry.valueFrom) throw new Error(`${entry.name}: only fieldRef values and optional references to the Secret are expected`);
    else env[entry.name] = String(entry.value).replace(/\$\(([A-Za-z0-9_]+)\)/g, (all, name: string) => env[name] ?? all);
  }
  return env;
}

function volumeOf(mount: Doc): Doc {
  return podSpec.volumes.find((v: Doc) => v.name === mount.name);
}

/** The mount holding `path`, the longest mount path that contains it. */
function mountFor(path: string): Doc | undefined {
  return (container.volumeMounts as Doc[])
    .filter((m) => path === m.mountPath || path.startsWith(`${m.mountPath.replace(/\/$/, "")}/`))
    .sort((a, b) => b.mountPath.length - a.mountPath.length)[0];
}

/** Files the pod would see: the ConfigMap's keys and the example Secret's keys under their mounts. */
function podFiles(): (path: string) => string {
  return (path: string) => {
    const mount = mountFor(path);
    const volume = mount && volumeOf(mount);
    const key = mount && posix.relative(mount.mountPath, path);
    const data =
      volume?.configMap?.name === configMap.metadata.name
        ? configMap.data
        : volume?.secret?.secretName === secretExample.metadata.name
          ? { ...secretExample.data, ...secretExample.stringData }
          : undefined;
    const text = key !== undefined ? data?.[key] : undefined;
    if (text === undefined) throw Object.assign(new Error(`ENOENT: ${path} is not in the pod`), { code: "ENOENT" });
    return text;
  };
}

function loadPodConfig(): LoadedConfig {
  const env = podEnvironment();
  return loadAsAgent({ env, ...(env.AIOPS_CONFIG ? { file: env.AIOPS_CONFIG } : {}), readFile: podFiles() });
}

function containerPort(port: number | string): number {
  if (typeof port === "number") return port;
  const named = (container.ports as Doc[]).find((p) => p.name === port);
  if (!named) throw new Error(`no container port named ${port}`);
  return named.containerPort;
}

describe("Kubernetes: what a cluster user hits first", () => {
  test("without the Secret the pod still starts: its volume and references are optional, and the configuration loads", () => {
    const env = podEnvironment(false);
    expect(env.AIOPS_API_TOKEN).toBeUndefined();
    const loaded = loadAsAgent({ env, ...(env.AIOPS_CONFIG ? { file: env.AIOPS_CONFIG } : {}), readFile: podFiles() });
    expect(loaded.config.server.api_token).toBeUndefined();
  });

  test("the node port is not 8080 (taken by much else on a node's network) while the binary keeps 8080 as its default", () => {
    const { config } = loadPodConfig();
    expect(portOf(config.server.listen)).not.toBe(8080);
    expect(loadAsAgent({ env: {} }).config.server.listen).toBe("0.0.0.0:8080");
  });

  test("kubectl port-forward reaches the agent: it also listens on the node's loopback, on the same port", () => {
    const { config } = loadPodConfig();
    expect(config.server.also_listen).toBe(`127.0.0.1:${portOf(config.server.listen)}`);
  });

  test("only Linux nodes", () => {
    expect(podSpec.nodeSelector).toEqual({ "kubernetes.io/os": "linux" });
  });
});

describe("Kubernetes: the agent's configuration in the pod", () => {
  test("the ConfigMap's agent.yaml, with the pod's environment and Secret files, passes the agent's validation without warnings", () => {
    const loaded = loadPodConfig();
    expect(loaded.warnings).toEqual([]);
    expect(loaded.file).toBe(podEnvironment().AIOPS_CONFIG);
    expect(loaded.config.agent.name).toBe(FIELD_SAMPLES["spec.nodeName"]!);
  });

  test("the ConfigMap is mounted as a directory (a subPath mount never sees updates, so no reload)", () => {
    const file = podEnvironment().AIOPS_CONFIG!;
    const mount = mountFor(file);
    expect(volumeOf(mount).configMap.name).toBe(configMap.metadata.name);
    expect(mount.subPath).toBeUndefined();
    expect(mount.readOnly).toBe(true);
    expect(configMap.data[posix.basename(file)]).toBeString();
  });

  test("every secret reference names a key of the example Secret, mounted read-only and unreadable by others", () => {
    const refs = (container.env as Doc[]).filter((e) => e.valueFrom?.secretKeyRef).map((e) => e.valueFrom.secretKeyRef);
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) {
      expect(ref).toMatchObject({ name: secretExample.metadata.name, optional: true });
      expect(Object.keys({ ...secretExample.data, ...secretExample.stringData })).toContain(ref.key);
    }
    const secretVolume = (podSpec.volumes as Doc[]).find((v) => v.secret)!;
    expect(secretVolume.secret).toMatchObject({ secretName: secretExample.metadata.name, optional: true });
    expect(secretVolume.secret.defaultMode & 0o007).toBe(0);
    const env = podEnvironment();
    const fileVars = Object.keys(env).filter((name) => name.startsWith("AIOPS_") && name.endsWith("_FILE"));
    for (const name of fileVars) {
      const mount = mountFor(env[name]!);
      const volume = volumeOf(mount);
      expect(volume.secret?.secretName).toBe(secretExample.metadata.name);
      expect(mount.readOnly).toBe(true);
      expect(volume.secret.defaultMode & 0o007).toBe(0);
      expect(Object.keys({ ...secretExample.data, ...secretExample.stringData })).toContain(posix.relative(mount.mountPath, env[name]!));
    }
  });

  test("the example Secret is not applied by kustomize: its placeholders would become the real token", () => {
    expect(kustomization.resources).not.toContain("secret.example.yaml");
    expect(resources.filter((r) => r.kind === "Secret")).toEqual([]);
  });

  test("the host root is the node's / mounted read-only at AIOPS_HOST_ROOT, with new mounts propagated", () => {
    const { config } = loadPodConfig();
    const mount = (container.volumeMounts as Doc[]).find((m) => m.mountPath === config.agent.host_root);
    expect(mount).toBeDefined();
    expect(volumeOf(mount).hostPath.path).toBe("/");
    expect(mount.readOnly).toBe(true);
    expect(mount.mountPropagation).toBe("HostToContainer");
  });

  test("the data directory is a writable emptyDir, with room for the store's size cap", () => {
    const { config } = loadPodConfig();
    const mount = mountFor(config.agent.data_dir);
    expect(mount.mountPath).toBe(config.agent.data_dir);
    expect(mount.readOnly).not.toBe(true);
    const volume = volumeOf(mount);
    expect(volume.emptyDir).toBeDefined();
    // Past its sizeLimit the kubelet evicts the pod: the database and its WAL must stay well below.
    expect(quantityBytes(volume.emptyDir.sizeLimit)).toBeGreaterThanOrEqual(1.5 * config.store.max_size_mb * 2 ** 20);
  });

  test("the root filesystem is read-only, so /tmp is a volume of its own (SQLite's temporary files)", () => {
    const mount = mountFor("/tmp/x");
    expect(mount?.mountPath).toBe("/tmp");
    expect(volumeOf(mount).emptyDir).toBeDefined();
  });

  test("no variable from a Service link can reach the agent (it warns about unknown AIOPS_* names)", () => {
    expect(podSpec.enableServiceLinks).toBe(false);
  });
});

describe("Kubernetes: port, probes and scraping", () => {
  const port = () => portOf(loadPodConfig().config.server.listen);

  test("the container port, the probes, the scrape annotation and the Service all use the configured port", () => {
    const p = port();
    const http = (container.ports as Doc[]).find((c) => c.name === "http");
    expect(http.containerPort).toBe(p);
    for (const probe of [container.livenessProbe, container.readinessProbe, container.startupProbe]) {
      expect(containerPort(probe.httpGet.port)).toBe(p);
    }
    expect(daemonSet.spec.template.metadata.annotations["prometheus.io/port"]).toBe(String(p));
    const service = one("Service");
    expect(service.spec.ports.map((s: Doc) => containerPort(s.targetPort))).toEqual([p]);
  });

  test("liveness and start-up probe /healthz, readiness probes /readyz", () => {
    expect(container.livenessProbe.httpGet.path).toBe("/healthz");
    expect(container.startupProbe.httpGet.path).toBe("/healthz");
    expect(container.readinessProbe.httpGet.path).toBe("/readyz");
    expect(daemonSet.spec.template.metadata.annotations["prometheus.io/path"]).toBe("/metrics");
  });

  test("the Service is headless and selects the DaemonSet's pods: one endpoint per node", () => {
    const service = one("Service");
    expect(service.spec.clusterIP).toBe("None");
    for (const [k, v] of Object.entries(service.spec.selector)) expect(daemonSet.spec.template.metadata.labels[k]).toBe(v);
  });

  test("the NetworkPolicy admits the agent's port and lets out DNS, HTTPS and Alertmanager", () => {
    const policy = one("NetworkPolicy");
    const ports = (rules: Doc[]) => rules.flatMap((r) => (r.ports ?? []).map((p: Doc) => `${p.protocol ?? "TCP"}/${p.port}`));
    expect(ports(policy.spec.ingress)).toEqual([`TCP/${port()}`]);
    expect(ports(policy.spec.egress)).toEqual(expect.arrayContaining(["UDP/53", "TCP/53", "TCP/443", "TCP/9093"]));
    for (const [k, v] of Object.entries(policy.spec.podSelector.matchLabels)) expect(daemonSet.spec.template.metadata.labels[k]).toBe(v);
  });
});

describe("Kubernetes: one agent per node, least privilege", () => {
  test("the pod runs as a non-root user, with a read-only root, no privilege escalation, no capabilities, RuntimeDefault seccomp", () => {
    const pod = podSpec.securityContext;
    const c = container.securityContext;
    expect(pod.runAsNonRoot || c.runAsNonRoot).toBe(true);
    expect(c.runAsUser ?? pod.runAsUser).toBeGreaterThan(0);
    expect(c.readOnlyRootFilesystem).toBe(true);
    expect(c.allowPrivilegeEscalation).toBe(false);
    expect(c.privileged ?? false).toBe(false);
    expect(c.capabilities.drop).toContain("ALL");
    expect(c.capabilities.add ?? []).toEqual([]);
    expect((c.seccompProfile ?? pod.seccompProfile).type).toBe("RuntimeDefault");
  });

  test("the node's network (to see its interfaces) with cluster DNS kept, its PIDs (the process view) but not its IPC", () => {
    expect(podSpec.hostNetwork).toBe(true);
    expect(podSpec.dnsPolicy).toBe("ClusterFirstWithHostNet");
    expect(podSpec.hostPID).toBe(true);
    expect(podSpec.hostIPC ?? false).toBe(false);
  });

  test("every hostPath is mounted read-only", () => {
    const hostPaths = (podSpec.volumes as Doc[]).filter((v) => v.hostPath).map((v) => v.name);
    expect(hostPaths.length).toBeGreaterThan(0);
    for (const m of container.volumeMounts as Doc[]) if (hostPaths.includes(m.name)) expect(m.readOnly).toBe(true);
  });

  test("no Kubernetes API token is mounted: the agent never calls the API", () => {
    expect(one("ServiceAccount").automountServiceAccountToken).toBe(false);
    expect(podSpec.serviceAccountName).toBe(one("ServiceAccount").metadata.name);
    expect(podSpec.automountServiceAccountToken).toBe(false);
    expect(byKind("Role").concat(byKind("ClusterRole"), byKind("RoleBinding"), byKind("ClusterRoleBinding"))).toEqual([]);
  });

  test("it runs on every node, control-plane included", () => {
    const tolerates = (key: string, effect: string) =>
      (podSpec.tolerations as Doc[]).some(
        (t) => (t.key === undefined ? t.operator === "Exists" : t.key === key) && (t.effect === undefined || t.effect === effect),
      );
    expect(tolerates("node-role.kubernetes.io/control-plane", "NoSchedule")).toBe(true);
    expect(tolerates("node.kubernetes.io/not-ready", "NoExecute")).toBe(true);
  });

  test("rollouts replace pods in place: no surge, since two pods cannot share the node's port", () => {
    const strategy = daemonSet.spec.updateStrategy;
    expect(strategy.type).toBe("RollingUpdate");
    expect(strategy.rollingUpdate.maxSurge ?? 0).toBe(0);
    expect(strategy.rollingUpdate.maxUnavailable).toBeDefined();
  });

  test("the pod's priority class is part of the base and below the system classes", () => {
    const priority = one("PriorityClass");
    expect(podSpec.priorityClassName).toBe(priority.metadata.name);
    expect(priority.value).toBeLessThan(2_000_000_000);
    expect(priority.globalDefault).toBe(false);
  });

  test("resources: requests near the agent's idle use, limits above it", () => {
    const { requests, limits } = container.resources;
    expect(quantityBytes(requests.memory)).toBeGreaterThanOrEqual(60 * 2 ** 20);
    expect(quantityBytes(limits.memory)).toBeGreaterThan(quantityBytes(requests.memory));
    expect(requests.cpu).toBeDefined();
  });

  test("there is no HorizontalPodAutoscaler or PodDisruptionBudget: the count of agents is the count of nodes", () => {
    expect(byKind("HorizontalPodAutoscaler")).toEqual([]);
    expect(byKind("PodDisruptionBudget")).toEqual([]);
    expect(byKind("Deployment")).toEqual([]);
  });

  test("the namespace admits hostNetwork and hostPath pods under Pod Security Admission", () => {
    const namespace = one("Namespace");
    expect(kustomization.namespace).toBe(namespace.metadata.name);
    expect(namespace.metadata.labels["pod-security.kubernetes.io/enforce"]).toBe("privileged");
  });

  test("the stop grace period covers the agent's 5 s stop", () => {
    expect(podSpec.terminationGracePeriodSeconds).toBeGreaterThan(5);
  });
});

const kubectl = ["/usr/bin/kubectl", "/usr/local/bin/kubectl"].find((p) => existsSync(p));
if (!kubectl) console.warn("\n*** SKIPPING: kubectl is not installed; `kubectl kustomize deploy/k8s` was not rendered. ***\n");
test.skipIf(!kubectl)("kubectl kustomize renders the base, with every resource in the agent's namespace and the image set", () => {
  const result = Bun.spawnSync([kubectl!, "kustomize", join(ROOT, K8S)]);
  expect(result.stderr.toString()).toBe("");
  expect(result.exitCode).toBe(0);
  const rendered: Doc[] = yamlDocuments(result.stdout.toString());
  expect(rendered.map((r) => r.kind).sort()).toEqual(resources.map((r) => r.kind).sort());
  const clusterScoped = new Set(["Namespace", "PriorityClass"]);
  for (const r of rendered) if (!clusterScoped.has(r.kind)) expect(r.metadata.namespace).toBe(kustomization.namespace);
  const image = rendered.find((r) => r.kind === "DaemonSet").spec.template.spec.containers[0].image;
  expect(image).toBe(`${kustomization.images[0].newName}:${kustomization.images[0].newTag}`);
});

// ---------------------------------------------------------------------------------------------------
// systemd

const UNIT_PATH = "deploy/systemd/aiops-agent.service";
const unit = parseUnit(read(UNIT_PATH));
const service = unit.get("Service")!;
const last = (key: string) => service.get(key)?.at(-1);

/** The unit's Environment= assignments. */
function unitEnvironment(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of service.get("Environment") ?? []) {
    for (const m of line.matchAll(/"?([A-Za-z_][A-Za-z0-9_]*)=([^"\s]*)"?/g)) env[m[1]!] = m[2]!;
  }
  return env;
}

describe("systemd: the unit", () => {
  test("the example agent.yaml with the unit's environment passes the agent's validation", () => {
    const execStart = last("ExecStart")!.split(/\s+/);
    expect(execStart).toContain("run");
    const file = execStart[execStart.indexOf("--config") + 1]!;
    expect(file).toBe("/etc/aiops-agent/agent.yaml");
    const loaded = loadAsAgent({
      env: unitEnvironment(),
      file,
      readFile: (path) => {
        if (path !== file) throw Object.assign(new Error(`ENOENT: ${path}`), { code: "ENOENT" });
        return read("deploy/systemd/agent.yaml");
      },
    });
    expect(loaded.warnings).toEqual([]);
  });

  test("the data directory is the unit's StateDirectory", () => {
    expect(last("StateDirectory")).toBe("aiops-agent");
    expect(unitEnvironment().AIOPS_DATA_DIR).toBe("/var/lib/aiops-agent");
  });

  test("a bad configuration (exit 78, as main.ts exits) stops the restarts; other failures restart", () => {
    const code = read("src/main.ts").match(/EXIT_CONFIG\s*=\s*(\d+)/)?.[1];
    expect(code).toBe("78");
    expect(last("Restart")).toBe("on-failure");
    expect(last("RestartPreventExitStatus")!.split(/\s+/)).toContain(code!);
  });

  test("reload sends SIGHUP; stop leaves more than the agent's 5 s", () => {
    expect(last("ExecReload")).toMatch(/kill -HUP \$MAINPID$/);
    expect(Number.parseInt(last("TimeoutStopSec")!, 10)).toBeGreaterThan(5);
  });

  test("secrets come from an optional root-read environment file", () => {
    expect(service.get("EnvironmentFile")).toEqual(["-/etc/aiops-agent/env"]);
  });

  test("the hardening keys are set", () => {
    expect(last("DynamicUser") === "yes" || (last("User") !== undefined && last("User") !== "root")).toBe(true);
    expect(last("NoNewPrivileges")).toBe("yes");
    expect(last("CapabilityBoundingSet")).toBe("");
    expect(last("ProtectSystem")).toBe("strict");
    for (const key of ["ProtectKernelTunables", "ProtectKernelModules", "ProtectKernelLogs", "ProtectControlGroups", "PrivateTmp", "PrivateDevices"]) {
      expect(`${key}=${last(key)}`).toBe(`${key}=yes`);
    }
    expect(last("RestrictAddressFamilies")!.split(/\s+/).sort()).toEqual(["AF_INET", "AF_INET6", "AF_NETLINK", "AF_UNIX"]);
    expect(service.get("SystemCallFilter")).toContain("@system-service");
    expect(last("MemoryMax")).toMatch(/^\d+[KMG]$/);
  });

  test("no sandboxing option blinds or breaks the agent", () => {
    // /proc/stat, /proc/meminfo, /proc/net/dev and /proc/pressure are what the collectors read.
    expect(last("ProcSubset") ?? "all").toBe("all");
    // Only the host's network namespace shows its interfaces.
    expect(last("PrivateNetwork") ?? "no").toBe("no");
    // The JavaScript JIT needs writable-then-executable memory.
    expect(last("MemoryDenyWriteExecute") ?? "no").toBe("no");
    // "yes" or "tmpfs" hide the /home filesystem from the disk collector.
    expect(["read-only", "no", undefined]).toContain(last("ProtectHome"));
    // The process view needs other users' /proc/<pid>: invisible would hide every process but its own.
    expect(last("ProtectProc")).toBe("default");
  });
});

const systemdAnalyze = ["/usr/bin/systemd-analyze", "/bin/systemd-analyze"].find((p) => existsSync(p));
if (!systemdAnalyze) console.warn("\n*** SKIPPING: systemd-analyze is not installed; the unit's exposure was not rated. ***\n");
test.skipIf(!systemdAnalyze)("systemd-analyze security rates the unit's exposure 2.0 or lower", () => {
  const result = Bun.spawnSync([systemdAnalyze!, "security", "--offline=true", join(ROOT, UNIT_PATH)]);
  const score = result.stdout.toString().match(/Overall exposure level for \S+: (\d+\.\d+)/)?.[1];
  expect(score).toBeDefined();
  expect(Number(score)).toBeLessThanOrEqual(2.0);
});

// ---------------------------------------------------------------------------------------------------
// Container image

const dockerfile = parseDockerfile(read("Dockerfile.distroless"));
const stages = dockerfile.filter((i) => i.keyword === "FROM").map((i) => i.args.split(/\s+/)[0]!);
const runtime = dockerfile.filter((i) => i.stage === stages.length - 1);
const runtimeOf = (keyword: string) => runtime.filter((i) => i.keyword === keyword).map((i) => i.args);

describe("container image", () => {
  test("the runtime is a distroless glibc image of the build stage's Debian release (the binary links that glibc)", () => {
    const [build, run] = [stages[0]!, stages.at(-1)!];
    expect(build).toMatch(/^node:20-bookworm/);
    expect(run).toMatch(/^gcr\.io\/distroless\/(cc|base)-debian12:nonroot$/);
  });

  test("the build uses the repository's own toolchain: npm ci from the lockfile, then npm run build", () => {
    const runs = dockerfile.filter((i) => i.stage === 0 && i.keyword === "RUN").map((i) => i.args);
    expect(runs.some((r) => r.startsWith("npm ci"))).toBe(true);
    expect(runs.some((r) => r.includes("npm run build"))).toBe(true);
    const copies = dockerfile.filter((i) => i.stage === 0 && i.keyword === "COPY").map((i) => i.args);
    expect(copies[0]).toContain("package-lock.json");
    // scripts/build.ts writes the binary to dist/aiops-agent.
    expect(read("scripts/build.ts")).toContain('"dist/aiops-agent"');
    expect(runtimeOf("COPY").some((c) => c.includes("/dist/aiops-agent "))).toBe(true);
  });

  test("it runs as distroless's non-root user, the binary with `run`, and exposes the default port", () => {
    expect(runtimeOf("USER")).toEqual(["65532:65532"]);
    const entrypoint: string[] = JSON.parse(runtimeOf("ENTRYPOINT")[0]!);
    const cmd: string[] = JSON.parse(runtimeOf("CMD")[0] ?? "[]");
    expect([...entrypoint, ...cmd]).toEqual(["/usr/local/bin/aiops-agent", "run"]);
    const { config } = loadAsAgent({ env: {} });
    expect(runtimeOf("EXPOSE")).toEqual([String(portOf(config.server.listen))]);
  });

  test("HEALTHCHECK runs the binary's own healthcheck in exec form (no shell in distroless), within its time-out", () => {
    const [healthcheck] = runtimeOf("HEALTHCHECK");
    const { options, argv } = dockerHealthcheck(healthcheck!);
    const entrypoint: string[] = JSON.parse(runtimeOf("ENTRYPOINT")[0]!);
    expect(argv).toEqual([entrypoint[0]!, "healthcheck"]);
    // The check's own wait for /readyz ends before Docker's time-out kills it, so it can say why.
    expect(Number.parseInt(options.timeout!, 10) * 1000).toBeGreaterThan(HEALTHCHECK_TIMEOUT_MS);
    expect(options["start-period"]).toBeDefined();
  });

  test("the data directory exists in the image, owned by the non-root user", () => {
    const env = Object.assign({}, ...runtimeOf("ENV").map(dockerEnv));
    expect(runtimeOf("COPY").some((c) => c.includes("--chown=65532:65532") && c.endsWith(` ${env.AIOPS_DATA_DIR}`))).toBe(true);
  });

  test(".dockerignore keeps the host's node_modules and build output out, and everything the build needs in", () => {
    const patterns = read(".dockerignore")
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith("#"));
    const ignored = (path: string) =>
      patterns.some((p) => new RegExp(`^${p.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[^/]*")}(/|$)`).test(path));
    expect(ignored("node_modules")).toBe(true);
    expect(ignored("dist")).toBe(true);
    expect(ignored(".git")).toBe(true);
    for (const needed of ["package.json", "package-lock.json", "tsconfig.json", "bunfig.toml", "scripts/build.ts", "src/main.ts"]) {
      expect(`${needed} ignored: ${ignored(needed)}`).toBe(`${needed} ignored: false`);
    }
  });
});

// ---------------------------------------------------------------------------------------------------
// Every AIOPS_* variable

/** Files that set or mention AIOPS_* variables, with the names each one uses. */
function variablesInDeployFiles(): Array<{ file: string; name: string }> {
  const files: string[] = ["Dockerfile.distroless"];
  const walk = (dir: string) => {
    for (const entry of readdirSync(join(ROOT, dir))) {
      const path = `${dir}/${entry}`;
      if (statSync(join(ROOT, path)).isDirectory()) walk(path);
      else files.push(path);
    }
  };
  walk("deploy");
  return files.flatMap((file) => [...new Set(read(file).match(/\bAIOPS_[A-Z0-9_]+/g) ?? [])].map((name) => ({ file, name })));
}

describe("environment variables", () => {
  test("every AIOPS_* variable named in deploy/ and the Dockerfile is one the agent reads; *_FILE only for secrets", () => {
    const found = variablesInDeployFiles();
    expect(found.length).toBeGreaterThan(5);
    const wrong = found.flatMap(({ file, name }) => {
      const problem = variableProblem(name);
      return problem ? [`${file}: ${name}: ${problem}`] : [];
    });
    expect(wrong).toEqual([]);
  });

  test("the variables the DaemonSet, the unit and the image set are among them", () => {
    const set = [
      ...(container.env as Doc[]).map((e) => e.name),
      ...Object.keys(unitEnvironment()),
      ...runtimeOf("ENV").flatMap((args) => Object.keys(dockerEnv(args))),
    ].filter((n) => n.startsWith("AIOPS_"));
    expect(set).toEqual(expect.arrayContaining(["AIOPS_HOST_ROOT", "AIOPS_DATA_DIR", "AIOPS_CONFIG", "AIOPS_API_TOKEN"]));
    for (const name of set) expect(`${name}: ${variableProblem(name) ?? "read by the agent"}`).toBe(`${name}: read by the agent`);
  });

  test("the unit, the image and the DaemonSet give the runtime the same settings (BUN_*, JIT and GC), and the benches measure the agent with them", () => {
    const runtime = (env: Record<string, string>) => Object.fromEntries(Object.entries(env).filter(([name]) => name.startsWith("BUN_")).sort());
    const fromUnit = runtime(unitEnvironment());
    const fromImage = runtime(Object.assign({}, ...runtimeOf("ENV").map((args) => dockerEnv(args))));
    const fromPod = runtime(Object.fromEntries((container.env as Doc[]).filter((e) => e.value !== undefined).map((e) => [e.name, String(e.value)])));
    expect(Object.keys(fromUnit)).toEqual(expect.arrayContaining(["BUN_JSC_useDFGJIT", "BUN_GC_TIMER_DISABLE"]));
    expect(fromImage).toEqual(fromUnit);
    expect(fromPod).toEqual(fromUnit);
    const previous = process.env.AS_BUILT;
    delete process.env.AS_BUILT;
    try {
      expect(runtime(deployedEnvironment().env)).toEqual(fromUnit);
    } finally {
      if (previous !== undefined) process.env.AS_BUILT = previous;
    }
  });
});

// ---------------------------------------------------------------------------------------------------
// Prometheus and Grafana

/** Histograms are exposed as three series each. */
function withHistogramSeries(names: string[], histograms: Set<string>): string[] {
  return names.flatMap((n) => (histograms.has(n) ? [n, `${n}_bucket`, `${n}_sum`, `${n}_count`] : [n]));
}

/** Self metrics registered in src/ (`metrics.counter("aiops_…")`, gauge, histogram). */
function registeredSelfMetrics(): { names: string[]; histograms: Set<string> } {
  const names: string[] = [];
  const histograms = new Set<string>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(join(ROOT, dir))) {
      const path = `${dir}/${entry}`;
      if (statSync(join(ROOT, path)).isDirectory()) walk(path);
      else if (path.endsWith(".ts")) {
        for (const m of read(path).matchAll(/\.(counter|gauge|histogram)\(\s*"((?:aiops|process)_[a-z0-9_]+)"/g)) {
          names.push(m[2]!);
          if (m[1] === "histogram") histograms.add(m[2]!);
        }
      }
    }
  };
  walk("src");
  return { names, histograms };
}

/**
 * Self metrics the rules name before the stage that exports them exists: the store's and the outbox's.
 * Once a stage registers a metric on the same subject, it must carry exactly this name (test below).
 */
const PENDING_SELF_METRICS: Record<string, RegExp> = {
  aiops_store_degraded: /store.*degraded|degraded.*store/,
  aiops_notifications_dead_lettered_total: /dead.?letter/,
};

/** Series Prometheus makes itself for every target. */
const PROMETHEUS_SERIES = ["up"];

/** Every metric a query may name, with its label names where they are declared (the Series table's). */
function knownMetrics(): Map<string, readonly string[] | undefined> {
  const { names, histograms } = registeredSelfMetrics();
  const known = new Map<string, readonly string[] | undefined>(SERIES.map((s) => [s.metric, s.labels]));
  // Self metrics declare no label names where they are registered: their labels go unchecked.
  for (const n of [...withHistogramSeries(names, histograms), ...Object.keys(PENDING_SELF_METRICS)]) known.set(n, undefined);
  for (const n of PROMETHEUS_SERIES) known.set(n, []);
  return known;
}

const promConfig: Doc = yamlDocuments(read("deploy/prometheus/prometheus.yml"))[0];
const rulesFile = promConfig.rule_files[0] as string;
const rules: Doc[] = (yamlDocuments(read(`deploy/prometheus/${rulesFile}`))[0] as Doc).groups.flatMap((g: Doc) => g.rules);
const dashboard: Doc = JSON.parse(read("deploy/grafana/aiops-agent-hosts.json"));
const dashboardTargets: Doc[] = dashboard.panels.flatMap((p: Doc) => p.targets ?? []);

/**
 * Labels a series carries besides its own: job, instance and what the scrape config adds, or the
 * external labels remote_write adds (agent, environment, host).
 */
function targetLabels(): string[] {
  const labels = new Set(["job", "instance", "agent", "environment", "host"]);
  for (const job of promConfig.scrape_configs as Doc[]) {
    for (const r of job.relabel_configs ?? []) if (r.target_label && !r.target_label.startsWith("__")) labels.add(r.target_label);
    for (const s of job.static_configs ?? []) for (const l of Object.keys(s.labels ?? {})) labels.add(l);
  }
  return [...labels];
}

/** Every PromQL expression of the rules and the dashboard (panel targets and variable queries). */
function expressions(): Array<{ where: string; expr: string }> {
  const out = rules.map((r) => ({ where: `rule ${r.alert ?? r.record}`, expr: r.expr as string }));
  for (const t of dashboardTargets) out.push({ where: `dashboard target ${t.refId}`, expr: t.expr });
  for (const v of dashboard.templating.list as Doc[]) {
    const query: string | undefined = typeof v.query === "string" ? (v.type === "query" ? v.query : undefined) : v.query?.query;
    const labelValues = query?.match(/^label_values\((.+),\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\)$/);
    if (labelValues) out.push({ where: `dashboard variable ${v.name}`, expr: `${labelValues[1]} ` });
  }
  return out;
}

describe("Prometheus rules and Grafana dashboard", () => {
  test("the PromQL reader finds metric names and skips functions, labels, strings, keywords and durations", () => {
    expect(promqlMetricNames('sum by (job, instance) (rate(aiops_ticks_total{job=~"a.*"}[5m] offset 1m)) == 0 and on (job) aiops_interval_seconds <= 1e3')).toEqual([
      "aiops_ticks_total",
      "aiops_interval_seconds",
    ]);
    expect(promqlMetricNames("up == 0")).toEqual(["up"]);
    expect(promqlSelectorLabels('aiops_disk_usage_percent{instance=~"$instance", mountpoint!="/"}')).toEqual([
      { metric: "aiops_disk_usage_percent", labels: ["instance", "mountpoint"] },
    ]);
  });

  test("every metric the rules and the dashboard name exists: in the Series table or among the agent's self metrics", () => {
    const known = knownMetrics();
    const unknown = expressions().flatMap(({ where, expr }) => promqlMetricNames(expr).filter((n) => !known.has(n)).map((n) => `${where}: ${n}`));
    expect(unknown).toEqual([]);
  });

  test("every label matched in a selector of a host series is one the series has, or one the scrape adds", () => {
    const known = knownMetrics();
    const extra = targetLabels();
    const wrong = expressions().flatMap(({ where, expr }) =>
      promqlSelectorLabels(expr).flatMap(({ metric, labels }) => {
        const own = known.get(metric);
        if (own === undefined) return [];
        return labels.filter((l) => !own.includes(l) && !extra.includes(l)).map((l) => `${where}: ${metric}{${l}}`);
      }),
    );
    expect(wrong).toEqual([]);
  });

  test("the rules watch ticks, collector errors, the store and dead-lettered notifications", () => {
    const named = new Set(rules.flatMap((r) => promqlMetricNames(r.expr)));
    for (const metric of ["up", "aiops_ticks_total", "aiops_collector_errors_total", "aiops_store_degraded", "aiops_notifications_dead_lettered_total"]) {
      expect(`${metric} watched: ${named.has(metric)}`).toBe(`${metric} watched: true`);
    }
    expect(rules.find((r) => promqlMetricNames(r.expr).includes("aiops_ticks_total")).expr).toContain("rate(aiops_ticks_total[5m]) == 0");
  });

  test("a self metric the rules expect before it exists, once registered, has exactly the name they use", () => {
    const { names } = registeredSelfMetrics();
    for (const [expected, subject] of Object.entries(PENDING_SELF_METRICS)) {
      const sameSubject = names.filter((n) => subject.test(n));
      for (const n of sameSubject) expect(`registered ${n}`).toBe(`registered ${expected}`);
    }
    // The tick and collector counters the rules use are registered today.
    expect(names).toEqual(expect.arrayContaining(["aiops_ticks_total", "aiops_collector_errors_total", "aiops_interval_seconds"]));
  });

  test("every rule has a severity and a summary naming the instance", () => {
    for (const r of rules) {
      expect(["warning", "critical"]).toContain(r.labels?.severity);
      expect(r.annotations?.summary).toContain("{{ $labels.instance }}");
    }
  });

  test("the dashboard's queries use its own variables and data source", () => {
    const variables = new Set((dashboard.templating.list as Doc[]).map((v) => v.name));
    for (const t of dashboardTargets) {
      for (const [, name] of (t.expr as string).matchAll(/\$([a-zA-Z_]+)/g)) expect(variables.has(name!)).toBe(true);
      expect(t.datasource.uid).toBe("${datasource}");
    }
  });

  test("the dashboard's percent panels draw the agent's default warning and critical levels", () => {
    const { config } = loadAsAgent({ env: {} });
    const levels: Record<string, number> = {
      aiops_cpu_usage_percent: config.thresholds.cpu,
      aiops_memory_usage_percent: config.thresholds.memory,
      aiops_disk_usage_percent: config.thresholds.disk,
      // container_memory_high is raised past the same level as the agent's own cgroup.
      aiops_container_memory_usage_percent: config.thresholds.cgroup_memory,
    };
    for (const panel of dashboard.panels as Doc[]) {
      if (!panel.targets) continue; // a row
      const metric = promqlMetricNames(panel.targets[0].expr)[0]!;
      if (!(metric in levels)) continue;
      expect(panel.fieldConfig.defaults.unit).toBe("percent");
      const steps = panel.fieldConfig.defaults.thresholds.steps.map((s: Doc) => s.value).filter((v: unknown) => v !== null);
      expect(`${metric}: ${steps}`).toBe(`${metric}: ${levels[metric]},${config.thresholds.critical}`);
    }
  });
});

const promtool = findPeer("promtool", ["/usr/bin/promtool", "/usr/local/bin/promtool"]);
describe.skipIf(!promtool)("Prometheus files under promtool", () => {
  const dir = join(ROOT, "deploy/prometheus");
  const run = (...args: string[]) => {
    const r = Bun.spawnSync([promtool!, ...args], { cwd: dir });
    return { code: r.exitCode, output: `${r.stdout.toString()}${r.stderr.toString()}` };
  };

  test("the alerting rules are valid", () => {
    const r = run("check", "rules", rulesFile);
    expect(r.output).toContain("SUCCESS");
    expect(r.code).toBe(0);
  });

  // The anomaly-rate test evaluates a day and more of history minute by minute: seconds of promtool.
  test("the alerting rules fire, and stay quiet, as their unit tests expect", () => {
    const r = run("test", "rules", "aiops-agent-rules.test.yml");
    expect(r.output).toContain("SUCCESS");
    expect(r.code).toBe(0);
  }, 60_000);

  test("the scrape configuration is valid (Kubernetes discovery too, where promtool is built with it)", () => {
    let r = run("check", "config", "prometheus.yml");
    if (r.code !== 0 && r.output.includes("field kubernetes_sd_configs not found")) {
      // Debian's promtool is built without Kubernetes discovery: check the rest of the file.
      const withoutKubernetes = { ...promConfig, rule_files: [join(dir, rulesFile)] };
      withoutKubernetes.scrape_configs = promConfig.scrape_configs.filter((j: Doc) => !j.kubernetes_sd_configs);
      const tmp = mkdtempSync(join(tmpdir(), "aiops-prometheus-"));
      writeFileSync(join(tmp, "prometheus.yml"), JSON.stringify(withoutKubernetes));
      const again = Bun.spawnSync([promtool!, "check", "config", join(tmp, "prometheus.yml")], { cwd: dirname(tmp) });
      r = { code: again.exitCode, output: `${again.stdout.toString()}${again.stderr.toString()}` };
    }
    expect(r.output).toContain("SUCCESS");
    expect(r.code).toBe(0);
  });
});
