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
  compile: { outfile },
  minify: true,
  sourcemap: "linked",
  target: "bun",
  plugins: [emptyDevtools],
  define: { "process.env.NODE_ENV": '"production"' },
});
if (!result.success) {
  for (const log of result.logs) console.error(log);
  process.exit(1);
}
console.log(`built ${outfile}`);
