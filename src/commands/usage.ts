/**
 * What `--help` prints: the overview, and for each command (`aiops-agent COMMAND --help`) what it does,
 * its options, its exit codes and an example. Kept to 80 columns, as a terminal over SSH shows them.
 */

export const COMMANDS = ["run", "tui", "collect", "inventory", "check-config", "config", "replay", "test-alert", "healthcheck"] as const;
export type Command = (typeof COMMANDS)[number];

const COMMON = `  -c, --config FILE       YAML configuration file (also AIOPS_CONFIG)
  -h, --help              show this help`;

export const USAGE = `Usage: aiops-agent [command] [options]

Commands:
  run [--tui]             run the agent (the default); --tui also shows a live
                          terminal UI in the same process
  tui --url URL           watch a running agent from here, over its HTTP API
  collect --once          print one snapshot of this host as JSON and exit
  inventory               print what the host is (OS, kernel, CPU...) as JSON
  check-config            validate the configuration (exit 78 when invalid)
  config --print          show the effective configuration and its sources
  replay --input FILE.csv run the detectors over a CSV of timestamp,value
  test-alert              send a test notification through every channel
  healthcheck [--url URL] exit 0 when the running agent answers ready on
                          /readyz, 1 otherwise (Docker, Compose, Nomad)

Options:
  -c, --config FILE       YAML configuration file (also AIOPS_CONFIG)
  -h, --help              show this help; aiops-agent COMMAND --help (or
                          aiops-agent help COMMAND) shows that command's
  -v, --version           show the version and the commit it was built from

Every setting can also come from an AIOPS_* environment variable; see the
README.`;

const HELP: Record<Command, string> = {
  run: `Usage: aiops-agent [run] [--tui] [-c FILE]

Runs the agent: collects every agent.interval, detects anomalies, raises and
delivers alerts, and serves /metrics, /healthz, /readyz and /api/v1 on
server.listen (default 0.0.0.0:8080). Its first lines in the log say where to
look next. SIGTERM or SIGINT stop it within 5 s; SIGHUP, or a change to the
configuration file, reloads the configuration (a bad file keeps the running
one).

Options:
      --tui               also show the terminal UI in this process: interval
                          1 s unless set, the log in <data_dir>/aiops-agent.log,
                          q or Ctrl-C stops the agent
${COMMON}

Exit codes: 0 stopped by a signal or q, 1 could not start (port in use),
78 invalid configuration.

Example:
  AIOPS_LISTEN=127.0.0.1:8080 aiops-agent run -c /etc/aiops-agent/agent.yaml`,

  tui: `Usage: aiops-agent tui --url URL [--token TOKEN]

Watches a running agent (a systemd service, a pod behind kubectl port-forward)
from this terminal: the alerts already firing, recent deliveries and
anomalies, then everything live over its event stream. It only reads;
quitting (q) leaves the agent running. A dropped connection is retried and
resumes where it left off.

Options:
      --url URL           the agent's address, http://host:port
      --token TOKEN       bearer token for /api/v1 (better: AIOPS_API_TOKEN or
                          AIOPS_API_TOKEN_FILE, which ps does not show)
${COMMON}

NO_COLOR=1 shows it without colour; TERM=dumb also without the alternate
screen or cursor movement: each change is printed as a new plain screen.

Example:
  aiops-agent tui --url http://web-1:8080`,

  collect: `Usage: aiops-agent collect --once

Prints one snapshot of this host as JSON (two readings 250 ms apart, so rates
are real) and exits. Notes about missing sources go to standard error.

Options:
      --once              required: one snapshot, then exit
${COMMON}

Example:
  aiops-agent collect --once | jq .memory`,

  inventory: `Usage: aiops-agent inventory

Prints what the host is (OS, kernel, CPU model, cores, memory, hypervisor,
machine) as JSON and exits. On Linux it reads os-release, /proc and sysfs under
agent.host_root and starts no program.

Options:
${COMMON}`,

  "check-config": `Usage: aiops-agent check-config [-c FILE]

Validates the configuration (defaults < file < AIOPS_* environment) and exits:
0 when valid, 78 with one line per problem (the key, where it came from and
what is allowed) when not.

Options:
${COMMON}

Example:
  aiops-agent check-config -c /etc/aiops-agent/agent.yaml`,

  config: `Usage: aiops-agent config --print [-c FILE]

Prints the effective configuration, one key a line, with where each value came
from (default, file:line or environment variable); secrets show [REDACTED].

Options:
      --print             required: print the configuration
${COMMON}`,

  replay: `Usage: aiops-agent replay --input FILE.csv [--output FILE.csv]
                          [--detector NAME] [--metric NAME]

Runs the detectors over a CSV of timestamp,value as fast as they go and writes
timestamp,value,anomaly_score: one output row per input row, in order. A row
it cannot use (an unreadable time or value, a time going backwards) is written
with score 0 and reported on standard error with its line number.

Options:
      --input FILE.csv    required: the series to replay
      --output FILE.csv   where to write (default: standard output)
      --detector NAME     ensemble (default), statistical, contextual,
                          threshold, forecast
      --metric NAME       a metric of the Series table, so its thresholds and
                          forecast apply (e.g. aiops_cpu_usage_percent)
${COMMON}

Exit codes: 0 done, 1 the input cannot be read, 2 a bad option.`,

  "test-alert": `Usage: aiops-agent test-alert [--channel NAME] [-c FILE]

Sends a test notification through every configured alert channel (or one) and
prints, per channel, delivered or the exact failure.

Options:
      --channel NAME      only this channel
${COMMON}

Exit codes: 0 every channel delivered, 1 any failed (or none configured),
2 no channel of that name, 78 invalid configuration.`,

  healthcheck: `Usage: aiops-agent healthcheck [--url URL] [-c FILE]

Asks a running agent whether it is ready (GET /readyz: configuration loaded,
first collection done) and exits 0 when it answers 200, 1 otherwise: another
status, no answer within 4 s, nobody listening, or a configuration that names
no reachable address. One line says which. For exec-form health checks where
the image has no shell or curl:
  Docker   HEALTHCHECK CMD ["/usr/local/bin/aiops-agent", "healthcheck"]
  Compose  healthcheck:
             test: ["CMD", "/usr/local/bin/aiops-agent", "healthcheck"]
  Nomad    check { type = "script", command = "/usr/local/bin/aiops-agent",
                   args = ["healthcheck"] }

Options:
      --url URL           the agent's address (default: server.listen of the
                          configuration, every interface reached on 127.0.0.1)
${COMMON}`,
};

/** `aiops-agent COMMAND --help`. */
export function commandHelp(command: Command): string {
  return HELP[command];
}
