import pino from "pino";
import type { Clock } from "./clock.ts";

/** Log levels of the configuration, lowest first. */
export const LOG_LEVELS = ["debug", "info", "warning", "error", "critical"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const LEVEL_VALUES: Record<LogLevel, number> = { debug: 20, info: 30, warning: 40, error: 50, critical: 60 };

/** The agent's logger: pino with the levels of DESIGN.md (`logger.warning(...)`, `logger.critical(...)`). */
export type Logger = pino.Logger<LogLevel, true>;

/** Where log lines go: anything with `write(line)`. */
export interface LogSink {
  write(line: string): void;
}

export interface LoggerOptions {
  level: LogLevel;
  /** Values that must never reach a log line (tokens, webhook URLs, passwords). */
  secrets?: () => readonly string[];
  /** Defaults to standard output. */
  sink?: LogSink;
  /** Human-readable lines instead of JSON (for a terminal). */
  pretty?: boolean;
  /** Stamps each line with its wall time. */
  clock: Clock;
}

const REDACTED = "[REDACTED]";

/** Replaces every occurrence of a secret in a finished log line. Short values are skipped: they would mask ordinary words. */
export function redactSecrets(line: string, secrets: readonly string[], minLength = 6): string {
  let out = line;
  for (const secret of secrets) {
    if (secret.length < minLength) continue;
    if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    // The line is JSON: a secret holding quotes or backslashes appears escaped.
    const escaped = JSON.stringify(secret).slice(1, -1);
    if (escaped !== secret && out.includes(escaped)) out = out.split(escaped).join(REDACTED);
  }
  return out;
}

const PRETTY_COLOURS: Record<string, string> = {
  DEBUG: "\x1b[90m",
  INFO: "\x1b[32m",
  WARNING: "\x1b[33m",
  ERROR: "\x1b[31m",
  CRITICAL: "\x1b[1;31m",
};

/** One JSON log line as `HH:MM:SS LEVEL logger: message key=value…` for people at a terminal. */
export function prettyLine(json: string, colour: boolean): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json;
  }
  const { timestamp, level, logger, message, ...rest } = entry;
  const time = typeof timestamp === "string" ? timestamp.slice(11, 19) : "";
  const name = String(level ?? "");
  const tag = colour ? `${PRETTY_COLOURS[name] ?? ""}${name.padEnd(8)}\x1b[0m` : name.padEnd(8);
  const extras = Object.entries(rest)
    .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
    .join(" ");
  return `${time} ${tag} ${String(logger ?? "")}: ${String(message ?? "")}${extras ? ` ${extras}` : ""}\n`;
}

/**
 * Creates the root logger. Lines are JSON in the shape of DESIGN.md:
 * `{"timestamp":"…","level":"INFO","logger":"aiops_agent.agent","message":"…"}`.
 * Every finished line passes through secret redaction, so a secret inside an error message is caught too.
 */
export function createLogger(options: LoggerOptions): Logger {
  const sink = options.sink ?? { write: (line: string) => void process.stdout.write(line) };
  const secrets = options.secrets ?? (() => []);
  const pretty = options.pretty ?? false;
  const stream = {
    write(line: string) {
      const safe = redactSecrets(line, secrets());
      sink.write(pretty ? prettyLine(safe, true) : safe);
    },
  };
  return pino<LogLevel, true>(
    {
      level: options.level,
      customLevels: LEVEL_VALUES,
      useOnlyCustomLevels: true,
      base: null,
      messageKey: "message",
      // Lines start as DESIGN.md shows them: timestamp, level, logger, then fields and message. Pino
      // writes the level and bindings first and caches the level text, so both come from the mixin.
      formatters: { level: () => ({}) },
      timestamp: () => `"timestamp":"${options.clock.wall().toISOString()}"`,
      mixin: (_merge, level, logger) => ({
        level: LEVEL_NAMES[level] ?? String(level),
        logger: (logger as unknown as Record<symbol, string | undefined>)[COMPONENT] ?? "aiops_agent",
      }),
      mixinMergeStrategy: (merge, mixin) => Object.assign(mixin, merge),
    },
    stream,
  );
}

const LEVEL_NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(LEVEL_VALUES).map(([name, value]) => [value, name.toUpperCase()]),
);
const COMPONENT = Symbol("component");

/** A child logger for one component, named `aiops_agent.<component>`. Always derive it from the root logger. */
export function componentLogger(root: Logger, component: string): Logger {
  const child = root.child({}) as Logger;
  (child as unknown as Record<symbol, string>)[COMPONENT] = `aiops_agent.${component}`;
  return child;
}
