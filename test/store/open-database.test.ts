import { Database } from "bun:sqlite";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, test } from "bun:test";
import { MIGRATIONS, migrate } from "../../src/store/migrations.ts";
import { BUSY_TIMEOUT_MS, DATABASE_FILE, openDatabase } from "../../src/store/open-database.ts";
import { cleanUp, T0, tempDir } from "./support/temp.ts";

afterEach(cleanUp);

const CHILD = join(import.meta.dir, "support", "open-store-child.ts");
const isRoot = process.getuid?.() === 0;

interface ChildReport {
  uid: number;
  status: { persistent: boolean; degraded: { problem: string; reason: string } | null };
  write: { written: number; error?: string };
  read: Array<{ value: number }>;
  degradedGauge: number;
  warnings: string[];
}

function run(command: string[]): { ok: boolean; stdout: string; stderr: string } {
  const child = Bun.spawnSync(command, {
    // A home the unprivileged user can use, and no transpiler cache written beside the sources.
    env: { ...process.env, HOME: "/tmp", BUN_RUNTIME_TRANSPILER_CACHE_PATH: "0" },
    stdout: "pipe",
    stderr: "pipe",
  });
  return { ok: child.exitCode === 0, stdout: child.stdout.toString(), stderr: child.stderr.toString() };
}

function childReport(command: string[]): ChildReport {
  const result = run(command);
  if (!result.ok) throw new Error(`child failed: ${result.stderr}`);
  return JSON.parse(result.stdout.trim().split("\n").at(-1)!) as ChildReport;
}

/** As root, drop to `nobody` for one command, when setpriv is there and nobody can run bun on these files. */
const AS_NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"];
const canDropToNobody = isRoot && run([...AS_NOBODY, process.execPath, "-e", `require("fs").accessSync(${JSON.stringify(CHILD)})`]).ok;

/** A private mount namespace in which a tmpfs can be mounted read-only (needs CAP_SYS_ADMIN). */
function canMountReadOnly(): boolean {
  const dir = mkdtempSync(join(tmpdir(), "aiops-mount-probe-"));
  try {
    return run(["unshare", "--mount", "sh", "-c", 'mount -t tmpfs -o ro,size=64k tmpfs "$1"', "sh", dir]).ok;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function skipLoudly(why: string): void {
  console.warn(`\n*** SKIPPING: ${why} ***\n`);
}

describe("openDatabase", () => {
  test("creates the directory and the file in WAL mode, with busy timeout, NORMAL sync and incremental vacuum", () => {
    const dataDir = join(tempDir(), "nested", "data");
    const opened = openDatabase(dataDir, T0);
    expect(opened.degraded).toBeNull();
    expect(opened.path).toBe(join(dataDir, DATABASE_FILE));
    const pragma = (name: string) => Object.values(opened.db.query(`PRAGMA ${name}`).get() as object)[0];
    expect(pragma("journal_mode")).toBe("wal");
    expect(pragma("busy_timeout")).toBe(BUSY_TIMEOUT_MS);
    expect(pragma("synchronous")).toBe(1); // NORMAL
    expect(pragma("auto_vacuum")).toBe(2); // INCREMENTAL
    expect(pragma("foreign_keys")).toBe(1);
    expect(opened.db.query("SELECT max(version) AS v FROM schema_migrations").get()).toEqual({ v: MIGRATIONS.at(-1)!.version });
    opened.db.close();
  });

  test("reopening an existing file keeps its rows", () => {
    const dataDir = tempDir();
    const first = openDatabase(dataDir, T0);
    first.db.run("INSERT INTO series (key, metric, labels, created_at) VALUES ('m', 'm', '{}', 0)");
    first.db.close();
    const second = openDatabase(dataDir, T0 + 1);
    expect(second.degraded).toBeNull();
    expect(second.db.query("SELECT key FROM series").all()).toEqual([{ key: "m" }]);
    expect(second.db.query("SELECT value FROM store_meta WHERE key = 'opened_at'").get()).toEqual({ value: String(T0 + 1) });
    second.db.close();
  });

  test("a data directory below a regular file (ENOTDIR: it can never be created) gives memory and a read_only reason", () => {
    const file = join(tempDir(), "not-a-directory");
    writeFileSync(file, "x");
    const opened = openDatabase(join(file, "data"), T0);
    expect(opened.path).toBeNull();
    expect(opened.degraded?.problem).toBe("read_only");
    expect(opened.degraded?.reason).toContain("cannot create the data directory");
    expect(opened.degraded?.reason).toContain("ENOTDIR");
    // The in-memory database has the whole schema: the agent runs on.
    opened.db.run("INSERT INTO series (key, metric, labels, created_at) VALUES ('m', 'm', '{}', 0)");
    opened.db.close();
  });

  if (!isRoot) {
    test("a directory the agent's user cannot write (chmod 0555, not root) gives memory and a read_only reason", () => {
      const parent = tempDir();
      const readOnly = join(parent, "ro");
      mkdirSync(readOnly, { mode: 0o555 });
      const opened = openDatabase(join(readOnly, "data"), T0);
      chmodSync(readOnly, 0o755);
      expect(opened.path).toBeNull();
      expect(opened.degraded?.problem).toBe("read_only");
      expect(opened.degraded?.reason).toContain("EACCES");
      opened.db.close();
    });
  } else if (canDropToNobody) {
    test("a directory the agent's user cannot write (chmod 0555, agent run as nobody since root ignores modes): running, degraded 1", () => {
      const parent = tempDir();
      chmodSync(parent, 0o755);
      const readOnly = join(parent, "ro");
      mkdirSync(readOnly, { mode: 0o555 });
      const report = childReport([...AS_NOBODY, process.execPath, CHILD, join(readOnly, "data")]);
      expect(report.uid).toBe(65534);
      expect(report.status.persistent).toBe(false);
      expect(report.status.degraded?.problem).toBe("read_only");
      expect(report.status.degraded?.reason).toContain("EACCES");
      expect(report.degradedGauge).toBe(1);
      expect(report.warnings).toContain("store degraded: history is kept in memory only");
      // Still running: the tick was written and read back, in memory.
      expect(report.write).toEqual({ written: 1 });
      expect(report.read.map((p) => p.value)).toEqual([42.5]);
      expect(existsSync(join(readOnly, "data"))).toBe(false);
    });
  } else {
    skipLoudly("running as root without setpriv (or nobody cannot read the tests): the chmod 0555 case cannot be shown");
  }

  if (canMountReadOnly()) {
    test("a data directory on a read-only filesystem (EROFS: tmpfs mounted ro in a private mount namespace): running, degraded 1", () => {
      const mountPoint = tempDir("aiops-ro-mount-");
      const report = childReport([
        "unshare",
        "--mount",
        "sh",
        "-c",
        'mount -t tmpfs -o ro,size=64k tmpfs "$1" && exec "$2" "$3" "$1/data"',
        "sh",
        mountPoint,
        process.execPath,
        CHILD,
      ]);
      expect(report.status.persistent).toBe(false);
      expect(report.status.degraded?.problem).toBe("read_only");
      expect(report.status.degraded?.reason).toContain("EROFS");
      expect(report.degradedGauge).toBe(1);
      expect(report.write).toEqual({ written: 1 });
      expect(report.read.map((p) => p.value)).toEqual([42.5]);
    });
  } else {
    skipLoudly("no private mount namespace here (unshare/mount need CAP_SYS_ADMIN): the EROFS case cannot be shown");
  }

  test("a file that is not a database is moved aside (never deleted, byte for byte) and a fresh file is started", () => {
    const dataDir = tempDir();
    const garbage = "this is not an SQLite database\n".repeat(200);
    writeFileSync(join(dataDir, DATABASE_FILE), garbage);
    const opened = openDatabase(dataDir, T0);
    expect(opened.degraded).toBeNull();
    expect(opened.path).toBe(join(dataDir, DATABASE_FILE));
    const aside = readdirSync(dataDir).filter((f) => f.startsWith(`${DATABASE_FILE}.corrupt-`));
    expect(aside).toEqual([`${DATABASE_FILE}.corrupt-20250101T100000Z`]);
    expect(readFileSync(join(dataDir, aside[0]!), "utf8")).toBe(garbage);
    expect(opened.notices).toHaveLength(2);
    expect(opened.notices[0]).toContain("SQLITE_NOTADB");
    expect(opened.notices[0]).toContain("moved it aside");
    // Nothing to carry from a file that was never a database, and the log says so.
    expect(opened.notices[1]).toMatch(/^carried over from .*corrupt-20250101T100000Z: 0 rows of no table; unreadable: series, /);
    opened.db.run("INSERT INTO series (key, metric, labels, created_at) VALUES ('m', 'm', '{}', 0)");
    opened.db.close();
  });

  test("a file of a newer agent is left untouched and history goes to memory", () => {
    const dataDir = tempDir();
    const db = new Database(join(dataDir, DATABASE_FILE));
    migrate(db, 1, [...MIGRATIONS, { version: 999, name: "future", sql: "CREATE TABLE future (x)" }]);
    db.close();
    const before = readFileSync(join(dataDir, DATABASE_FILE));
    const opened = openDatabase(dataDir, T0);
    expect(opened.path).toBeNull();
    expect(opened.degraded?.problem).toBe("newer_schema");
    expect(opened.degraded?.reason).toContain("schema version 999 is newer");
    expect(readFileSync(join(dataDir, DATABASE_FILE)).equals(before)).toBe(true);
    expect(readdirSync(dataDir).filter((f) => f.includes("corrupt"))).toEqual([]);
    opened.db.close();
  });
});
