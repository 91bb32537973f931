/**
 * Builds `dist/aiops-agent`: one self-contained binary (`bun build --compile` through Bun.build), with
 * the git commit it was built from baked in for `--version`.
 *
 *   bun scripts/build.ts [OUTFILE]
 *
 * Some dependencies import optional packages that are not installed, for features the agent never
 * uses: Ink's `react-devtools-core` (a development aid), dbus-next's `x11` (finding a session bus from
 * an X display) and `usocket` (abstract sockets; the agent connects to `unix:path=` buses).
 * `--external` leaves an import the binary cannot satisfy, so a resolve plugin maps each to an empty
 * module instead.
 */
import type { BunPlugin } from "bun";
import { join } from "node:path";
import { gitCommit } from "../src/commands/build-info.ts";

const ROOT = join(import.meta.dir, "..");

const OPTIONAL_MISSING = /^(react-devtools-core|x11|usocket)$/;

const emptyOptional: BunPlugin = {
  name: "empty optional packages",
  setup(build) {
    build.onResolve({ filter: OPTIONAL_MISSING }, (args) => ({ path: args.path, namespace: "empty" }));
    build.onLoad({ filter: /.*/, namespace: "empty" }, () => ({ contents: "export default {};", loader: "js" }));
  },
};

export interface BuildOptions {
  outfile: string;
  /** Another platform's binary (`bun-linux-arm64`); this machine's by default. */
  target?: Bun.Build.CompileTarget;
  /** The Bun executable of that target (from the npm package `@oven/bun-linux-aarch64`), so nothing is downloaded. */
  executablePath?: string;
  /** The commit `--version` names; the work tree's by default. */
  commit?: string;
}

/** Compiles the agent into one executable; throws with Bun's messages when the build fails. */
export async function buildBinary(options: BuildOptions): Promise<void> {
  const commit = options.commit ?? gitCommit(ROOT) ?? "unknown";
  const result = await Bun.build({
    entrypoints: [join(ROOT, "src/main.ts")],
    compile: {
      outfile: options.outfile,
      ...(options.target ? { target: options.target } : {}),
      ...(options.executablePath ? { executablePath: options.executablePath } : {}),
      // A smaller heap, collected more often: the agent's working set is small and steady.
      execArgv: ["--smol"],
      // The agent reads its configuration from --config and AIOPS_*; a stray .env, bunfig.toml,
      // package.json or tsconfig.json in the working directory must not change it.
      autoloadDotenv: false,
      autoloadBunfig: false,
      autoloadPackageJson: false,
      autoloadTsconfig: false,
    },
    minify: true,
    // Lazily imported modules (the TUI, the channel libraries, systeminformation) become chunks of their
    // own that are not parsed, nor resident, until a command needs them.
    splitting: true,
    target: "bun",
    plugins: [emptyOptional],
    define: { "process.env.NODE_ENV": '"production"', AIOPS_BUILD_COMMIT: JSON.stringify(commit) },
  });
  if (!result.success) throw new Error(`build ${options.outfile}: ${result.logs.map(String).join("\n")}`);
}

if (import.meta.main) {
  const outfile = process.argv[2] ?? "dist/aiops-agent";
  try {
    await buildBinary({ outfile });
  } catch (cause) {
    console.error((cause as Error).message);
    process.exit(1);
  }
  console.log(`built ${outfile}`);
}
