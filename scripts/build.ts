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

/**
 * string-width measures every line Ink draws, on every frame. Its fast path covers printable ASCII only;
 * anything else (the UI's bars, sparklines, charts and rules) goes through Intl.Segmenter and an East
 * Asian width lookup, character by character. This widens the fast path to the ranges whose characters
 * are one column wide whatever the segmenter says (Latin, general punctuation without the zero-width
 * marks, arrows, box drawing, block elements, geometric shapes without the two wide ones, ✕), so the
 * result is the same and the terminal UI costs less CPU. The build fails if string-width's source changed.
 */
/** Characters one column wide in string-width's own reckoning (test/scripts/build.test.ts checks each one). */
export const NARROW_CHARACTERS = "\\u0020-\\u007E\\u00A0-\\u00AC\\u00AE-\\u02FF\\u2010-\\u2027\\u2030-\\u205E\\u2190-\\u21FF\\u2500-\\u25FC\\u25FF\\u2715";

const fastStringWidth: BunPlugin = {
  name: "string-width fast path for one-column characters",
  setup(build) {
    build.onLoad({ filter: /node_modules\/string-width\/index\.js$/ }, async (args) => {
      const source = await Bun.file(args.path).text();
      const ascii = "if (/^[\\u0020-\\u007E]*$/.test(string)) {";
      if (!source.includes(ascii)) throw new Error(`${args.path}: string-width's ASCII fast path is not where the build expects it`);
      // Only with ambiguous characters counted narrow (the default, what Ink asks for): box drawing and blocks are ambiguous.
      const narrow = `if (ambiguousIsNarrow && /^[${NARROW_CHARACTERS}]*$/.test(string)) {\n\t\treturn string.length;\n\t}\n\t`;
      return { contents: source.replace(ascii, narrow + ascii), loader: "js" };
    });
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
    plugins: [emptyOptional, fastStringWidth],
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
