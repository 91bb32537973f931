import { z } from "zod";
import type { RemediationOutcome } from "../contracts/remediation.ts";
import { RemediationError, type Remediator } from "../remediate/remediator.ts";
import { getRemediationRun, listRemediationRuns } from "../store/remediation-runs.ts";
import type { Store } from "../store/store.ts";
import { HttpError, json } from "./http.ts";
import { asBadRequest, cursorParam, limitParam, textParam, timeParam } from "./query-params.ts";
import { type ApiRoute, defineRoute } from "./route.ts";

const OUTCOMES = ["skipped", "dry_run", "awaiting_approval", "denied", "expired", "running", "verifying", "succeeded", "failed", "interrupted"] as const satisfies readonly RemediationOutcome[];

/** What the remediation routes read and change. */
export interface RemediationRoutesDeps {
  store: Store;
  remediator: Remediator;
  /** Who decided, for the record: the API token's name when tokens have names. */
  decidedBy?: (request: Request) => string;
}

function idOf(params: Record<string, string>): number {
  const id = Number(params.id);
  if (!Number.isSafeInteger(id) || id < 1) throw new HttpError(400, "invalid_parameter", `id: expected a run id (a whole number); got ${JSON.stringify(params.id)}`);
  return id;
}

function asHttpError(cause: unknown): never {
  if (cause instanceof RemediationError) throw new HttpError(cause.code === "not_found" ? 404 : 409, cause.code, cause.message);
  throw cause;
}

/**
 * The remediation API: every run newest first (what matched, what was skipped and why, dry runs, what
 * ran and how it was verified), one run, and the approval or denial of a run waiting for one. Actions
 * themselves come only from the configuration file: nothing here can define or change one.
 */
export function createRemediationRoutes(deps: RemediationRoutesDeps): ApiRoute[] {
  const { store, remediator } = deps;
  const who = deps.decidedBy ?? (() => "api");
  return [
    defineRoute({
      method: "GET",
      path: "/api/v1/remediations",
      summary:
        "Remediation runs, most recently changed first: the action, the alert (fingerprint and labels), the mode, the outcome (skipped, dry_run, awaiting_approval, denied, expired, running, verifying, succeeded, failed, interrupted), the reason, the plan, exit code or signal, output and times in ms since the epoch.",
      query: z.strictObject({
        action: textParam.optional(),
        outcome: z.enum(OUTCOMES, { error: `expected one of ${OUTCOMES.join(", ")}` }).optional(),
        fingerprint: textParam.optional(),
        from: timeParam.optional(),
        to: timeParam.optional(),
        limit: limitParam.optional(),
        cursor: cursorParam.optional(),
      }),
      responses: { 200: "a page of runs and the cursor of the next", 400: "a bad filter or cursor" },
      handler({ query }) {
        const page = asBadRequest(() => store.read((db) => listRemediationRuns(db, query)));
        return json({ items: page.items, next_cursor: page.nextCursor });
      },
    }),
    defineRoute({
      method: "GET",
      path: "/api/v1/remediations/:id",
      summary: "One remediation run.",
      query: z.strictObject({}),
      responses: { 200: "the run", 404: "no such run" },
      handler({ params }) {
        const id = idOf(params);
        const run = store.read((db) => getRemediationRun(db, id));
        if (!run) throw new HttpError(404, "not_found", `no remediation run ${id}; GET /api/v1/remediations lists them`);
        return json(run);
      },
    }),
    defineRoute({
      method: "POST",
      path: "/api/v1/remediations/:id/approve",
      summary:
        "Approves a run waiting for approval: it runs now, unless its alert no longer fires, is silenced or inhibited, or a limit is reached (then it is recorded skipped, with the reason).",
      responses: { 200: "the run, now running or skipped", 404: "no such run", 409: "the run is not awaiting approval" },
      handler({ params, request }) {
        const id = idOf(params);
        try {
          return json(remediator.approve(id, who(request)));
        } catch (cause) {
          return asHttpError(cause);
        }
      },
    }),
    defineRoute({
      method: "POST",
      path: "/api/v1/remediations/:id/deny",
      summary: "Denies a run waiting for approval: it never runs.",
      responses: { 200: "the run, now denied", 404: "no such run", 409: "the run is not awaiting approval" },
      handler({ params, request }) {
        const id = idOf(params);
        try {
          return json(remediator.deny(id, who(request)));
        } catch (cause) {
          return asHttpError(cause);
        }
      },
    }),
  ];
}
