import { describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { systemClock } from "../../src/clock.ts";
import { createExecAction } from "../../src/remediate/exec-action.ts";
import { waitFor } from "../support/ports.ts";
import { ALERT, actionConfig, alive } from "./support.ts";

const never = new AbortController().signal;

function exec(entry: Record<string, unknown>, env: Record<string, string> = {}) {
  return createExecAction(actionConfig({ exec: entry }).exec!, { env, clock: systemClock });
}

async function prepareOk(action: ReturnType<typeof exec>, alert = ALERT) {
  const prepared = await action.prepare(alert);
  if ("refused" in prepared) throw new Error(`refused: ${prepared.refused}`);
  return prepared;
}

describe("exec action: a program with arguments, never a shell", () => {
  test("runs the program with the labels filled in, only the allowed environment, and records its output and exit code", async () => {
    const action = exec(
      { path: "/usr/bin/env", args: ["--", "/bin/echo", "mount={{labels.mountpoint}}"], env: ["KEEP_ME"], label_patterns: { mountpoint: "/[a-z/]*" } },
      { KEEP_ME: "yes", SECRET_TOKEN: "must-not-pass", PATH: "/usr/bin:/bin" },
    );
    const prepared = await prepareOk(action, { ...ALERT, labels: { ...ALERT.labels, mountpoint: "/var/log" } });
    expect(prepared.plan).toBe("/usr/bin/env -- /bin/echo mount=/var/log");
    const result = await prepared.run(never);
    expect(result).toEqual({ ok: true, reason: "", exitCode: 0, signal: null, output: "mount=/var/log\n" });

    const env = await (await prepareOk(exec({ path: "/usr/bin/env" }, { KEEP_ME: "yes", SECRET_TOKEN: "no" }))).run(never);
    expect(env.output).toBe("");
    const kept = await (await prepareOk(exec({ path: "/usr/bin/env", env: ["KEEP_ME"] }, { KEEP_ME: "yes", SECRET_TOKEN: "no" }))).run(never);
    expect(kept.output).toBe("KEEP_ME=yes\n");
  });

  test("a label that fails its pattern is refused before anything runs: it can never inject an argument", async () => {
    const dir = mkdtempSync(join(tmpdir(), "aiops-exec-"));
    const action = exec({ path: "/usr/bin/touch", args: [`${dir}/{{labels.mountpoint}}`], label_patterns: { mountpoint: "[a-z]+" } });
    const prepared = await action.prepare({ ...ALERT, labels: { mountpoint: "x --reference=/etc/shadow" } });
    expect(prepared).toEqual({ refused: 'label mountpoint="x --reference=/etc/shadow" does not match its pattern [a-z]+' });
    const missing = await action.prepare(ALERT);
    expect(missing).toEqual({ refused: 'label mountpoint="" does not match its pattern [a-z]+' });
  });

  test("a shell metacharacter in a label is one argument, never a command", async () => {
    const action = exec({ path: "/bin/echo", args: ["{{labels.device}}"], label_patterns: { device: ".*" } });
    const prepared = await prepareOk(action, { ...ALERT, labels: { device: "sda; touch /tmp/pwned-by-label" } });
    expect(prepared.plan).toBe("/bin/echo 'sda; touch /tmp/pwned-by-label'");
    expect((await prepared.run(never)).output).toBe("sda; touch /tmp/pwned-by-label\n");
  });

  test("a program that hangs is killed at its time-out with everything it started", async () => {
    const dir = mkdtempSync(join(tmpdir(), "aiops-exec-"));
    const pidFile = join(dir, "child.pid");
    const action = exec({ path: "/bin/sh", args: ["-c", `sleep 60 & echo $! > ${pidFile}; wait`], timeout: "1s" });
    const started = Date.now();
    const result = await (await prepareOk(action)).run(never);
    expect(result.ok).toBe(false);
    expect(result.reason).toBe("timed out after 1 s: its process group was killed");
    expect(result.signal).toBe("SIGKILL");
    expect(Date.now() - started).toBeLessThan(10_000);
    const child = Number(readFileSync(pidFile, "utf8"));
    await waitFor("the background child to be gone", async () => (alive(child) ? undefined : true), 5000);
  });

  test("output beyond the cap is cut, and a flood never blocks the program", async () => {
    const action = exec({ path: "/bin/sh", args: ["-c", "head -c 5000000 /dev/zero | tr '\\0' x; echo done >&2"], output_limit: 100 });
    const result = await (await prepareOk(action)).run(never);
    expect(result.ok).toBe(true);
    expect(result.output.startsWith("x".repeat(100))).toBe(true);
    expect(result.output).toContain("more bytes cut]");
    expect(result.output.length).toBeLessThan(200);
  });

  test("a non-zero exit is a failure with its code; a missing program says so", async () => {
    const failing = await (await prepareOk(exec({ path: "/bin/sh", args: ["-c", "echo no space left >&2; exit 3"] }))).run(never);
    expect(failing).toMatchObject({ ok: false, reason: "exited with code 3", exitCode: 3, output: "no space left\n" });
    const missing = await (await prepareOk(exec({ path: "/nonexistent/program" }))).run(never);
    expect(missing.ok).toBe(false);
    expect(missing.reason).toContain("/nonexistent/program");
  });

  test("the agent stopping cuts the program and says so", async () => {
    const abort = new AbortController();
    const running = (await prepareOk(exec({ path: "/bin/sleep", args: ["30"] }))).run(abort.signal);
    setTimeout(() => abort.abort(), 200);
    expect(await running).toMatchObject({ ok: false, reason: "the agent stopped while it ran: its process group was killed", signal: "SIGKILL" });
  });

  test("the working directory is the action's", async () => {
    const dir = mkdtempSync(join(tmpdir(), "aiops-exec-"));
    writeFileSync(join(dir, "marker"), "");
    const result = await (await prepareOk(exec({ path: "/bin/ls", cwd: dir }))).run(never);
    expect(result.output).toBe("marker\n");
  });
});
