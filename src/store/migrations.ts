import type { Database } from "bun:sqlite";
import { regroupRollupBlock } from "./rollup-block.ts";

/** One numbered change of the schema. Versions only grow; a released migration is never edited. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
  /** Rewrites rows SQL cannot (a stored layout that changes), after `sql`, in the same transaction. */
  convert?: (db: Database) => void;
}

/**
 * The schema, as the list of changes that build it. Timestamps are integer milliseconds since the
 * epoch everywhere (the clock and the Detector contract use milliseconds); JSON columns hold text.
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "history, anomalies, alerts, outbox, silences, detector state",
    sql: `
      -- Small facts the store keeps about itself (when it was last opened).
      CREATE TABLE store_meta (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) WITHOUT ROWID;

      -- Series identity: points refer to a series by a small integer, so each point is a few bytes.
      CREATE TABLE series (
        id         INTEGER PRIMARY KEY,
        key        TEXT NOT NULL UNIQUE,  -- seriesKey(metric, labels)
        metric     TEXT NOT NULL,
        labels     TEXT NOT NULL,         -- JSON object
        created_at INTEGER NOT NULL
      );
      CREATE INDEX series_metric ON series (metric);

      -- Write buffer of raw points, in time order: a tick appends to the end of this tree and so
      -- dirties a couple of pages, where writing into points (one place per series) dirties one page
      -- per series on every tick. Maintenance moves whole hours from here into points.
      CREATE TABLE points_recent (
        ts        INTEGER NOT NULL,
        series_id INTEGER NOT NULL,
        value     REAL NOT NULL,
        PRIMARY KEY (ts, series_id)
      ) WITHOUT ROWID;

      -- Raw points, in series order, so that reading one series over a range is one range scan.
      CREATE TABLE points (
        series_id INTEGER NOT NULL,
        ts        INTEGER NOT NULL,
        value     REAL NOT NULL,
        PRIMARY KEY (series_id, ts)
      ) WITHOUT ROWID;

      -- Roll-ups: ts is the start of the minute or hour; the mean is sum_value / count, kept as a
      -- sum so that buckets merge exactly.
      CREATE TABLE rollup_1m (
        series_id INTEGER NOT NULL,
        ts        INTEGER NOT NULL,
        min_value REAL NOT NULL,
        max_value REAL NOT NULL,
        sum_value REAL NOT NULL,
        count     INTEGER NOT NULL,
        PRIMARY KEY (series_id, ts)
      ) WITHOUT ROWID;

      CREATE TABLE rollup_1h (
        series_id INTEGER NOT NULL,
        ts        INTEGER NOT NULL,
        min_value REAL NOT NULL,
        max_value REAL NOT NULL,
        sum_value REAL NOT NULL,
        count     INTEGER NOT NULL,
        PRIMARY KEY (series_id, ts)
      ) WITHOUT ROWID;

      -- Every Finding the detectors report.
      CREATE TABLE anomalies (
        id         INTEGER PRIMARY KEY,
        ts         INTEGER NOT NULL,
        type       TEXT NOT NULL,
        severity   TEXT NOT NULL CHECK (severity IN ('warning', 'critical')),
        message    TEXT NOT NULL,
        value      REAL,                  -- NULL when the finding's value was not a finite number
        threshold  REAL,
        metric     TEXT NOT NULL,
        labels     TEXT NOT NULL,         -- JSON object
        series_key TEXT NOT NULL,
        detector   TEXT NOT NULL,
        score      REAL NOT NULL
      );
      CREATE INDEX anomalies_ts ON anomalies (ts);
      CREATE INDEX anomalies_type_ts ON anomalies (type, ts);
      CREATE INDEX anomalies_severity_ts ON anomalies (severity, ts);
      CREATE INDEX anomalies_series_ts ON anomalies (series_key, ts);

      -- One row per alert: an alert that resolves and fires again is a new row with the same
      -- fingerprint. At most one row per fingerprint is not resolved.
      CREATE TABLE alerts (
        id               INTEGER PRIMARY KEY,
        fingerprint      TEXT NOT NULL,
        labels           TEXT NOT NULL,   -- JSON object
        state            TEXT NOT NULL CHECK (state IN ('pending', 'firing', 'resolved', 'silenced')),
        severity         TEXT NOT NULL CHECK (severity IN ('warning', 'critical')),
        started_at       INTEGER NOT NULL, -- first finding (pending since)
        fired_at         INTEGER,
        resolved_at      INTEGER,
        updated_at       INTEGER NOT NULL,
        last_notified_at INTEGER,
        last_finding     TEXT              -- JSON Finding
      );
      CREATE UNIQUE INDEX alerts_open_fingerprint ON alerts (fingerprint) WHERE state <> 'resolved';
      CREATE INDEX alerts_updated ON alerts (updated_at);
      CREATE INDEX alerts_state_updated ON alerts (state, updated_at);

      -- The outbox: written in the same transaction as the alert's change of state.
      CREATE TABLE notifications (
        id                INTEGER PRIMARY KEY,
        alert_fingerprint TEXT NOT NULL,
        alert_id          INTEGER,         -- alerts.id, when the engine knows it
        alert_state       TEXT NOT NULL,   -- the change announced: firing, resolved...
        channel           TEXT NOT NULL,
        status            TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'dead')),
        idempotency_key   TEXT NOT NULL UNIQUE,
        payload           TEXT NOT NULL,   -- JSON
        attempts          INTEGER NOT NULL DEFAULT 0,
        next_attempt_at   INTEGER NOT NULL,
        created_at        INTEGER NOT NULL,
        updated_at        INTEGER NOT NULL,
        delivered_at      INTEGER,
        dead_lettered_at  INTEGER,
        last_error        TEXT
      );
      CREATE INDEX notifications_due ON notifications (next_attempt_at) WHERE status = 'pending';
      CREATE INDEX notifications_created ON notifications (created_at);
      CREATE INDEX notifications_fingerprint ON notifications (alert_fingerprint);

      -- Every delivery attempt of a notification.
      CREATE TABLE delivery_attempts (
        id              INTEGER PRIMARY KEY,
        notification_id INTEGER NOT NULL REFERENCES notifications (id) ON DELETE CASCADE,
        channel         TEXT NOT NULL,
        ts              INTEGER NOT NULL,
        outcome         TEXT NOT NULL CHECK (outcome IN ('delivered', 'retry', 'failed')),
        http_status     INTEGER,
        error           TEXT,
        latency_ms      REAL NOT NULL
      );
      CREATE INDEX delivery_attempts_notification ON delivery_attempts (notification_id);
      CREATE INDEX delivery_attempts_ts ON delivery_attempts (ts);

      CREATE TABLE silences (
        id         TEXT PRIMARY KEY,
        matchers   TEXT NOT NULL,          -- JSON array of { name, value, isRegex, isEqual }
        starts_at  INTEGER NOT NULL,
        ends_at    INTEGER NOT NULL,
        created_by TEXT NOT NULL,
        comment    TEXT NOT NULL DEFAULT '',
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );
      CREATE INDEX silences_ends ON silences (ends_at);
      CREATE INDEX silences_starts ON silences (starts_at);

      -- Learned baselines, so that a restart does not forget them.
      CREATE TABLE detector_state (
        series_key TEXT NOT NULL,
        detector   TEXT NOT NULL,
        state      TEXT NOT NULL,          -- JSON
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (series_key, detector)
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 2,
    name: "alert engine state, per-channel outbox indexes",
    sql: `
      -- The alert engine's state (alerts it tracks, grouping buffers, run-time silences), one row per
      -- part, written in the transaction that writes the alerts and the outbox rows it produced, so a
      -- restart (even kill -9) resumes the engine exactly where the outbox is. A tick rewrites only
      -- the parts that changed.
      CREATE TABLE alert_engine_state (
        key        TEXT PRIMARY KEY,       -- alert:<fingerprint>, buffer:<channel>, silences
        state      TEXT NOT NULL,          -- JSON
        updated_at INTEGER NOT NULL
      ) WITHOUT ROWID;

      -- Delivery workers claim due rows channel by channel: a channel whose backlog is due must not
      -- make another channel's claim scan past it.
      CREATE INDEX notifications_channel_due ON notifications (channel, next_attempt_at) WHERE status = 'pending';
      -- A notification waits for older pending ones of the same alert on its channel (a resolve never
      -- overtakes its firing): finding them reads only pending rows, not the alert's whole history.
      CREATE INDEX notifications_channel_alert_pending ON notifications (channel, alert_fingerprint, id) WHERE status = 'pending';
    `,
  },
  {
    version: 3,
    name: "remediation runs",
    sql: `
      -- Every decision of remediation: an action that matched an alert and what came of it (skipped,
      -- dry run, awaiting approval, ran, verified...). Written before an action starts, so a kill -9
      -- while it runs leaves a 'running' row that the next start records as interrupted.
      CREATE TABLE remediation_runs (
        id                INTEGER PRIMARY KEY,
        action            TEXT NOT NULL,
        kind              TEXT NOT NULL,
        mode              TEXT NOT NULL,
        alert_fingerprint TEXT NOT NULL,
        alert_labels      TEXT NOT NULL,   -- JSON object
        outcome           TEXT NOT NULL,
        reason            TEXT NOT NULL,
        plan              TEXT NOT NULL,
        exit_code         INTEGER,
        signal            TEXT,
        output            TEXT NOT NULL,
        decided_by        TEXT,
        created_at        INTEGER NOT NULL,
        started_at        INTEGER,
        ended_at          INTEGER,
        verify_by         INTEGER,
        updated_at        INTEGER NOT NULL
      );
      CREATE INDEX remediation_runs_updated ON remediation_runs (updated_at, id);
      -- Rate limits count the runs of an action that started within a window.
      CREATE INDEX remediation_runs_action_started ON remediation_runs (action, started_at) WHERE started_at IS NOT NULL;
      -- Runs not yet final: what a restart resumes (awaiting approval, verifying) or closes (running).
      CREATE INDEX remediation_runs_open ON remediation_runs (outcome) WHERE outcome IN ('awaiting_approval', 'running', 'verifying');
    `,
  },
  {
    version: 4,
    name: "export queue (remote_write, OTLP)",
    sql: `
      -- Pushes waiting for their receiver, oldest first: one row per push interval and target, the
      -- protobuf message compressed with snappy. AUTOINCREMENT: an id is never reused, so id order is
      -- the order of the pushes even after the newest rows were sent and deleted.
      CREATE TABLE export_queue (
        id         INTEGER PRIMARY KEY AUTOINCREMENT,
        target     TEXT NOT NULL,     -- remote_write, otlp
        created_at INTEGER NOT NULL,  -- ms, when the push was taken
        samples    INTEGER NOT NULL,
        bytes      INTEGER NOT NULL,  -- length of body, what the queue's bound counts
        body       BLOB NOT NULL
      );
      CREATE INDEX export_queue_target ON export_queue (target, id);
    `,
  },
  {
    version: 5,
    name: "raw points in compressed blocks",
    sql: `
      -- Raw points, kept in memory for a few minutes and then written as one row holding every series'
      -- points of that span, compressed (about 2 bytes a point instead of a row of 20 per point, written
      -- once a tick, then moved once an hour). Appended in time order: a write touches new pages only.
      -- series: the directory (each series id and the length of its points in data); data: the points
      -- (see point-block.ts). A block never spans an hour boundary. points and points_recent keep what
      -- older agents wrote, read until it ages out.
      CREATE TABLE raw_blocks (
        id        INTEGER PRIMARY KEY,
        start_ts  INTEGER NOT NULL,  -- first point
        end_ts    INTEGER NOT NULL,  -- last point
        points    INTEGER NOT NULL,
        series    BLOB NOT NULL,
        data      BLOB NOT NULL
      );
      CREATE INDEX raw_blocks_start ON raw_blocks (start_ts);

      -- Blocks whose points are not yet in the roll-ups. A table of its own, not a column: marking a
      -- block rolled up would rewrite its pages, deleting a row here touches one small page.
      CREATE TABLE raw_blocks_pending (
        id       INTEGER PRIMARY KEY,  -- raw_blocks.id
        start_ts INTEGER NOT NULL
      );
    `,
  },
  {
    version: 6,
    name: "anomalies: effect and related series",
    sql: `
      -- A learned finding's effect (expected value and range, deviation, since when) and the series
      -- that deviated with it (one finding for one event): JSON, NULL when the finding has none.
      ALTER TABLE anomalies ADD COLUMN effect TEXT;
      ALTER TABLE anomalies ADD COLUMN related TEXT;
    `,
  },
  {
    version: 7,
    name: "roll-ups in compressed blocks, written with the raw blocks",
    sql: `
      -- Series are found by metric in memory (SeriesIndex); this index only cost writes. Dropped
      -- first, so that the root pages created next fill its place (no free page is left behind).
      DROP INDEX series_metric;
      -- Roll-ups of each raw block, written in its transaction: its minutes (resolution 60000) and
      -- its share of its hour (resolution 3600000; maintenance merges an hour's shares into one row
      -- once the hour is over). Min, max, sum and count per bucket and series, compressed (see
      -- rollup-block.ts). Appended in time order like raw_blocks, where rows of rollup_1m and rollup_1h
      -- (one place per series) rewrote a page or two of every series at each roll-up. A block never
      -- spans an hour. rollup_1m and rollup_1h keep what older agents wrote, read until it ages out.
      CREATE TABLE rollup_blocks (
        id         INTEGER PRIMARY KEY,
        resolution INTEGER NOT NULL,  -- bucket size, ms
        start_ts   INTEGER NOT NULL,  -- first bucket (the hour, for an hour's share)
        end_ts     INTEGER NOT NULL,
        series     BLOB NOT NULL,     -- directory: each series id and the length of its part
        data       BLOB NOT NULL
      );
      CREATE INDEX rollup_blocks_start ON rollup_blocks (resolution, start_ts);
    `,
  },
  {
    version: 8,
    name: "roll-up blocks compressed in groups of series",
    sql: `
      -- rollup_blocks.data was deflated whole: a query of one series inflated every series of each
      -- block it read. It is now deflated in groups of series (rollup-block.ts, layout 2); the rows an
      -- agent of schema 7 wrote are converted by regroupRollupBlock, their directory unchanged. An
      -- agent of schema 7 cannot read layout 2: the version stops it from opening this file.
      SELECT 1;
    `,
    convert: regroupRollupBlocks,
  },
];

/** Migration 8: every roll-up block of layout 1 (deflated whole) to layout 2 (in groups of series). */
function regroupRollupBlocks(db: Database): void {
  const ids = db.query<{ id: number }, []>("SELECT id FROM rollup_blocks WHERE substr(data, 1, 1) <> x'02' ORDER BY id").all();
  const read = db.query<{ series: Uint8Array; data: Uint8Array }, [number]>("SELECT series, data FROM rollup_blocks WHERE id = ?");
  const update = db.prepare<unknown, [Uint8Array, number]>("UPDATE rollup_blocks SET data = ? WHERE id = ?");
  for (const { id } of ids) update.run(regroupRollupBlock(read.get(id)!), id);
}

/** The database was written by a newer agent: this one must not write into a schema it does not know. */
export class NewerSchemaError extends Error {
  constructor(
    readonly found: number,
    readonly known: number,
  ) {
    super(`database schema version ${found} is newer than this agent's (${known})`);
    this.name = "NewerSchemaError";
  }
}

/**
 * Brings a database up to the latest schema: each missing migration runs in its own transaction with
 * its row in `schema_migrations`, so a crash between two leaves a database at a known version.
 * Returns the versions applied (none when already current).
 */
export function migrate(db: Database, now: number, migrations: readonly Migration[] = MIGRATIONS): number[] {
  db.run(
    `CREATE TABLE IF NOT EXISTS schema_migrations (
       version    INTEGER PRIMARY KEY,
       name       TEXT NOT NULL,
       applied_at INTEGER NOT NULL
     )`,
  );
  const current = assertKnownSchema(db, migrations);
  const applied: number[] = [];
  for (const migration of migrations) {
    if (migration.version <= current) continue;
    db.transaction(() => {
      db.run(migration.sql);
      migration.convert?.(db);
      db.run("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)", [migration.version, migration.name, now]);
    }).immediate();
    applied.push(migration.version);
  }
  return applied;
}

/**
 * Returns the schema version, or throws NewerSchemaError for a database of a newer agent. It only
 * reads, so it can run before anything (even a journal mode) is written to a file that is not ours
 * to change.
 */
export function assertKnownSchema(db: Database, migrations: readonly Migration[] = MIGRATIONS): number {
  const exists = db.query("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'schema_migrations'").get();
  const current = exists ? schemaVersion(db) : 0;
  const known = migrations.at(-1)?.version ?? 0;
  if (current > known) throw new NewerSchemaError(current, known);
  return current;
}

/** The highest migration applied, 0 for an empty database. */
export function schemaVersion(db: Database): number {
  const row = db.query<{ version: number | null }, []>("SELECT max(version) AS version FROM schema_migrations").get();
  return row?.version ?? 0;
}
