/**
 * `npm run release`: what an operator downloads. For each architecture, a tarball
 * `aiops-agent-<version>-linux-<arch>.tar.gz` (the binary, the systemd unit, an example configuration,
 * install.sh, the README, the licence and the third-party notices) and a Debian package built with
 * dpkg-deb from the same files, then `SHA256SUMS` over them all. The version is package.json's; the
 * commit is baked into the binary for `--version`.
 *
 *   bun scripts/release.ts [--arch x64,arm64] [--out DIR]
 *
 * arm64 is cross-compiled with the Bun executable of that platform, taken from the npm package
 * `@oven/bun-linux-aarch64` of this Bun's version (`npm pack`, cached under node_modules/.cache).
 * Without it (no registry), arm64 is skipped and said so, unless `--arch` asked for it.
 */
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { gzipSync } from "node:zlib";
import pkg from "../package.json" with { type: "json" };
import { gitCommit } from "../src/commands/build-info.ts";
import { COMMANDS, USAGE, commandHelp } from "../src/commands/usage.ts";
import { buildBinary } from "./build.ts";

const ROOT = join(import.meta.dir, "..");
const NAME = "aiops-agent";

/** The architectures released, by Node's name, with Bun's compile target and Debian's name. */
const ARCHES = {
  x64: { target: "bun-linux-x64", npm: "@oven/bun-linux-x64", deb: "amd64" },
  arm64: { target: "bun-linux-arm64", npm: "@oven/bun-linux-aarch64", deb: "arm64" },
} as const;
export type Arch = keyof typeof ARCHES;

/** Who the Debian package names as its maintainer; DEB_MAINTAINER overrides it. */
const MAINTAINER = process.env.DEB_MAINTAINER ?? "aiops-agent maintainers <maintainers@aiops-agent.invalid>";

function run(argv: string[], options: { cwd?: string } = {}): string {
  const result = Bun.spawnSync(argv, { cwd: options.cwd ?? ROOT, stdout: "pipe", stderr: "pipe" });
  if (result.exitCode !== 0) throw new Error(`${argv.join(" ")}: exit ${result.exitCode}: ${result.stderr.toString().trim()}`);
  return result.stdout.toString();
}

/**
 * The Bun executable of another platform, from its npm package (the same files `npm install bun` puts on
 * that platform), so Bun.build does not download it itself. Cached per version.
 */
export function crossBun(arch: Arch): string {
  const { npm } = ARCHES[arch];
  const dir = join(ROOT, "node_modules/.cache/aiops-release", `${npm.replace("/", "+")}-${Bun.version}`);
  const bun = join(dir, "package/bin/bun");
  if (existsSync(bun)) return bun;
  mkdirSync(dir, { recursive: true });
  const tarball = run(["npm", "pack", "--silent", `${npm}@${Bun.version}`], { cwd: dir }).trim().split("\n").at(-1)!;
  run(["tar", "-xzf", tarball], { cwd: dir });
  rmSync(join(dir, tarball));
  if (!existsSync(bun)) throw new Error(`${npm}@${Bun.version}: no package/bin/bun in the tarball`);
  return bun;
}

/** The licence of every package compiled into the binary (the production dependency tree) and of Bun. */
function thirdPartyNotices(): string {
  const tree = run(["npm", "ls", "--omit=dev", "--all", "--parseable"]).trim().split("\n").slice(1);
  const sections: string[] = [
    "aiops-agent is one executable built with Bun (https://bun.sh), which embeds the Bun runtime\n" +
      "(MIT; it includes JavaScriptCore, LGPL-2.1, and other components listed at\n" +
      "https://bun.sh/docs/project/licensing) and the npm packages below, each under its own licence.",
  ];
  const seen = new Set<string>();
  for (const dir of tree) {
    const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { name: string; version: string; license?: string };
    const id = `${manifest.name}@${manifest.version}`;
    if (seen.has(id)) continue;
    seen.add(id);
    const file = readdirSync(dir).find((f) => /^(licen[cs]e|copying)(\.(md|txt))?$/i.test(f));
    const text = file ? readFileSync(join(dir, file), "utf8").trim() : `License: ${manifest.license ?? "see the package"}`;
    sections.push(`${id} (${manifest.license ?? "no licence field"})\n\n${text}`);
  }
  return `${sections.join(`\n\n${"-".repeat(78)}\n\n`)}\n`;
}

/** A manual page from the help texts: `man aiops-agent` on a Debian system. */
function manPage(version: string, date: string): string {
  const escape = (text: string) =>
    text
      .replaceAll("\\", "\\e")
      .split("\n")
      .map((l) => (/^[.']/.test(l) ? `\\&${l}` : l))
      .join("\n");
  const blocks = COMMANDS.map((c) => `.SS ${c}\n.nf\n${escape(commandHelp(c))}\n.fi`).join("\n");
  return `.TH AIOPS-AGENT 1 "${date}" "aiops-agent ${version}" "User Commands"
.SH NAME
aiops-agent \\- host monitoring agent: metrics, anomaly detection, alerts
.SH SYNOPSIS
.B aiops-agent
[\\fIcommand\\fR] [\\fIoptions\\fR]
.SH DESCRIPTION
.nf
${escape(USAGE)}
.fi
.SH COMMANDS
${blocks}
.SH FILES
.TP
.I /etc/aiops-agent/agent.yaml
configuration (no secrets)
.TP
.I /etc/aiops-agent/env
secrets, as VAR=value lines read by systemd
.TP
.I /var/lib/aiops-agent
history (SQLite)
.SH SEE ALSO
.BR systemctl (1),
.BR journalctl (1);
/usr/share/doc/aiops-agent/README.md.gz
`;
}

/** Debian's machine-readable copyright file, from LICENSE. */
function debianCopyright(): string {
  const license = readFileSync(join(ROOT, "LICENSE"), "utf8").trim().split("\n");
  const copyright = license.find((l) => l.startsWith("Copyright"))!.replace(/^Copyright \(c\) /, "");
  const body = license
    .slice(license.findIndex((l) => l.startsWith("Permission")))
    .map((l) => (l.trim() === "" ? " ." : ` ${l}`))
    .join("\n");
  return `Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: aiops-agent
Comment: The executable embeds the Bun runtime and npm packages, each under its own licence:
 see /usr/share/doc/aiops-agent/THIRD-PARTY-NOTICES.gz.

Files: *
Copyright: ${copyright}
License: Expat
${body}
`;
}

/** The files of one release, staged in `dir`: what the tarball holds, and what the .deb is built from. */
function stage(dir: string, binary: string, notices: string, man: string): void {
  mkdirSync(dir, { recursive: true });
  cpSync(binary, join(dir, NAME));
  chmodSync(join(dir, NAME), 0o755);
  for (const [from, to, mode] of [
    ["deploy/systemd/aiops-agent.service", "aiops-agent.service", 0o644],
    ["deploy/systemd/agent.yaml", "agent.yaml", 0o644],
    ["deploy/systemd/env.example", "env.example", 0o644],
    ["deploy/systemd/install.sh", "install.sh", 0o755],
    ["README.md", "README.md", 0o644],
    ["LICENSE", "LICENSE", 0o644],
  ] as const) {
    cpSync(join(ROOT, from), join(dir, to));
    chmodSync(join(dir, to), mode);
  }
  writeFileSync(join(dir, "THIRD-PARTY-NOTICES"), notices, { mode: 0o644 });
  writeFileSync(join(dir, "aiops-agent.1"), man, { mode: 0o644 });
}

/** A reproducible tarball: sorted names, root-owned, every time the commit's. */
function tarball(outDir: string, name: string, mtime: number): string {
  const file = `${name}.tar.gz`;
  const tar = Bun.spawnSync(["tar", "--sort=name", `--mtime=@${mtime}`, "--owner=0", "--group=0", "--numeric-owner", "-cf", "-", name], {
    cwd: outDir,
    stdout: "pipe",
    stderr: "pipe",
  });
  if (tar.exitCode !== 0) throw new Error(`tar ${name}: ${tar.stderr.toString()}`);
  writeFileSync(join(outDir, file), gzipSync(tar.stdout, { level: 6 }));
  return file;
}

/** The Debian package of a staged release, laid out as Debian wants it (/usr/bin, /lib/systemd/system, conffiles). */
function debPackage(outDir: string, staged: string, arch: Arch, version: string, commit: string, notices: string): string {
  const root = join(outDir, `deb-${arch}`);
  rmSync(root, { recursive: true, force: true });
  const put = (path: string, content: string | Buffer, mode: number) => {
    const target = join(root, path);
    mkdirSync(join(target, ".."), { recursive: true });
    writeFileSync(target, content);
    chmodSync(target, mode);
  };
  const date = new Date(Number(run(["git", "log", "-1", "--format=%ct"]).trim() || "0") * 1000);
  put("usr/bin/aiops-agent", readFileSync(join(staged, NAME)), 0o755);
  // A package's files live under /usr, not /usr/local where install.sh puts them.
  put("lib/systemd/system/aiops-agent.service", readFileSync(join(staged, "aiops-agent.service"), "utf8").replaceAll("/usr/local/bin/", "/usr/bin/"), 0o644);
  put("etc/aiops-agent/agent.yaml", readFileSync(join(staged, "agent.yaml")), 0o644);
  put("etc/aiops-agent/env", readFileSync(join(staged, "env.example")), 0o600);
  const doc = "usr/share/doc/aiops-agent";
  put(`${doc}/copyright`, debianCopyright(), 0o644);
  put(`${doc}/README.md.gz`, gzipSync(readFileSync(join(staged, "README.md")), { level: 9 }), 0o644);
  put(`${doc}/THIRD-PARTY-NOTICES.gz`, gzipSync(notices, { level: 9 }), 0o644);
  const changelog = `aiops-agent (${version}) unstable; urgency=medium\n\n  * Release ${version}, built from commit ${commit}.\n\n -- ${MAINTAINER}  ${date.toUTCString().replace("GMT", "+0000")}\n`;
  put(`${doc}/changelog.gz`, gzipSync(changelog, { level: 9 }), 0o644);
  put("usr/share/man/man1/aiops-agent.1.gz", gzipSync(readFileSync(join(staged, "aiops-agent.1")), { level: 9 }), 0o644);
  put("usr/share/lintian/overrides/aiops-agent", readFileSync(join(ROOT, "deploy/debian/lintian-overrides")), 0o644);
  const md5sums = run(["find", ".", "-type", "f", "!", "-path", "./DEBIAN/*", "-printf", "%P\\n"], { cwd: root })
    .trim()
    .split("\n")
    .sort()
    .map((path) => `${new Bun.CryptoHasher("md5").update(readFileSync(join(root, path))).digest("hex")}  ${path}`);
  put("DEBIAN/md5sums", `${md5sums.join("\n")}\n`, 0o644);
  const installedKb = Number(run(["du", "-sk", "--exclude=DEBIAN", root]).split(/\s+/)[0]);
  put(
    "DEBIAN/control",
    `Package: aiops-agent
Version: ${version}
Architecture: ${ARCHES[arch].deb}
Maintainer: ${MAINTAINER}
Installed-Size: ${installedKb}
Depends: libc6 (>= 2.17), adduser
Section: admin
Priority: optional
Description: host monitoring agent: metrics, anomaly detection, alerts
 aiops-agent watches the host it runs on: every interval it collects CPU,
 memory, filesystems, disk and network I/O, load and pressure from procfs,
 sysfs and statfs, learns each series' normal, raises anomalies and alerts,
 and delivers them durably to webhooks, Slack, PagerDuty, Alertmanager,
 ServiceNow and email. One port serves Prometheus /metrics, health probes,
 a REST API and a live event stream; a terminal UI watches it over SSH.
`,
    0o644,
  );
  put("DEBIAN/conffiles", "/etc/aiops-agent/agent.yaml\n/etc/aiops-agent/env\n", 0o644);
  for (const script of ["postinst", "prerm", "postrm"]) put(`DEBIAN/${script}`, readFileSync(join(ROOT, "deploy/debian", script)), 0o755);
  const file = `${NAME}_${version}_${ARCHES[arch].deb}.deb`;
  run(["dpkg-deb", "--root-owner-group", "-Zgzip", "-z6", "--build", root, join(outDir, file)]);
  rmSync(root, { recursive: true, force: true });
  return file;
}

async function main(): Promise<number> {
  const { values } = parseArgs({ args: process.argv.slice(2), options: { arch: { type: "string" }, out: { type: "string" } } });
  const asked = values.arch?.split(",").map((a) => a.trim()) as Arch[] | undefined;
  for (const arch of asked ?? []) {
    if (!(arch in ARCHES)) throw new Error(`--arch ${arch}: expected ${Object.keys(ARCHES).join(", ")}`);
  }
  const outDir = values.out ?? join(ROOT, "dist/release");
  const version = pkg.version;
  const commit = gitCommit(ROOT) ?? "unknown";
  if (commit.endsWith("-dirty")) console.warn(`warning: the work tree has uncommitted changes; --version will say ${commit}`);
  const mtime = Number(run(["git", "log", "-1", "--format=%ct"]).trim());
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const notices = thirdPartyNotices();
  const man = manPage(version, new Date(mtime * 1000).toISOString().slice(0, 10));
  const artifacts: string[] = [];
  const skipped: string[] = [];
  for (const arch of asked ?? (Object.keys(ARCHES) as Arch[])) {
    let executablePath: string | undefined;
    if (arch !== process.arch) {
      try {
        executablePath = crossBun(arch);
      } catch (cause) {
        if (asked) throw cause;
        skipped.push(`${arch}: the npm package ${ARCHES[arch].npm}@${Bun.version} could not be had (${(cause as Error).message})`);
        continue;
      }
    }
    const name = `${NAME}-${version}-linux-${arch}`;
    const staged = join(outDir, name);
    const binary = join(outDir, `bin-${arch}`, NAME);
    await buildBinary({ outfile: binary, target: ARCHES[arch].target as Bun.Build.CompileTarget, commit, ...(executablePath ? { executablePath } : {}) });
    stage(staged, binary, notices, man);
    rmSync(join(outDir, `bin-${arch}`), { recursive: true, force: true });
    artifacts.push(tarball(outDir, name, mtime));
    artifacts.push(debPackage(outDir, staged, arch, version, commit, notices));
    rmSync(staged, { recursive: true, force: true });
  }
  const sums = artifacts.map((file) => `${new Bun.CryptoHasher("sha256").update(readFileSync(join(outDir, file))).digest("hex")}  ${file}`);
  writeFileSync(join(outDir, "SHA256SUMS"), `${sums.join("\n")}\n`);
  for (const file of [...artifacts, "SHA256SUMS"]) console.log(`${join(outDir, file)}  ${(statSync(join(outDir, file)).size / 1048576).toFixed(1)} MiB`);
  for (const line of skipped) console.warn(`skipped ${line}`);
  console.log(`aiops-agent ${version} (commit ${commit})`);
  return 0;
}

if (import.meta.main) {
  main().then(
    (code) => process.exit(code),
    (cause) => {
      console.error(`release: ${(cause as Error).message}`);
      process.exit(1);
    },
  );
}
