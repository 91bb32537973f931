/**
 * Builds `dist/aiops-agent`: one self-contained binary (`bun build --compile` through Bun.build).
 * Ink imports `react-devtools-core` for an optional development feature; the package is not installed
 * and `--external` leaves an import the binary cannot satisfy, so a resolve plugin maps it to an empty
 * module instead.
 */
import type { BunPlugin } from "bun";

const emptyDevtools: BunPlugin = {
  name: "empty react-devtools-core",
  setup(build) {
    build.onResolve({ filter: /^react-devtools-core$/ }, () => ({ path: "react-devtools-core", namespace: "empty" }));
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
  plugins: [emptyDevtools],
  define: { "process.env.NODE_ENV": '"production"' },
});
if (!result.success) {
  for (const log of result.logs) console.error(log);
  process.exit(1);
}
console.log(`built ${outfile}`);
