import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dockerEnv, dockerHealthcheck, parseDockerfile } from "../deploy/parse.ts";
import { freePort, waitFor } from "../support/ports.ts";
import { testServer } from "../server/support.ts";

/**
 * The image's HEALTHCHECK as Docker would run it, without Docker: its exec-form command line from
 * Dockerfile.distroless, the binary path pointed at a freshly compiled binary, the image's environment,
 * against the compiled agent once ready, a server still before its first collection, and nothing.
 */
const ROOT = join(import.meta.dir, "../..");
const work = mkdtempSync(join(tmpdir(), "aiops-healthcheck-e2e-"));
const binary = join(work, "aiops-agent");

const dockerfile = parseDockerfile(readFileSync(join(ROOT, "Dockerfile.distroless"), "utf8"));
const lastStage = Math.max(...dockerfile.map((i) => i.stage));
const runtime = dockerfile.filter((i) => i.stage === lastStage);
const imageEnv: Record<string, string> = Object.assign({}, ...runtime.filter((i) => i.keyword === "ENV").map((i) => dockerEnv(i.args)));
const { argv } = dockerHealthcheck(runtime.find((i) => i.keyword === "HEALTHCHECK")!.args);

/**
 * Runs the HEALTHCHECK command line with the image's environment and an agent address, as `-e AIOPS_LISTEN=…`
 * sets it. Asynchronously: a server in this process must go on answering meanwhile.
 */
async function runHealthcheck(listen: string) {
  const command = argv.map((a, i) => (i === 0 ? binary : a));
  const env = { PATH: "/usr/bin:/bin", ...imageEnv, AIOPS_DATA_DIR: join(work, "data"), AIOPS_LISTEN: listen };
  const proc = Bun.spawn(command, { env, cwd: work, stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { code, stdout, stderr };
}

let agent: ReturnType<typeof Bun.spawn> | undefined;
afterAll(() => {
  agent?.kill("SIGKILL");
  rmSync(work, { recursive: true, force: true });
});

beforeAll(() => {
  const build = Bun.spawnSync([process.execPath, "scripts/build.ts", binary], { cwd: ROOT });
  if (build.exitCode !== 0) throw new Error(`build: ${build.stderr.toString()}`);
}, 120_000);

describe("Dockerfile.distroless HEALTHCHECK, run as Docker runs it", () => {
  test("against the compiled agent: 1 while it starts (or before it listens), 0 once ready", async () => {
    const listen = `127.0.0.1:${freePort()}`;
    expect((await runHealthcheck(listen)).code).toBe(1);
    agent = Bun.spawn([binary, "run"], { env: { PATH: "/usr/bin:/bin", ...imageEnv, AIOPS_DATA_DIR: join(work, "data"), AIOPS_LISTEN: listen }, stdout: "ignore", stderr: "ignore" });
    const ready = await waitFor("the healthcheck to pass", async () => {
      const r = await runHealthcheck(listen);
      return r.code === 0 ? r : undefined;
    }, 30_000);
    expect(ready.stdout).toBe(`ready: http://${listen}/readyz answered 200\n`);
    expect(ready.stderr).toBe("");
  }, 60_000);

  test("against an agent before its first collection: 1, saying what it waits for", async () => {
    const { server } = testServer({ health: { ready: false, ticks: 0, reasons: ["first collection not done yet"] } });
    const { port } = server.listen("127.0.0.1:0");
    try {
      const r = await runHealthcheck(`127.0.0.1:${port}`);
      expect(r.code).toBe(1);
      expect(r.stdout).toBe(`not ready: http://127.0.0.1:${port}/readyz answered 503 (first_collection: pending; first collection not done yet)\n`);
    } finally {
      await server.stop();
    }
  });

  test("with nothing listening: 1, the connection refused", async () => {
    const port = freePort();
    const r = await runHealthcheck(`0.0.0.0:${port}`);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe(`not ready: cannot reach http://127.0.0.1:${port}/readyz (ECONNREFUSED)\n`);
  });
});
