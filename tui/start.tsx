import { render } from "ink";
import type { Clock } from "../src/clock.ts";
import { App } from "./app.tsx";
import type { DataSource } from "./source.ts";
import { type TerminalMode, TerminalOutput } from "./terminal-output.ts";

/** A TUI on the terminal; `close()` unmounts it and gives the terminal back as it was. */
export interface RunningTui {
  /** Settles once the UI is gone, after a quit key or `close()`. */
  readonly closed: Promise<void>;
  /** Unmounts the UI and restores the terminal (main screen, cursor, cooked mode). Safe twice. */
  close(): Promise<void>;
}

export interface StartTuiOptions {
  source: DataSource;
  /** q or Ctrl-C: the caller decides what quitting means (in-process: stop the agent as SIGTERM does). */
  onQuit: () => void;
  /** Moves the countdowns and "ago" between snapshots. */
  clock: Clock;
  stdout?: NodeJS.WriteStream;
  stdin?: NodeJS.ReadStream;
  /** NO_COLOR: plain text; TERM=dumb: plain text, printed screen after screen (main.ts reads the environment). */
  mode?: TerminalMode;
}

/**
 * Renders the UI full screen, on the terminal's alternate screen as htop and less do, so quitting
 * leaves the shell's screen as it was; only the lines that changed are redrawn. Ink owns Ctrl-C here:
 * in raw mode the terminal sends it as a key, and it quits through `onQuit` like q. On a dumb terminal
 * (lines mode) there is no alternate screen and no cursor movement: each new screen is printed whole.
 */
export function startTui(options: StartTuiOptions): RunningTui {
  const terminal = options.stdout ?? process.stdout;
  const mode = options.mode ?? { plain: false, lines: false };
  const stdout = mode.plain || mode.lines ? (new TerminalOutput(terminal, mode) as unknown as NodeJS.WriteStream) : terminal;
  const instance = render(<App source={options.source} onQuit={options.onQuit} clock={options.clock} />, {
    stdout,
    stdin: options.stdin ?? process.stdin,
    exitOnCtrlC: false,
    // main.ts has checked for a terminal; a CI variable in the environment must not make Ink print only the last frame.
    interactive: true,
    alternateScreen: !mode.lines,
    // Lines mode: every frame written whole (Ink's debug output), with no cursor movement to erase the last.
    debug: mode.lines,
    incrementalRendering: !mode.lines,
    patchConsole: true,
    maxFps: 10,
  });
  let closing: Promise<void> | undefined;
  const closed = instance.waitUntilExit().then(
    () => undefined,
    () => undefined,
  );
  return {
    closed,
    close() {
      closing ??= (async () => {
        instance.unmount();
        await closed;
        options.source.stop();
        // Ink leaves stdin flowing; let the process exit once everything else is done.
        (options.stdin ?? process.stdin).pause?.();
      })();
      return closing;
    },
  };
}
