import { closeSync, mkdirSync, openSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { LogSink } from "./log.ts";

/** Name of the log file in the data directory, where `--tui` writes its log: the screen belongs to the UI. */
export const TUI_LOG_FILE = "aiops-agent.log";

/** An open log file: a sink for the logger, the path it went to, and why it is not the one asked for. */
export interface LogFile {
  sink: LogSink;
  path: string;
  /** Set when the data directory could not take the log and it went to the temporary directory instead. */
  fallbackReason?: string;
  close(): void;
}

function open(path: string): number {
  return openSync(path, "a", 0o640);
}

/**
 * Opens `<dataDir>/aiops-agent.log` for appending, creating the directory. When the directory cannot
 * be written (read-only, full), the log goes to the temporary directory rather than onto the screen.
 * Lines are written synchronously: the agent logs a few lines a minute, and none is lost at exit.
 */
export function openLogFile(dataDir: string): LogFile {
  let path = join(dataDir, TUI_LOG_FILE);
  let fd: number;
  let fallbackReason: string | undefined;
  try {
    mkdirSync(dataDir, { recursive: true });
    fd = open(path);
  } catch (cause) {
    fallbackReason = `cannot write ${path} (${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message})`;
    path = join(tmpdir(), `aiops-agent-${process.pid}.log`);
    fd = open(path);
  }
  let closed = false;
  return {
    path,
    ...(fallbackReason !== undefined ? { fallbackReason } : {}),
    sink: {
      write(line) {
        if (!closed) writeSync(fd, line);
      },
    },
    close() {
      if (closed) return;
      closed = true;
      closeSync(fd);
    },
  };
}
