import { waitFor } from "./ports.ts";

/**
 * Waits until a terminal's screen, as `capture` reads it (tmux capture-pane), passes `check`, and
 * returns that very capture, never a later one. `stable`: only a screen captured twice running the
 * same counts (a plain terminal prints each screen as lines, and a capture taken mid-print is torn).
 * On time-out the error shows the screen last seen.
 */
export async function waitForScreen(what: string, capture: () => string, check: (screen: string) => boolean, options: { timeoutMs?: number; stable?: boolean } = {}): Promise<string> {
  try {
    return await waitFor(
      what,
      async () => {
        const seen = capture();
        return check(seen) && (!options.stable || capture() === seen) ? seen : undefined;
      },
      options.timeoutMs ?? 25_000,
    );
  } catch (cause) {
    throw new Error(`${(cause as Error).message}; the screen:\n${capture()}`);
  }
}
