import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { appendFileSync, cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pkg from "../../package.json" with { type: "json" };
import { findPeer } from "../support/peers.ts";

/**
 * `npm run release` as an operator meets it: the x64 tarball and .deb built fresh (arm64 needs Bun's
 * arm64 build from the registry: `npm run release` makes it, the suite does not download it), SHA256SUMS
 * checked, install.sh run into a temporary root (twice, then an upgrade over a changed configuration,
 * then --uninstall and --purge), the installed unit verified by systemd-analyze, and the .deb read by
 * dpkg-deb and lintian.
 */
const ROOT = join(import.meta.dir, "../..");
const work = mkdtempSync(join(tmpdir(), "aiops-release-"));
const out = join(work, "out");
const NAME = `aiops-agent-${pkg.version}-linux-x64`;
const DEB = `aiops-agent_${pkg.version}_amd64.deb`;
const isRoot = process.getuid?.() === 0;

const systemdAnalyze = findPeer("systemd-analyze", ["/usr/bin/systemd-analyze", "/bin/systemd-analyze"]);
const dpkgDeb = findPeer("dpkg-deb", ["/usr/bin/dpkg-deb"]);
const lintian = findPeer("lintian", ["/usr/bin/lintian"]);
const useradd = findPeer("useradd", ["/usr/sbin/useradd", "/sbin/useradd"]);

function sh(argv: string[], options: { cwd?: string } = {}) {
  const r = Bun.spawnSync(argv, { cwd: options.cwd ?? work, stdout: "pipe", stderr: "pipe" });
  return { code: r.exitCode, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}

beforeAll(() => {
  const r = sh([process.execPath, join(ROOT, "scripts/release.ts"), "--arch", "x64", "--out", out], { cwd: ROOT });
  if (r.code !== 0) throw new Error(`release: ${r.stderr}${r.stdout}`);
}, 600_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("npm run release", () => {
  test("a tarball, a .deb and SHA256SUMS that checks", () => {
    expect(readdirSync(out).sort()).toEqual([`${NAME}.tar.gz`, "SHA256SUMS", DEB].sort());
    const sums = readFileSync(join(out, "SHA256SUMS"), "utf8").trim().split("\n");
    expect(sums.map((l) => l.split(/\s+/)[1]).sort()).toEqual([`${NAME}.tar.gz`, DEB].sort());
    const check = sh(["sha256sum", "--check", "--strict", "SHA256SUMS"], { cwd: out });
    expect(check.stdout.trim().split("\n").sort()).toEqual([`${NAME}.tar.gz: OK`, `${DEB}: OK`].sort());
    expect(check.code).toBe(0);
  }, 60_000);

  test("the tarball holds the binary, the unit, the example configuration, install.sh, the README and the licence", () => {
    const listing = sh(["tar", "-tvzf", join(out, `${NAME}.tar.gz`)]).stdout.trim().split("\n");
    const entries = Object.fromEntries(listing.map((l) => [l.split(/\s+/).at(-1)!, l.split(/\s+/)[0]!]));
    expect(Object.keys(entries).sort()).toEqual(
      [
        "",
        "aiops-agent",
        "aiops-agent.1",
        "aiops-agent.service",
        "agent.yaml",
        "env.example",
        "install.sh",
        "README.md",
        "LICENSE",
        "THIRD-PARTY-NOTICES",
      ]
        .map((f) => `${NAME}/${f}`)
        .sort(),
    );
    expect(entries[`${NAME}/aiops-agent`]).toBe("-rwxr-xr-x");
    expect(entries[`${NAME}/install.sh`]).toBe("-rwxr-xr-x");
    expect(entries[`${NAME}/agent.yaml`]).toBe("-rw-r--r--");
    expect(listing.every((l) => l.includes(" 0/0 "))).toBe(true);
  }, 60_000);

  test("the binary says the version of package.json and the commit it was built from", () => {
    const dir = join(work, "unpacked-version");
    mkdirSync(dir);
    sh(["tar", "-xzf", join(out, `${NAME}.tar.gz`), "-C", dir]);
    const head = sh(["git", "-C", ROOT, "rev-parse", "--short=12", "HEAD"]).stdout.trim();
    const version = sh([join(dir, NAME, "aiops-agent"), "--version"]).stdout;
    expect(version).toMatch(new RegExp(`^aiops-agent ${pkg.version.replaceAll(".", "\\.")} \\(commit ${head}(-dirty)?\\)\\n$`));
    expect(readFileSync(join(dir, NAME, "LICENSE"), "utf8")).toContain("MIT License");
    // Every package compiled into the binary is named with its licence.
    const notices = readFileSync(join(dir, NAME, "THIRD-PARTY-NOTICES"), "utf8");
    for (const dep of Object.keys(pkg.dependencies)) expect(notices).toContain(`\n${dep}@`);
  }, 60_000);
});

/** A root as a Debian system has it before the install: the account files with root and nobody. */
function freshRoot(name: string): string {
  const root = join(work, name);
  mkdirSync(join(root, "etc"), { recursive: true });
  writeFileSync(join(root, "etc/passwd"), "root:x:0:0:root:/root:/bin/bash\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n");
  writeFileSync(join(root, "etc/group"), "root:x:0:\nnogroup:x:65534:\n");
  writeFileSync(join(root, "etc/shadow"), "root:*:19000:0:99999:7:::\nnobody:*:19000:0:99999:7:::\n", { mode: 0o640 });
  writeFileSync(join(root, "etc/gshadow"), "root:*::\nnogroup:*::\n", { mode: 0o640 });
  // The account tools keep a backup of each file: a real system has them already.
  for (const f of ["passwd", "group", "shadow", "gshadow"]) cpSync(join(root, "etc", f), join(root, "etc", `${f}-`));
  return root;
}

/** Every file, link and directory under `root` with its type, mode and owner; the account files by their lines. */
function tree(root: string): Record<string, string> {
  const found: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const entry of readdirSync(join(root, dir))) {
      const path = dir ? `${dir}/${entry}` : entry;
      const st = lstatSync(join(root, path));
      const kind = st.isSymbolicLink() ? "link" : st.isDirectory() ? "dir" : "file";
      const hash = kind === "file" && !/^etc\/(passwd|group|shadow|gshadow)-$/.test(path) ? new Bun.CryptoHasher("md5").update(readFileSync(join(root, path))).digest("hex") : "";
      found[path] = `${kind} ${(st.mode & 0o7777).toString(8)} ${st.uid}:${st.gid} ${hash}`;
      if (kind === "dir") walk(path);
    }
  };
  walk("");
  return found;
}

/** Directories any system has (install.sh leaves them): what --uninstall may leave beside the data. */
const SYSTEM_DIRS = ["usr", "usr/local", "usr/local/bin", "usr/local/share", "usr/local/share/doc", "usr/local/share/man", "usr/local/share/man/man1", "var", "var/lib", "etc/systemd", "etc/systemd/system"];

const accountOf = (root: string, file: string) =>
  readFileSync(join(root, "etc", file), "utf8")
    .split("\n")
    .find((l) => l.startsWith("aiops-agent:"));

describe.skipIf(!isRoot || !useradd)("install.sh into a temporary root", () => {
  let release: string;
  let root: string;
  let before: Record<string, string>;
  const install = (...args: string[]) => sh([join(release, "install.sh"), "--root", root, ...args]);

  beforeAll(() => {
    const dir = join(work, "unpacked");
    mkdirSync(dir);
    sh(["tar", "-xzf", join(out, `${NAME}.tar.gz`), "-C", dir]);
    release = join(dir, NAME);
    root = freshRoot("root");
    before = tree(root);
  });

  test("installs the user, the binary, the unit and the configuration, and enables the service", () => {
    const r = install();
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("aiops-agent: created system user aiops-agent\n");
    expect(r.stdout).toContain(`aiops-agent: installed into ${root}: the service starts when that system boots\n`);

    const [, , uid, gid, , home, shell] = accountOf(root, "passwd")!.split(":");
    expect(Number(uid)).toBeLessThan(1000);
    expect(home).toBe("/var/lib/aiops-agent");
    expect(shell).toBe("/usr/sbin/nologin");
    expect(accountOf(root, "group")).toStartWith(`aiops-agent:x:${gid}:`);

    const mode = (path: string) => (statSync(join(root, path)).mode & 0o7777).toString(8);
    expect(mode("usr/local/bin/aiops-agent")).toBe("755");
    expect(mode("etc/systemd/system/aiops-agent.service")).toBe("644");
    expect(mode("etc/aiops-agent/agent.yaml")).toBe("644");
    expect(mode("etc/aiops-agent/env")).toBe("600");
    expect(mode("var/lib/aiops-agent")).toBe("700");
    expect(statSync(join(root, "var/lib/aiops-agent")).uid).toBe(Number(uid));
    expect(readFileSync(join(root, "etc/aiops-agent/agent.yaml"), "utf8")).toBe(readFileSync(join(ROOT, "deploy/systemd/agent.yaml"), "utf8"));
    expect(lstatSync(join(root, "etc/systemd/system/multi-user.target.wants/aiops-agent.service")).isSymbolicLink()).toBe(true);
    expect(sh(["readlink", join(root, "etc/systemd/system/multi-user.target.wants/aiops-agent.service")]).stdout.trim()).toBe("/etc/systemd/system/aiops-agent.service");
  }, 60_000);

  test.skipIf(!systemdAnalyze)("systemd-analyze verify passes on the installed unit, its binary and its manual page", () => {
    // The unit names /usr/local/bin/aiops-agent; verify checks the binary exists, so point it into the root.
    const dir = join(work, "verify");
    mkdirSync(dir, { recursive: true });
    const unit = readFileSync(join(root, "etc/systemd/system/aiops-agent.service"), "utf8").replaceAll("/usr/local/bin/", `${root}/usr/local/bin/`);
    writeFileSync(join(dir, "aiops-agent.service"), unit);
    const hasMan = existsSync("/usr/bin/man");
    const r = Bun.spawnSync([systemdAnalyze!, "verify", ...(hasMan ? [] : ["--man=no"]), join(dir, "aiops-agent.service")], {
      env: { ...process.env, MANPATH: join(root, "usr/local/share/man") },
    });
    expect(r.stderr.toString()).toBe("");
    expect(r.exitCode).toBe(0);
  }, 60_000);

  test("a second run changes nothing", () => {
    const first = tree(root);
    const r = install();
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("aiops-agent: unchanged user aiops-agent\n");
    expect(r.stdout).toContain(`aiops-agent: unchanged ${root}/usr/local/bin/aiops-agent\n`);
    expect(r.stdout).toContain(`aiops-agent: unchanged ${root}/etc/aiops-agent/agent.yaml\n`);
    expect(r.stdout).not.toMatch(/installed \/|updated \//);
    expect(tree(root)).toEqual(first);
  }, 60_000);

  test("an upgrade replaces a default configuration, keeps a changed one and puts the new default beside it", () => {
    // The next release ships another default.
    const yaml = join(release, "agent.yaml");
    const original = readFileSync(yaml, "utf8");
    writeFileSync(yaml, `${original}# a new default\n`);
    let r = install();
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`aiops-agent: updated ${root}/etc/aiops-agent/agent.yaml\n`);
    expect(readFileSync(join(root, "etc/aiops-agent/agent.yaml"), "utf8")).toEndWith("# a new default\n");

    // The operator changes it; the release after that ships yet another default.
    appendFileSync(join(root, "etc/aiops-agent/agent.yaml"), "agent:\n  name: web-1\n");
    const changed = readFileSync(join(root, "etc/aiops-agent/agent.yaml"), "utf8");
    writeFileSync(yaml, original);
    r = install();
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`aiops-agent: kept ${root}/etc/aiops-agent/agent.yaml (you changed it); the new default is ${root}/etc/aiops-agent/agent.yaml.new: diff them and merge by hand\n`);
    expect(readFileSync(join(root, "etc/aiops-agent/agent.yaml"), "utf8")).toBe(changed);
    expect(readFileSync(join(root, "etc/aiops-agent/agent.yaml.new"), "utf8")).toBe(original);
    // Taking the new default back is the operator's choice, and the next run sees it as the default.
    cpSync(join(root, "etc/aiops-agent/agent.yaml.new"), join(root, "etc/aiops-agent/agent.yaml"));
    r = install();
    expect(r.stdout).toContain(`aiops-agent: unchanged ${root}/etc/aiops-agent/agent.yaml\n`);
    expect(existsSync(join(root, "etc/aiops-agent/agent.yaml.new"))).toBe(false);
  }, 60_000);

  test("a configuration the agent rejects stops the install before the service is touched", () => {
    const yaml = join(root, "etc/aiops-agent/agent.yaml");
    const good = readFileSync(yaml, "utf8");
    writeFileSync(yaml, "thresholds:\n  cpu: 150\n");
    const r = install();
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("thresholds.cpu");
    expect(r.stderr).toContain(`install.sh: ${root}/etc/aiops-agent/agent.yaml is not valid (above): fix it, then run install.sh again`);
    writeFileSync(yaml, good);
  }, 60_000);

  test("--uninstall leaves nothing but the data (the history and the user that owns it)", () => {
    writeFileSync(join(root, "var/lib/aiops-agent/aiops-agent.db"), "history");
    const r = install("--uninstall");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("aiops-agent: kept the history in /var/lib/aiops-agent and the user aiops-agent that owns it (--uninstall --purge removes them)\n");
    const after = tree(root);
    const added = Object.keys(after).filter((p) => !(p in before));
    expect(added.sort()).toEqual([...SYSTEM_DIRS, "var/lib/aiops-agent", "var/lib/aiops-agent/aiops-agent.db"].sort());
    expect(readFileSync(join(root, "var/lib/aiops-agent/aiops-agent.db"), "utf8")).toBe("history");
    expect(accountOf(root, "passwd")).toBeDefined();
    // Installing again finds the data and the user as they were.
    expect(install().stdout).toContain("aiops-agent: unchanged user aiops-agent\n");
    expect(readFileSync(join(root, "var/lib/aiops-agent/aiops-agent.db"), "utf8")).toBe("history");
  }, 60_000);

  test("--uninstall --purge removes the data, the configuration and the user too", () => {
    const r = install("--uninstall", "--purge");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("aiops-agent: removed user aiops-agent\n");
    const after = tree(root);
    expect(Object.keys(after).filter((p) => !(p in before)).sort()).toEqual([...SYSTEM_DIRS].sort());
    for (const [path, entry] of Object.entries(before)) expect(`${path} ${after[path]}`).toBe(`${path} ${entry}`);
    for (const f of ["passwd", "group", "shadow", "gshadow"]) expect(`${f}: ${accountOf(root, f)}`).toBe(`${f}: undefined`);
    // Safe twice.
    expect(install("--uninstall", "--purge").code).toBe(0);
  }, 60_000);

  test("a bad option or --purge alone: exit 2 with the usage", () => {
    for (const args of [["--frobnicate"], ["--purge"]]) {
      const r = install(...args);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain("Usage: install.sh");
    }
  }, 60_000);
});

describe.skipIf(!dpkgDeb)("the .deb", () => {
  const field = (info: string, name: string) => info.match(new RegExp(`^ ${name}: (.*)$`, "m"))?.[1];

  test("dpkg-deb --info: name, version, architecture, dependencies, maintainer scripts and conffiles", () => {
    const info = sh([dpkgDeb!, "--info", join(out, DEB)]).stdout;
    expect(field(info, "Package")).toBe("aiops-agent");
    expect(field(info, "Version")).toBe(pkg.version);
    expect(field(info, "Architecture")).toBe("amd64");
    expect(field(info, "Depends")).toBe("libc6 (>= 2.17), adduser");
    for (const script of ["postinst", "prerm", "postrm", "conffiles", "md5sums"]) expect(info).toContain(` ${script} `);
    expect(sh([dpkgDeb!, "--field", join(out, DEB), "Installed-Size"]).stdout.trim()).toMatch(/^\d{5,}$/);
    const conffiles = sh(["sh", "-c", `${dpkgDeb} --ctrl-tarfile ${join(out, DEB)} | tar -xOf - ./conffiles`]).stdout;
    expect(conffiles).toBe("/etc/aiops-agent/agent.yaml\n/etc/aiops-agent/env\n");
  }, 60_000);

  test("dpkg-deb --contents: the binary in /usr/bin, the unit in /lib/systemd/system, the secrets file root only", () => {
    const lines = sh([dpkgDeb!, "--contents", join(out, DEB)]).stdout.trim().split("\n");
    const files = Object.fromEntries(lines.map((l) => [l.split(/\s+/).at(-1)!.replace(/^\.\//, "/"), `${l.split(/\s+/)[0]} ${l.split(/\s+/)[1]}`]));
    expect(files["/usr/bin/aiops-agent"]).toBe("-rwxr-xr-x root/root");
    expect(files["/lib/systemd/system/aiops-agent.service"]).toBe("-rw-r--r-- root/root");
    expect(files["/etc/aiops-agent/agent.yaml"]).toBe("-rw-r--r-- root/root");
    expect(files["/etc/aiops-agent/env"]).toBe("-rw------- root/root");
    for (const doc of ["copyright", "changelog.gz", "README.md.gz", "THIRD-PARTY-NOTICES.gz"]) expect(files[`/usr/share/doc/aiops-agent/${doc}`]).toBeDefined();
    expect(files["/usr/share/man/man1/aiops-agent.1.gz"]).toBeDefined();
    expect(Object.keys(files).some((f) => f.startsWith("/usr/local"))).toBe(false);
  }, 60_000);

  test.skipIf(!systemdAnalyze)("its unit is install.sh's with /usr/bin, and systemd-analyze verify passes on it", () => {
    const dir = join(work, "deb-root");
    sh([dpkgDeb!, "-x", join(out, DEB), dir]);
    const unit = readFileSync(join(dir, "lib/systemd/system/aiops-agent.service"), "utf8");
    expect(unit).toBe(readFileSync(join(ROOT, "deploy/systemd/aiops-agent.service"), "utf8").replaceAll("/usr/local/bin/", "/usr/bin/"));
    const verifyDir = join(work, "deb-verify");
    mkdirSync(verifyDir);
    writeFileSync(join(verifyDir, "aiops-agent.service"), unit.replaceAll("/usr/bin/aiops-agent", `${dir}/usr/bin/aiops-agent`));
    const r = Bun.spawnSync([systemdAnalyze!, "verify", "--man=no", join(verifyDir, "aiops-agent.service")]);
    expect(r.stderr.toString()).toBe("");
    expect(r.exitCode).toBe(0);
  }, 60_000);

  test.skipIf(!lintian)(
    "lintian: clean, each remaining tag overridden with its reason",
    () => {
      const r = sh([lintian!, "--no-cfg", "--info", "--pedantic", join(out, DEB)]);
      const tags = r.stdout.split("\n").filter((l) => /^[EWIPX]: /.test(l));
      expect(tags).toEqual([]);
      expect(r.code).toBe(0);
      // Every override says why, in a comment just above it.
      const overrides = readFileSync(join(ROOT, "deploy/debian/lintian-overrides"), "utf8").split("\n");
      overrides.forEach((line, i) => {
        if (line.startsWith("aiops-agent:")) expect(overrides.slice(0, i).reverse().find((l) => !l.startsWith("aiops-agent:"))).toStartWith("# ");
      });
    },
    600_000,
  );
});

/**
 * arm64, cross-compiled from Bun's arm64 executable of the npm registry (as `npm run release` does),
 * run under qemu's user-mode emulation with Debian's arm64 C library.
 */
const qemu = findPeer("qemu-aarch64-static (qemu-user-static)", ["/usr/bin/qemu-aarch64-static"]);
const arm64Libc = findPeer("the arm64 C library (libc6-arm64-cross)", ["/usr/aarch64-linux-gnu/lib/ld-linux-aarch64.so.1"]);

describe.skipIf(!qemu || !arm64Libc)("the arm64 binary", () => {
  test("cross-compiled with @oven/bun-linux-aarch64, it says its version and collects a snapshot", async () => {
    const { crossBun } = await import("../../scripts/release.ts");
    const { buildBinary } = await import("../../scripts/build.ts");
    const binary = join(work, "arm64", "aiops-agent");
    await buildBinary({ outfile: binary, target: "bun-linux-arm64", executablePath: crossBun("arm64") });
    expect(sh(["file", "-b", binary]).stdout).toContain("ARM aarch64");
    const run = (...args: string[]) => sh([qemu!, "-L", "/usr/aarch64-linux-gnu", binary, ...args]);
    const version = run("--version");
    expect(version.stdout).toMatch(new RegExp(`^aiops-agent ${pkg.version.replaceAll(".", "\\.")} \\(commit [0-9a-f]{12}(-dirty)?\\)\\n$`));
    const collected = run("collect", "--once");
    expect(collected.code).toBe(0);
    expect((JSON.parse(collected.stdout) as { cpu: { count: number } }).cpu.count).toBeGreaterThan(0);
  }, 300_000);
});
