import type { Clock } from "../clock.ts";
import { formatDuration } from "../config/duration.ts";
import { type LabelTest, compileMatcher, parseMatcher } from "../config/matcher.ts";
import type { ActionConfig } from "../config/remediation.ts";
import type { Config } from "../config/schema.ts";
import type { AlertChange, AlertView } from "../contracts/alert.ts";
import type { Finding } from "../contracts/finding.ts";
import { FINAL_OUTCOMES, type RemediationRun } from "../contracts/remediation.ts";
import type { EventBus } from "../event-bus.ts";
import { type Logger, componentLogger } from "../log.ts";
import type { SelfMetrics } from "../self-metrics.ts";
import {
  type NewRemediationRun,
  type RemediationRunChanges,
  countStartedRuns,
  getRemediationRun,
  insertRemediationRun,
  openRemediationRuns,
  updateRemediationRun,
} from "../store/remediation-runs.ts";
import type { Store } from "../store/store.ts";
import type { ActionAlert, ActionResult, PreparedAction, RemediationAction } from "./action.ts";

/** What the remediator needs from the agent. */
export interface RemediatorDeps {
  /** An open store: every decision is recorded there before anything is done. */
  store: Pick<Store, "read" | "transaction">;
  clock: Clock;
  events?: EventBus;
  metrics: SelfMetrics;
  /** The root logger; it logs as `aiops_agent.remediate`. */
  log: Logger;
  /** Builds the action of a configured entry (its kind's code). */
  createAction: (config: ActionConfig) => RemediationAction;
  /** The alert engine's view of an alert now (silenced? inhibited? still firing?). */
  currentAlert: (fingerprint: string) => AlertView | undefined;
}

/** Why an approval or a denial through the API or the TUI was not taken. */
export class RemediationError extends Error {
  constructor(
    message: string,
    readonly code: "not_found" | "conflict",
  ) {
    super(message);
    this.name = "RemediationError";
  }
}

/** Allow-listed actions on alerts: matched, limited, recorded, approved, run and verified. */
export interface Remediator {
  /** Closes what a stop left open: a run still `running` (even after kill -9) is recorded `interrupted`, never re-run. */
  start(): void;
  /** One tick's alert changes: an alert that starts firing is matched against every action. */
  onAlertChanges(changes: readonly AlertChange[]): void;
  /** Expires approvals and judges verifications whose time has come. */
  tick(): void;
  /** Runs an action waiting for approval; `by` is who approved (the API token's name, or `tui`). */
  approve(id: number, by: string): RemediationRun;
  deny(id: number, by: string): RemediationRun;
  /** What the agent must say about remediation itself: the global budget used up. */
  findings(): Finding[];
  reload(config: Config): void;
  /** Waits for the actions in flight (at most `graceMs`), then cuts them; they are recorded `interrupted`. */
  close(graceMs?: number): Promise<void>;
  /** Promises of the actions now running (tests wait for them). */
  readonly inFlight: ReadonlyArray<Promise<void>>;
}

interface ActionEntry {
  config: ActionConfig;
  action: RemediationAction;
  matches: LabelTest[];
}

/** Finding type raised while the global budget is used up. */
export const BUDGET_FINDING = "remediation_budget_exhausted";

/**
 * The remediation controller. An alert that starts firing is matched against every configured action;
 * each match is a recorded run. An action never runs while its alert is silenced or inhibited, never
 * twice at once, never past its own rate limit or the global budget; `dry_run` (the default) records
 * the plan, `approve` waits for a person, `auto` acts. After acting it watches the alert for
 * `verify_within`: resolved in time is `succeeded`, still firing is `failed`. Runs are written before
 * the action starts, so a kill -9 leaves a `running` row that the next start records `interrupted`.
 */
export function createRemediator(config: Config, deps: RemediatorDeps): Remediator {
  const log = componentLogger(deps.log, "remediate");
  const runs = deps.metrics.counter("aiops_remediation_runs_total", "Remediation runs that reached an outcome, by action and outcome.");
  let settings = config.remediation;
  let actions = buildActions(settings.actions);
  /** Runs executing now, by action name: at most one per action. */
  const executing = new Map<string, { id: number; abort: AbortController; done: Promise<void> }>();
  let closing = false;
  /**
   * Whether the store may hold a run that is not final: false once a look found none, true again when
   * this remediator writes a run (only it writes them). While false a tick asks the store nothing:
   * with no action configured, or none acting, the stage costs nothing.
   */
  let mayHaveOpenRuns = true;

  function buildActions(list: readonly ActionConfig[]): Map<string, ActionEntry> {
    const out = new Map<string, ActionEntry>();
    for (const a of list) {
      const matches = a.match.map((m) => compileMatcher(parseMatcher(m) as Exclude<ReturnType<typeof parseMatcher>, string>));
      out.set(a.name, { config: a, action: deps.createAction(a), matches });
    }
    return out;
  }

  const now = () => deps.clock.wall().getTime();

  /** Writes a change and tells the event stream; counts a run that reached its outcome. */
  function record(id: number, changes: Omit<RemediationRunChanges, "updatedAt">): RemediationRun {
    mayHaveOpenRuns = true;
    const run = deps.store.transaction((db) => updateRemediationRun(db, id, { ...changes, updatedAt: now() }));
    if (!run) throw new Error(`remediation run ${id} is gone from the store`);
    announce(run, changes.outcome !== undefined);
    return run;
  }

  function insert(run: Omit<NewRemediationRun, "createdAt" | "updatedAt">): RemediationRun {
    const at = now();
    mayHaveOpenRuns = true;
    const saved = deps.store.transaction((db) => insertRemediationRun(db, { ...run, createdAt: at, updatedAt: at }));
    announce(saved, true);
    return saved;
  }

  /** Tells the event stream and the log; `reached` when this change set the outcome (each outcome is counted once). */
  function announce(run: RemediationRun, reached: boolean): void {
    if (reached && FINAL_OUTCOMES.includes(run.outcome)) runs.inc({ action: run.action, outcome: run.outcome });
    deps.events?.publish({ type: "remediation", remediation: run });
    const fields = { action: run.action, run: run.id, outcome: run.outcome, alert: run.alert.fingerprint, ...(run.reason ? { reason: run.reason } : {}) };
    if (run.outcome === "failed" || run.outcome === "interrupted") log.warning(fields, `Remediation ${run.action}: ${run.outcome}`);
    else if (run.outcome !== "skipped") log.info(fields, `Remediation ${run.action}: ${run.outcome}`);
  }

  /** Why an alert must not be acted on now, if it must not. */
  function muted(alert: AlertView | undefined): string | undefined {
    if (!alert) return undefined;
    if (alert.silencedBy.length > 0) return `the alert is silenced (${alert.silencedBy.join(", ")})`;
    if (alert.inhibitedBy) return `the alert is inhibited by ${alert.inhibitedBy}`;
    return undefined;
  }

  /** Why an action may not act now: already running, its rate limit, the global budget. */
  function blocked(entry: ActionEntry, at: number): string | undefined {
    if (executing.has(entry.config.name)) return "the action is already running (one run at a time)";
    const { runs: limit, within } = entry.config.limit;
    const used = deps.store.read((db) => countStartedRuns(db, at - within * 1000, entry.config.name));
    if (used >= limit) return `rate limit: ${used} runs within ${formatDuration(within)} (limit.runs ${limit})`;
    const total = deps.store.read((db) => countStartedRuns(db, at - settings.budget.within * 1000));
    if (total >= settings.budget.runs) return `budget used up: ${total} runs of all actions within ${formatDuration(settings.budget.within)} (remediation.budget.runs ${settings.budget.runs})`;
    return undefined;
  }

  /**
   * Takes the action's one slot and marks the run started, before anything asynchronous: a second alert
   * in the same tick finds the action busy, and the rate limit and the budget count this run already.
   */
  function reserve(entry: ActionEntry, runId: number): { abort: AbortController; release: () => void; settle: (done: Promise<void>) => void } {
    const abort = new AbortController();
    let settle!: (done: Promise<void>) => void;
    const done = new Promise<void>((resolve) => {
      settle = (work) => void work.finally(resolve);
    });
    executing.set(entry.config.name, { id: runId, abort, done });
    const release = () => {
      if (executing.get(entry.config.name)?.id === runId) executing.delete(entry.config.name);
      settle(Promise.resolve());
    };
    return { abort, release, settle };
  }

  /** Acts on a reserved run: `running` is in the store before the action starts; its end is recorded when it comes. */
  function execute(entry: ActionEntry, runId: number, prepared: Extract<PreparedAction, { plan: string }>, slot: ReturnType<typeof reserve>): void {
    record(runId, { outcome: "running", plan: prepared.plan });
    const work = prepared
      .run(slot.abort.signal)
      .catch((cause: unknown): ActionResult => ({ ok: false, reason: `the action failed: ${(cause as Error)?.message ?? String(cause)}`, output: "" }))
      .then((result) => finish(entry, runId, result, slot.abort.signal.aborted))
      .catch((cause: unknown) => log.error({ err: cause, run: runId }, "Could not record the end of a remediation run"))
      .finally(() => slot.release());
    slot.settle(work);
  }

  /** Prepares a reserved run and acts, or records why not (nothing to act on, the agent stopping). */
  function prepareAndRun(entry: ActionEntry, runId: number, alert: ActionAlert, slot: ReturnType<typeof reserve>): void {
    entry.action.prepare(alert).then(
      (prepared) => {
        if ("refused" in prepared) {
          record(runId, { outcome: "skipped", reason: prepared.refused, startedAt: null, endedAt: now() });
          return slot.release();
        }
        if (closing) {
          record(runId, { outcome: "skipped", reason: "the agent is stopping", plan: prepared.plan, startedAt: null, endedAt: now() });
          return slot.release();
        }
        execute(entry, runId, prepared, slot);
      },
      (cause: unknown) => {
        record(runId, { outcome: "failed", reason: `could not prepare the action: ${(cause as Error)?.message ?? String(cause)}`, endedAt: now() });
        slot.release();
      },
    );
  }

  function finish(entry: ActionEntry, runId: number, result: ActionResult, cut: boolean): void {
    const at = now();
    const ended = { endedAt: at, output: result.output, exitCode: result.exitCode ?? null, signal: result.signal ?? null };
    if (cut) {
      record(runId, { ...ended, outcome: "interrupted", reason: result.reason || "the agent stopped while the action ran" });
      return;
    }
    if (!result.ok) {
      record(runId, { ...ended, outcome: "failed", reason: result.reason });
      return;
    }
    const run = deps.store.read((db) => getRemediationRun(db, runId));
    const alert = run ? deps.currentAlert(run.alert.fingerprint) : undefined;
    if (!alert || alert.state !== "firing") {
      record(runId, { ...ended, outcome: "succeeded", reason: "" });
      return;
    }
    record(runId, { ...ended, outcome: "verifying", verifyBy: at + entry.config.verify_within * 1000 });
  }

  /** One alert that started firing, against one action that matches it. */
  function decide(entry: ActionEntry, change: AlertChange): void {
    const alert: ActionAlert = { fingerprint: change.fingerprint, labels: change.alert.labels };
    const base = { action: entry.config.name, kind: entry.action.kind, mode: entry.config.mode, alert, reason: "", plan: "", exitCode: null, signal: null, output: "", decidedBy: null, startedAt: null, endedAt: null, verifyBy: null };
    const skip = (reason: string, plan = "") => insert({ ...base, outcome: "skipped", reason, plan, endedAt: now() });
    const quiet = muted(change.alert);
    if (quiet) return void skip(quiet);
    const at = now();
    const reason = entry.config.mode === "dry_run" ? undefined : blocked(entry, at);
    if (reason) return void skip(reason);
    if (entry.config.mode === "auto") {
      const run = insert({ ...base, outcome: "running", startedAt: at });
      return prepareAndRun(entry, run.id, alert, reserve(entry, run.id));
    }
    // The plan is made now (which processes, which files), so a dry run and an approver see what would happen.
    if (entry.config.mode === "dry_run") {
      void entry.action.prepare(alert).then(
        (prepared) =>
          "refused" in prepared
            ? skip(prepared.refused)
            : insert({ ...base, outcome: "dry_run", plan: prepared.plan, endedAt: now() }),
        (cause: unknown) => insert({ ...base, outcome: "failed", reason: `could not prepare the action: ${(cause as Error)?.message ?? String(cause)}`, endedAt: now() }),
      );
      return;
    }
    const run = insert({ ...base, outcome: "awaiting_approval" });
    void entry.action.prepare(alert).then(
      (prepared) => ("refused" in prepared ? record(run.id, { outcome: "skipped", reason: prepared.refused, endedAt: now() }) : record(run.id, { plan: prepared.plan })),
      (cause: unknown) => record(run.id, { outcome: "failed", reason: `could not prepare the action: ${(cause as Error)?.message ?? String(cause)}`, endedAt: now() }),
    );
  }

  return {
    get inFlight() {
      return [...executing.values()].map((e) => e.done);
    },
    start() {
      for (const run of deps.store.read((db) => openRemediationRuns(db))) {
        if (run.outcome === "running") {
          record(run.id, { outcome: "interrupted", reason: "the agent stopped (or was killed) while the action ran; it is not run again", endedAt: now() });
        }
      }
    },
    onAlertChanges(changes) {
      for (const change of changes) {
        if (change.to === "resolved" || change.to === "inactive") {
          // Resolved while verifying: the action did its job.
          const open = deps.store.read((db) => openRemediationRuns(db)).filter((r) => r.outcome === "verifying" && r.alert.fingerprint === change.fingerprint);
          for (const run of open) record(run.id, { outcome: "succeeded", reason: "" });
        }
        if (change.to !== "firing" || change.from === "firing") continue;
        for (const entry of actions.values()) {
          if (entry.matches.every((test) => test(change.alert.labels))) decide(entry, change);
        }
      }
    },
    tick() {
      if (!mayHaveOpenRuns) return;
      const at = now();
      const open = deps.store.read((db) => openRemediationRuns(db));
      if (open.length === 0) mayHaveOpenRuns = false;
      for (const run of open) {
        if (run.outcome === "awaiting_approval" && at - run.createdAt >= settings.approval_timeout * 1000) {
          record(run.id, { outcome: "expired", reason: `not approved within ${formatDuration(settings.approval_timeout)}`, endedAt: at });
        } else if (run.outcome === "verifying" && run.verifyBy !== null && at >= run.verifyBy) {
          const alert = deps.currentAlert(run.alert.fingerprint);
          if (alert && alert.state === "firing") {
            record(run.id, { outcome: "failed", reason: `the alert still fires ${formatDuration((at - (run.endedAt ?? at)) / 1000)} after the action` });
          } else {
            record(run.id, { outcome: "succeeded", reason: "" });
          }
        }
      }
    },
    approve(id, by) {
      const run = deps.store.read((db) => getRemediationRun(db, id));
      if (!run) throw new RemediationError(`no remediation run ${id}`, "not_found");
      if (run.outcome !== "awaiting_approval") throw new RemediationError(`run ${id} is ${run.outcome}, not awaiting approval`, "conflict");
      const entry = actions.get(run.action);
      if (!entry || entry.config.mode !== "approve") {
        return record(id, { outcome: "skipped", reason: `the action ${run.action} is no longer configured in approve mode`, decidedBy: by, endedAt: now() });
      }
      const alert = deps.currentAlert(run.alert.fingerprint);
      if (!alert || alert.state !== "firing") return record(id, { outcome: "skipped", reason: "the alert no longer fires", decidedBy: by, endedAt: now() });
      const quiet = muted(alert) ?? blocked(entry, now());
      if (quiet) return record(id, { outcome: "skipped", reason: quiet, decidedBy: by, endedAt: now() });
      const approved = record(id, { outcome: "running", decidedBy: by, startedAt: now() });
      prepareAndRun(entry, id, run.alert, reserve(entry, id));
      return approved;
    },
    deny(id, by) {
      const run = deps.store.read((db) => getRemediationRun(db, id));
      if (!run) throw new RemediationError(`no remediation run ${id}`, "not_found");
      if (run.outcome !== "awaiting_approval") throw new RemediationError(`run ${id} is ${run.outcome}, not awaiting approval`, "conflict");
      return record(id, { outcome: "denied", reason: `denied by ${by}`, decidedBy: by, endedAt: now() });
    },
    findings() {
      const acting = [...actions.values()].some((e) => e.config.mode !== "dry_run");
      if (!acting) return [];
      const at = now();
      const used = deps.store.read((db) => countStartedRuns(db, at - settings.budget.within * 1000));
      if (used < settings.budget.runs) return [];
      return [
        {
          type: BUDGET_FINDING,
          severity: "warning",
          message: `Remediation budget used up: ${used} runs within ${formatDuration(settings.budget.within)}; actions are skipped until it frees`,
          value: used,
          threshold: settings.budget.runs,
          metric: "aiops_remediation_runs_in_budget_window",
          labels: {},
          detector: "remediation",
          score: 1,
          timestamp: new Date(at).toISOString(),
        },
      ];
    },
    reload(next) {
      // Built first: an action that cannot be built keeps the running ones.
      const built = buildActions(next.remediation.actions);
      settings = next.remediation;
      actions = built;
    },
    async close(graceMs = 3000) {
      closing = true;
      const running = [...executing.values()];
      if (running.length === 0) return;
      let cancel = () => {};
      const waited = new Promise<void>((resolve) => {
        cancel = deps.clock.setTimer(graceMs, resolve);
      });
      await Promise.race([Promise.all(running.map((r) => r.done)), waited]);
      cancel();
      for (const r of running) r.abort.abort();
      await Promise.all(running.map((r) => r.done));
    },
  };
}
