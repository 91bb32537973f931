import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Snapshot } from "../../src/contracts/snapshot.ts";
import { collectJsonLines } from "../support/lines.ts";

/** End to end: the compiled single binary, built fresh for this run. */
const work = mkdtempSync(join(tmpdir(), "aiops-e2e-"));
const binary = join(work, "aiops-agent");
const ROOT = join(import.meta.dir, "../..");

function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k, v]) => !k.startsWith("AIOPS_") && v !== undefined)) as Record<string, string>;
  return { ...env, ...extra };
}

beforeAll(() => {
  const build = Bun.spawnSync([process.execPath, "scripts/build.ts", binary], { cwd: ROOT });
  if (build.exitCode !== 0) throw new Error(`build failed: ${build.stderr.toString()}${build.stdout.toString()}`);
}, 120_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

function expectEverySection(s: Snapshot): void {
  expect(s.cpu!.count).toBeGreaterThan(0);
  expect(s.cpu!.per_cpu).toHaveLength(s.cpu!.count);
  expect(s.memory!.total).toBeGreaterThan(0);
  expect(s.disk!.total).toBeGreaterThan(0);
  expect(s.disks!.length).toBeGreaterThan(0);
  expect(s.disk_io!.devices.length).toBeGreaterThan(0);
  expect(s.network!.interfaces.length).toBeGreaterThan(0);
  expect(s.uptime_seconds).toBeGreaterThan(0);
  expect(s.load).toBeDefined();
  expect(s.host!.hostname.length).toBeGreaterThan(0);
  expect("pressure" in s).toBe(true);
  expect(s.errors).toBeUndefined();
}

describe("the compiled binary", () => {
  test("--version: the version and the commit it was built from", () => {
    const r = Bun.spawnSync([binary, "--version"]);
    expect(r.exitCode).toBe(0);
    const head = Bun.spawnSync(["git", "-C", ROOT, "rev-parse", "--short=12", "HEAD"]).stdout.toString().trim();
    expect(r.stdout.toString()).toMatch(new RegExp(`^aiops-agent \\d+\\.\\d+\\.\\d+ \\(commit ${head}(-dirty)?\\)\n$`));
  });

  test("collect --once prints a Snapshot with every section filled", () => {
    const r = Bun.spawnSync([binary, "collect", "--once"], { env: cleanEnv() });
    expect(r.exitCode).toBe(0);
    expectEverySection(JSON.parse(r.stdout.toString()));
  });

  test("runs, collects, and stops cleanly on SIGTERM within 5 s", async () => {
    const data = join(work, "data");
    const proc = Bun.spawn([binary, "run"], {
      env: cleanEnv({ AIOPS_INTERVAL: "0.5", AIOPS_DATA_DIR: data, AIOPS_LISTEN: "127.0.0.1:0", AIOPS_LOG_FORMAT: "json" }),
      stdout: "pipe",
      stderr: "pipe",
    });
    const lines: Array<Record<string, unknown>> = [];
    const reader = collectJsonLines(proc.stdout, lines);
    const deadline = Date.now() + 15_000;
    while (!lines.some((l) => l.message === "Metrics collected successfully") && Date.now() < deadline) await Bun.sleep(50);
    expect(lines.some((l) => l.message === "Metrics collected successfully")).toBe(true);
    // One line at start says where to look next: the metrics, the API, and how to watch it live.
    const where = lines.find((l) => typeof l.message === "string" && l.message.startsWith("Serving 127.0.0.1:"));
    const base = `http://${String(where?.message).match(/^Serving (127\.0\.0\.1:\d+)/)?.[1]}`;
    expect(where).toMatchObject({ metrics: `${base}/metrics`, api: `${base}/api/v1`, tui: `aiops-agent tui --url ${base}` });
    expect(where?.message).toBe(`Serving ${base.slice(7)}: metrics at ${base}/metrics, the API at ${base}/api/v1; watch it live with: aiops-agent tui --url ${base}`);
    expect((await fetch(`${base}/metrics`)).ok).toBe(true);
    const stopAt = Date.now();
    proc.kill("SIGTERM");
    const code = await proc.exited;
    await reader;
    expect(Date.now() - stopAt).toBeLessThan(5000);
    expect(code).toBe(0);
    expect(lines.some((l) => l.message === "Agent stopped")).toBe(true);
    expect(lines.every((l) => l.level !== "ERROR" && l.level !== "CRITICAL")).toBe(true);
  }, 30_000);
});

/**
 * The distroless case: a root filesystem holding only the binary and its shared libraries (no shell,
 * no coreutils), read-only, run as an unprivileged user. Needs root to build the chroot (CI runs as root).
 */
describe("the binary alone in a read-only root, as nobody", () => {
  const canChroot = process.getuid?.() === 0 && Bun.which("unshare") !== null && Bun.which("chroot") !== null;
  if (!canChroot) {
    const why = "needs root, unshare and chroot to build a minimal root filesystem";
    if (process.env.CI === "true") test("the minimal-root test can run", () => { throw new Error(why); });
    else console.warn(`\n*** SKIPPING the minimal-root test: ${why} ***\n`);
    return;
  }

  test("collect --once reports CPU, memory, every disk and network, and nothing crashes", () => {
    const rootfs = join(work, "rootfs");
    for (const dir of ["proc", "sys", "tmp"]) mkdirSync(join(rootfs, dir), { recursive: true });
    copyFileSync(binary, join(rootfs, "aiops-agent"));
    // The shared libraries the binary links, exactly as the dynamic linker resolves them.
    const ldd = Bun.spawnSync(["ldd", binary]).stdout.toString();
    for (const path of ldd.match(/\/\S+\.so[.\d]*/g) ?? []) {
      mkdirSync(join(rootfs, path, ".."), { recursive: true });
      copyFileSync(path, join(rootfs, path));
    }
    const script = [
      `mount --bind ${rootfs} ${rootfs}`,
      `mount -t proc proc ${rootfs}/proc`,
      `mount --rbind /sys ${rootfs}/sys`,
      `mount -o remount,bind,ro ${rootfs}`,
      `exec chroot --userspec=65534:65534 ${rootfs} /aiops-agent collect --once`,
    ].join(" && ");
    const r = Bun.spawnSync(["unshare", "--mount", "--fork", "sh", "-c", script], { env: { PATH: "/usr/sbin:/usr/bin:/sbin:/bin" } });
    expect(r.stderr.toString()).not.toContain("panic");
    expect(r.exitCode).toBe(0);
    const snapshot = JSON.parse(r.stdout.toString()) as Snapshot;
    expectEverySection(snapshot);
    expect(snapshot.disks!.map((d) => d.mountpoint)).toContain("/");
  }, 60_000);
});
