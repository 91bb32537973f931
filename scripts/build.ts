/**
 * Builds `dist/aiops-agent`: one self-contained binary (`bun build --compile` through Bun.build).
 * Some dependencies import optional packages that are not installed, for features the agent never
 * uses: Ink's `react-devtools-core` (a development aid), dbus-next's `x11` (finding a session bus from
 * an X display) and `usocket` (abstract sockets; the agent connects to `unix:path=` buses).
 * `--external` leaves an import the binary cannot satisfy, so a resolve plugin maps each to an empty
 * module instead.
 */
import type { BunPlugin } from "bun";

const OPTIONAL_MISSING = /^(react-devtools-core|x11|usocket)$/;

const emptyOptional: BunPlugin = {
  name: "empty optional packages",
  setup(build) {
    build.onResolve({ filter: OPTIONAL_MISSING }, (args) => ({ path: args.path, namespace: "empty" }));
    build.onLoad({ filter: /.*/, namespace: "empty" }, () => ({ contents: "export default {};", loader: "js" }));
  },
};

const outfile = process.argv[2] ?? "dist/aiops-agent";
const result = await Bun.build({
  entrypoints: ["src/main.ts"],
  compile: {
    outfile,
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
  define: { "process.env.NODE_ENV": '"production"' },
});
if (!result.success) {
  for (const log of result.logs) console.error(log);
  process.exit(1);
}
console.log(`built ${outfile}`);
