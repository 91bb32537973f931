import { existsSync } from "node:fs";
import { test } from "bun:test";

/**
 * Finds a real peer program (Prometheus, Alertmanager, an SMTP server, tmux) for tests that talk to it.
 * Without it, the tests that need it skip loudly on a developer machine and fail under `CI=true`,
 * where `.ci/run` must have installed it.
 */
export function findPeer(name: string, candidates: readonly string[]): string | undefined {
  const path = candidates.find((c) => existsSync(c));
  if (path) return path;
  const message = `${name} is not installed (looked for ${candidates.join(", ")}); tests that need it cannot run`;
  if (process.env.CI === "true") {
    test(`peer ${name} is installed`, () => {
      throw new Error(message);
    });
  } else {
    console.warn(`\n*** SKIPPING: ${message}. Install it (see .ci/run) to run them. ***\n`);
  }
  return undefined;
}
