import { z } from "zod";
import { list, number, oneOf, optionalText, requiredText, seconds, section, secretFile, text, textMap, url } from "./fields.ts";
import { parseMatcher } from "./matcher.ts";

/** How an action acts: `dry_run` records what it would do, `approve` waits for a person, `auto` acts. */
export const REMEDIATION_MODES = ["dry_run", "approve", "auto"] as const;
export type RemediationMode = (typeof REMEDIATION_MODES)[number];

/** The kinds of action, one key each in an action. */
export const ACTION_KINDS = ["exec", "signal", "systemd", "http", "cleanup"] as const;
export type ActionKind = (typeof ACTION_KINDS)[number];

/** `{{labels.name}}` in an argument: replaced by the alert's label, after checking it against its pattern. */
export const LABEL_TEMPLATE = /\{\{\s*labels\.([a-zA-Z_][a-zA-Z0-9_]*)\s*\}\}/g;

/** Signals an action may send (the ones a runbook sends; never SIGSTOP, which could freeze the host's work). */
export const ACTION_SIGNALS = ["SIGTERM", "SIGINT", "SIGHUP", "SIGKILL", "SIGQUIT", "SIGUSR1", "SIGUSR2"] as const;

const absolutePath = (doc: string) =>
  requiredText({ doc, pattern: /^\/[^\0]*$/, allowed: "an absolute path (starting with /)" });

/** A regular expression, checked when the configuration loads. */
function regexText(doc: string) {
  return z
    .string({ error: "expected a regular expression" })
    .min(1, { error: "expected a regular expression" })
    .refine(
      (v) => {
        try {
          new RegExp(v);
          return true;
        } catch {
          return false;
        }
      },
      { error: "expected a valid regular expression" },
    )
    .meta({ description: doc });
}

/** Runs a program: no shell, ever; the alert's labels reach it only through checked templates. */
const execAction = () =>
  z.strictObject({
  path: absolutePath("The program to run (absolute path; no shell is involved)."),
  args: list({ doc: "Arguments; `{{labels.NAME}}` is replaced by the alert's label NAME.", default: [], env: false }),
  env: list({ doc: "Names of the agent's environment variables passed on; nothing else is (PATH included).", default: [], env: false }),
  cwd: text({ doc: "Working directory.", default: "/", pattern: /^\/[^\0]*$/, allowed: "an absolute path", env: false }),
  timeout: seconds({ doc: "After this long the program's whole process group is killed.", default: 60, min: 0.1, max: 3600, env: false }),
  output_limit: number({ doc: "Bytes of output (stdout and stderr) kept in the record.", default: 65536, min: 0, max: 1_048_576, integer: true, env: false }),
  label_patterns: z
    .record(z.string(), regexText("pattern a label value must match in full"), { error: "expected a mapping of label names to regular expressions" })
    .default({}),
});

/** Sends a signal to processes chosen by command-line pattern, process name or cgroup. */
const signalAction = () =>
  z.strictObject({
  name: oneOf(ACTION_SIGNALS, { doc: "The signal.", default: "SIGTERM", env: false }),
  process: regexText("regular expression on the command line").optional(),
  comm: optionalText({ doc: "Exact process name (as /proc/PID/comm shows it).", env: false }),
  cgroup: regexText("regular expression on the process's cgroup path").optional(),
  max_processes: number({ doc: "More matching processes than this: nothing is signalled (a pattern too wide).", default: 10, min: 1, max: 10_000, integer: true, env: false }),
});

/** Restarts or reloads a unit through systemd's D-Bus API (no systemctl needed). */
const systemdAction = () =>
  z.strictObject({
  unit: requiredText({
    doc: "The unit, e.g. nginx.service.",
    pattern: /^[a-zA-Z0-9:_.@\\-]+\.(service|socket|target|timer|path|mount|slice|scope)$/,
    allowed: "a unit name such as nginx.service",
  }),
  action: oneOf(["restart", "reload"] as const, { doc: "What to ask systemd.", default: "restart", env: false }),
  bus: optionalText({ doc: "D-Bus address (default: the system bus, unix:path=/run/dbus/system_bus_socket).", env: false }),
  timeout: seconds({ doc: "Longest wait for systemd's job to finish.", default: 60, min: 0.1, max: 3600, env: false }),
});

/** Calls a runbook automation endpoint (AWX, Rundeck, StackStorm, a webhook) with the alert. */
const httpAction = () =>
  z
  .strictObject({
    url: url({ doc: "Where to POST the alert.", secret: true, env: false }),
    url_file: secretFile({ doc: "File holding the URL.", of: "url" }),
    headers: textMap({ doc: "Extra HTTP headers (values are treated as secrets).", secret: true }),
    timeout: seconds({ doc: "Longest one attempt may take.", default: 10, min: 0.01, max: 300, env: false }),
    attempts: number({ doc: "Attempts before giving up (retrying 5xx, 429 and network errors).", default: 3, min: 1, max: 10, integer: true, env: false }),
    ca_file: optionalText({ doc: "PEM file of extra certificate authorities to trust.", env: false, allowed: "a file path" }),
  })
  .superRefine((c, ctx) => {
    if (c.url === undefined && c.url_file === undefined) ctx.addIssue({ code: "custom", path: ["url"], message: "required (or url_file)" });
    if (c.url !== undefined && c.url_file !== undefined) ctx.addIssue({ code: "custom", path: ["url_file"], message: "set only one of url and url_file" });
  });

/** Deletes old files matching a glob under one directory (logs, caches). */
const cleanupAction = () =>
  z.strictObject({
  directory: absolutePath("The only directory it may delete in (nothing outside it, symbolic links never followed)."),
  pattern: requiredText({ doc: "Glob of the files, relative to the directory, e.g. *.log or **/*.gz.", pattern: /^[^/\0][^\0]*$/, allowed: "a relative glob such as *.log" }),
  older_than: seconds({ doc: "Only files not modified for this long.", default: 7 * 86400, min: 60, max: 3650 * 86400, env: false }),
  max_files: number({ doc: "Most files deleted by one run.", default: 1000, min: 1, max: 1_000_000, integer: true, env: false }),
});

/** One remediation action: which alerts it answers, how (mode), and exactly one kind. */
export const actionSchema = () =>
  z
  .strictObject({
    name: requiredText({
      doc: "Name of the action, in records, metrics and the API.",
      pattern: /^[a-z0-9][a-z0-9_-]*$/,
      allowed: "lower-case letters, digits, - and _ (starting with a letter or digit)",
    }),
    match: list({ doc: "Alert label matchers, as silences take them: alertname=cpu_high, mountpoint=~/var.*", default: [], env: false, allowed: "a list of matchers" }),
    mode: oneOf(REMEDIATION_MODES, { doc: "dry_run records what it would do; approve waits for an approval; auto acts.", default: "dry_run", env: false }),
    verify_within: seconds({ doc: "After acting, the alert must resolve within this for the run to succeed.", default: 300, min: 1, max: 86400, env: false }),
    limit: section({
      runs: number({ doc: "Most runs of this action within `within`.", default: 3, min: 1, max: 1000, integer: true, env: false }),
      within: seconds({ doc: "Window of the rate limit.", default: 3600, min: 1, max: 30 * 86400, env: false }),
    }),
    exec: execAction().optional(),
    signal: signalAction().optional(),
    systemd: systemdAction().optional(),
    http: httpAction().optional(),
    cleanup: cleanupAction().optional(),
  })
  .superRefine((a, ctx) => {
    const kinds = ACTION_KINDS.filter((k) => a[k] !== undefined);
    if (kinds.length !== 1) {
      ctx.addIssue({
        code: "custom",
        path: kinds.length === 0 ? [] : [kinds[1]!],
        message: `expected exactly one of ${ACTION_KINDS.join(", ")}${kinds.length > 1 ? ` (this action has ${kinds.join(" and ")})` : ""}`,
      });
    }
    if (a.match.length === 0) ctx.addIssue({ code: "custom", path: ["match"], message: "required (at least one matcher, such as alertname=cpu_high)" });
    a.match.forEach((m, i) => {
      const parsed = parseMatcher(m);
      if (typeof parsed === "string") ctx.addIssue({ code: "custom", path: ["match", i], message: parsed });
    });
    if (a.exec) {
      a.exec.args.forEach((arg, i) => {
        for (const [, label] of arg.matchAll(LABEL_TEMPLATE)) {
          if (a.exec!.label_patterns[label!] === undefined) {
            ctx.addIssue({
              code: "custom",
              path: ["exec", "args", i],
              message: `uses {{labels.${label}}}: add exec.label_patterns.${label}, the pattern its value must match`,
            });
          }
        }
      });
      a.exec.env.forEach((name, i) => {
        if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) ctx.addIssue({ code: "custom", path: ["exec", "env", i], message: "expected an environment variable name" });
      });
    }
    if (a.signal) {
      const selectors = (["process", "comm", "cgroup"] as const).filter((k) => a.signal![k] !== undefined);
      if (selectors.length === 0) ctx.addIssue({ code: "custom", path: ["signal"], message: "expected one of process, comm or cgroup (which processes)" });
    }
    if (a.cleanup?.directory.replace(/\/+$/, "") === "") ctx.addIssue({ code: "custom", path: ["cleanup", "directory"], message: "expected a directory other than /" });
  });

export type ActionConfig = z.output<ReturnType<typeof actionSchema>>;
