import { describe, expect, test } from "bun:test";
import { ConfigError, loadConfig } from "../../src/config/load.ts";
import { formatEffectiveConfig } from "../../src/config/print.ts";

function problems(options: Parameters<typeof loadConfig>[0]): string[] {
  try {
    loadConfig(options);
  } catch (cause) {
    if (cause instanceof ConfigError) return cause.problems;
    throw cause;
  }
  throw new Error("expected the configuration to be rejected");
}

const files = (texts: Record<string, string>) => (path: string) => {
  const text = texts[path];
  if (text === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: "ENOENT" });
  return text;
};

describe("defaults < YAML file < environment", () => {
  test("the embedded defaults are DESIGN.md's", () => {
    const { config } = loadConfig({ env: {} });
    expect(config.agent.interval).toBe(10);
    expect(config.agent.environment).toBe("production");
    expect(config.server.listen).toBe("0.0.0.0:8080");
    expect(config.agent.data_dir).toBe("./data");
    expect(config.agent.host_root).toBe("/");
    expect(config.log.level).toBe("info");
    expect(config.thresholds).toEqual({ cpu: 80, memory: 85, disk: 90, critical: 95, inodes: 90, swap: 80, cgroup_memory: 90, hysteresis: 5, for: 0 });
  });

  test("the file overrides defaults and the environment overrides the file, and each says where it came from", () => {
    const loaded = loadConfig({
      env: { AIOPS_INTERVAL: "30", AIOPS_AGENT_NAME: "web-1" },
      file: "agent.yaml",
      readFile: files({ "agent.yaml": "agent:\n  interval: 5m\n  environment: staging\nthresholds:\n  cpu: 70\n" }),
    });
    expect(loaded.config.agent.interval).toBe(30);
    expect(loaded.config.agent.environment).toBe("staging");
    expect(loaded.config.agent.name).toBe("web-1");
    expect(loaded.config.thresholds.cpu).toBe(70);
    expect(loaded.sources.get("agent.interval")).toEqual({ kind: "env", name: "AIOPS_INTERVAL" });
    expect(loaded.sources.get("thresholds.cpu")).toEqual({ kind: "file", file: "agent.yaml", line: 5 });
  });

  test("durations read as seconds: 90, 1m30s and 500ms", () => {
    expect(loadConfig({ env: { AIOPS_INTERVAL: "1m30s" } }).config.agent.interval).toBe(90);
    expect(loadConfig({ env: { AIOPS_INTERVAL: "500ms" } }).config.agent.interval).toBe(0.5);
  });

  test("a secret can come from a *_FILE path (a mounted Kubernetes Secret), without its trailing newline", () => {
    const loaded = loadConfig({ env: { AIOPS_API_TOKEN_FILE: "/run/secrets/token" }, readFile: files({ "/run/secrets/token": "s3cr3t-token-0123456789\n" }) });
    expect(loaded.config.server.api_token).toBe("s3cr3t-token-0123456789");
    expect(loaded.secrets).toContain("s3cr3t-token-0123456789");
  });

  test("a mode default (--tui collects every second) yields to the file and the environment", () => {
    const mode = { mode: "--tui", values: { "agent.interval": 1 } };
    expect(loadConfig({ env: {}, modeDefaults: mode }).config.agent.interval).toBe(1);
    expect(loadConfig({ env: { AIOPS_INTERVAL: "3" }, modeDefaults: mode }).config.agent.interval).toBe(3);
  });

  test("an unknown AIOPS_ variable is a warning with a suggestion, not a failure (Kubernetes injects service variables)", () => {
    const loaded = loadConfig({ env: { AIOPS_INTERVL: "5", AIOPS_AGENT_SERVICE_HOST: "10.0.0.1" } });
    expect(loaded.warnings).toContain("AIOPS_INTERVL: not a setting, ignored; did you mean AIOPS_INTERVAL?");
    expect(loaded.warnings.some((w) => w.startsWith("AIOPS_AGENT_SERVICE_HOST: not a setting"))).toBe(true);
  });
});

describe("each bad input is named: key, source, what is allowed", () => {
  test("a non-number interval", () => {
    expect(problems({ env: { AIOPS_INTERVAL: "soon" } })).toEqual([
      'agent.interval (env AIOPS_INTERVAL): expected seconds from 0.1 to 3600, as a number or a duration such as 30s, 5m, 1h, 7d; got "soon"',
    ]);
  });

  test("a threshold of 150", () => {
    expect(problems({ env: {}, file: "a.yaml", readFile: files({ "a.yaml": "thresholds:\n  cpu: 150\n" }) })).toEqual([
      "thresholds.cpu (a.yaml:2): expected a number from 0 to 100 (percent); got 150",
    ]);
  });

  test("an unknown key, with the nearest allowed one", () => {
    expect(problems({ env: {}, file: "a.yaml", readFile: files({ "a.yaml": "agent:\n  intervall: 5\n" }) })).toEqual([
      "agent.intervall (a.yaml:2): unknown key (did you mean interval?); allowed here: name, environment, interval, data_dir, host_root",
    ]);
  });

  test("a YAML syntax error, with its line", () => {
    expect(problems({ env: {}, file: "a.yaml", readFile: files({ "a.yaml": "agent:\n  name: web\n  interval: [5\nlog:\n  level: info\n" }) })).toEqual([
      "a.yaml:3: YAML syntax error: Unexpected token",
    ]);
  });

  test("a missing file", () => {
    expect(problems({ env: {}, file: "nowhere.yaml", readFile: files({}) })).toEqual([
      "nowhere.yaml: cannot read the configuration file (ENOENT)",
    ]);
  });

  test("a warning level at or above the critical level", () => {
    expect(problems({ env: { AIOPS_MEMORY_THRESHOLD: "96" } })).toEqual([
      "thresholds.memory (env AIOPS_MEMORY_THRESHOLD): expected a warning level below thresholds.critical (95); got 96",
    ]);
  });

  test("every problem at once, one line each", () => {
    expect(
      problems({ env: { AIOPS_LOG_LEVEL: "loud" }, file: "a.yaml", readFile: files({ "a.yaml": "agent:\n  interval: -1\nserver:\n  listen: everywhere\n" }) }),
    ).toEqual([
      "agent.interval (a.yaml:2): expected seconds from 0.1 to 3600, as a number or a duration such as 30s, 5m, 1h, 7d; got -1",
      "log.level (env AIOPS_LOG_LEVEL): expected one of debug, info, warning, error, critical; got \"loud\"",
      "server.listen (a.yaml:4): expected host:port, [ipv6]:port or :port; got \"everywhere\"",
    ]);
  });

  test("a secret's bad value is not echoed", () => {
    expect(problems({ env: { AIOPS_WEBHOOK_URL: "hooks.example/T0KEN-abcdef" } })).toEqual([
      "alert.webhook_url (env AIOPS_WEBHOOK_URL): expected an http:// or https:// URL; got [REDACTED]",
    ]);
  });

  test("both a secret and its _FILE variant", () => {
    expect(problems({ env: { AIOPS_API_TOKEN: "abcdefgh", AIOPS_API_TOKEN_FILE: "/x" }, readFile: files({ "/x": "y" }) })).toEqual([
      "server.api_token (env AIOPS_API_TOKEN_FILE): set only one of AIOPS_API_TOKEN and AIOPS_API_TOKEN_FILE",
    ]);
  });
});

describe("config --print", () => {
  test("shows every effective value with its source, secrets redacted", () => {
    const loaded = loadConfig({
      env: { AIOPS_API_TOKEN: "very-secret-token", AIOPS_INTERVAL: "5" },
      file: "agent.yaml",
      readFile: files({ "agent.yaml": "thresholds:\n  disk: 80\n" }),
    });
    const text = formatEffectiveConfig(loaded);
    expect(text).not.toContain("very-secret-token");
    expect(text).toMatch(/^server\.api_token = "\[REDACTED\]"\s+# env AIOPS_API_TOKEN$/m);
    expect(text).toMatch(/^agent\.interval = 5\s+# env AIOPS_INTERVAL$/m);
    expect(text).toMatch(/^thresholds\.disk = 80\s+# agent\.yaml:2$/m);
    expect(text).toMatch(/^thresholds\.cpu = 80\s+# default$/m);
  });

  test("credentials written into any URL are redacted, join the secrets, and are not echoed in errors", () => {
    const yaml = `alert:
  channels:
    - name: am
      type: alertmanager
      urls: ["http://ops:am-s3cret-pass@am-0:9093", "http://am-1:9093"]
    - name: snow
      type: servicenow
      url: https://integration:snow-pa55word-x@example.service-now.com
      token: servicenow-token-24680abc
`;
    const loaded = loadConfig({ env: {}, file: "agent.yaml", readFile: files({ "agent.yaml": yaml }) });
    const text = formatEffectiveConfig(loaded);
    expect(text).not.toContain("am-s3cret-pass");
    expect(text).not.toContain("snow-pa55word-x");
    expect(text).toMatch(/^alert\.channels\[0\]\.urls = \["http:\/\/\[REDACTED\]@am-0:9093","http:\/\/am-1:9093"\]/m);
    expect(loaded.secrets).toEqual(expect.arrayContaining(["am-s3cret-pass", "ops:am-s3cret-pass", "snow-pa55word-x"]));
    const bad = problems({ env: {}, file: "agent.yaml", readFile: files({ "agent.yaml": "alert:\n  channels:\n    - name: am\n      type: alertmanager\n      urls: [\"ftp://ops:am-s3cret-pass@am-0\"]\n" }) });
    expect(bad.join("\n")).not.toContain("am-s3cret-pass");
  });
});
