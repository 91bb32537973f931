import { z } from "zod";
import type { Clock } from "../clock.ts";
import { type ApiRoute, defineRoute } from "./route.ts";
import { HttpError, json } from "./http.ts";
import { asBadRequest, cursorParam, limitParam, severityParam, textParam, timeParam } from "./query-params.ts";
import { listAlerts } from "../store/alerts.ts";
import { listDeliveryAttempts } from "../store/delivery-attempts.ts";
import { listNotifications } from "../store/notifications.ts";
import { MAX_PAGE_LIMIT } from "../store/page.ts";
import type { Store } from "../store/store.ts";
import type { AlertStage } from "../alert/alert-stage.ts";
import { SILENCE_LIMITS, SilenceError } from "../alert/silences.ts";
import { alertNamesOf } from "../alert/alert-names.ts";

/** What the alert routes read and change. */
export interface AlertRoutesDeps {
  store: Store;
  /** The alert stage: its engine's live view, and silences through the engine. */
  stage: AlertStage;
  /** Judges which alerts and silences are in force; dates a silence that starts now. */
  clock: Clock;
}

/** A silence as the API takes it: Alertmanager-style matchers, RFC 3339 times (or Unix seconds). */
const silenceBody = z.strictObject({
  matchers: z
    .array(
      z
        .string({ error: "expected a matcher such as alertname=cpu_high" })
        .max(SILENCE_LIMITS.matcherLength, { error: `expected a matcher of at most ${SILENCE_LIMITS.matcherLength} characters` }),
      { error: "expected a list of matchers such as alertname=cpu_high" },
    )
    .min(1, { error: "expected at least one matcher" })
    .max(SILENCE_LIMITS.matchersPerSilence, { error: `expected at most ${SILENCE_LIMITS.matchersPerSilence} matchers` }),
  starts_at: timeParam.optional().meta({ description: "RFC 3339 time or Unix seconds; now when omitted" }),
  ends_at: timeParam,
  created_by: z
    .undefined({ error: "the creator is the name of the token the request shows (server.tokens); remove created_by" })
    .optional()
    .meta({ description: "not accepted: the creator is the name of the token shown" }),
  comment: z.string({ error: "expected text" }).max(2000, { error: "expected at most 2000 characters" }).optional(),
});

/**
 * The alert API: alert history (the store) and the engine's live alerts, the outbox with every
 * delivery attempt, and silences (list, add, expire) through the engine, saved in the store.
 */
export function createAlertRoutes(deps: AlertRoutesDeps): ApiRoute[] {
  const { store, stage, clock } = deps;
  return [
    defineRoute({
      method: "GET",
      path: "/api/v1/alerts",
      summary:
        "Alert history, most recently changed first: one item per alert episode (pending, firing, resolved), times in ms since the epoch. from/to bound the last change.",
      query: z.strictObject({
        state: z.enum(["pending", "firing", "resolved"], { error: "expected pending, firing or resolved" }).optional(),
        severity: severityParam.optional(),
        fingerprint: textParam.optional(),
        from: timeParam.optional(),
        to: timeParam.optional(),
        limit: limitParam.optional(),
        cursor: cursorParam.optional(),
      }),
      responses: { 200: "a page of alerts and the cursor of the next", 400: "a bad filter or cursor" },
      handler({ query }) {
        const page = asBadRequest(() => store.read((db) => listAlerts(db, query)));
        return json({ items: page.items, next_cursor: page.nextCursor });
      },
    }),
    defineRoute({
      method: "GET",
      path: "/api/v1/alerts/active",
      summary:
        "The alert engine's live view: every alert it tracks (pending, firing, recently resolved) with the silences muting it, its inhibitor and whether it flaps.",
      query: z.strictObject({
        state: z.enum(["pending", "firing", "resolved"], { error: "expected pending, firing or resolved" }).optional(),
        severity: severityParam.optional(),
        fingerprint: textParam.optional(),
      }),
      responses: { 200: "the engine's alerts" },
      handler({ query }) {
        const items = stage.engine
          .alerts(clock.wall())
          .filter((a) => (query.state === undefined || a.state === query.state) && (query.severity === undefined || a.severity === query.severity))
          .filter((a) => query.fingerprint === undefined || a.fingerprint === query.fingerprint);
        return json({ items });
      },
    }),
    defineRoute({
      method: "GET",
      path: "/api/v1/deliveries",
      summary:
        "The outbox, newest first: each notification (pending, delivered or dead), the alert it announces by name (alertname, summary), with every delivery attempt (time, outcome, HTTP status, error, latency), oldest attempt first. A pending notification whose nextAttemptAt is 253402300799999 (year 9999) waits for an older one of the same alert on its channel.",
      query: z.strictObject({
        channel: textParam.optional(),
        status: z.enum(["pending", "delivered", "dead"], { error: "expected pending, delivered or dead" }).optional(),
        fingerprint: textParam.optional(),
        from: timeParam.optional(),
        to: timeParam.optional(),
        limit: limitParam.optional(),
        cursor: cursorParam.optional(),
      }),
      responses: { 200: "a page of notifications with their attempts and the cursor of the next", 400: "a bad filter or cursor" },
      handler({ query }) {
        const { fingerprint, ...filter } = query;
        const page = asBadRequest(() =>
          store.read((db) => {
            const notifications = listNotifications(db, { ...filter, ...(fingerprint !== undefined ? { alertFingerprint: fingerprint } : {}) });
            return {
              nextCursor: notifications.nextCursor,
              items: notifications.items.map(({ payload, ...n }) => ({
                ...n,
                // Which alert it announces, by name: what an operator reads, rather than a fingerprint.
                ...alertNamesOf(payload),
                attemptLog: listDeliveryAttempts(db, { notificationId: n.id, limit: MAX_PAGE_LIMIT }).items.reverse(),
              })),
            };
          }),
        );
        return json({ items: page.items, next_cursor: page.nextCursor });
      },
    }),
    defineRoute({
      method: "GET",
      path: "/api/v1/silences",
      summary: "Silences: maintenance windows of the configuration (config-N) and those added through the API (api-N).",
      query: z.strictObject({ state: z.enum(["pending", "active", "expired"], { error: "expected pending, active or expired" }).optional() }),
      responses: { 200: "the silences" },
      handler({ query }) {
        const items = stage.engine.silences(clock.wall()).filter((s) => query.state === undefined || s.state === query.state);
        return json({ items });
      },
    }),
    defineRoute({
      method: "POST",
      path: "/api/v1/silences",
      summary:
        "Adds a silence: alerts whose labels match every matcher (RE2 regular expressions for =~ and !~) notify nobody between starts_at and ends_at. Kept across restarts. The creator is the name of the token shown (loopback without a token). Limits: 32 matchers of 1,024 characters, 8 KiB per silence, 1,000 silences held, 64 Ki characters of regex in all.",
      body: silenceBody,
      responses: { 201: "the silence added", 400: "a bad matcher or time" },
      handler({ body, caller }) {
        const now = clock.wallMs();
        const startsAt = body.starts_at ?? now;
        if (body.ends_at > startsAt && body.ends_at <= now) throw new HttpError(400, "invalid_body", "body.ends_at: expected a time in the future (a silence that has ended mutes nothing)");
        try {
          const silence = stage.addSilence({
            matchers: body.matchers,
            startsAt,
            endsAt: body.ends_at,
            createdBy: caller.name,
            ...(body.comment !== undefined ? { comment: body.comment } : {}),
          });
          return json(silence, 201, { location: `/api/v1/silences/${silence.id}` });
        } catch (cause) {
          if (!(cause instanceof SilenceError)) throw cause;
          // The engine names the field as the body does (matchers[1], endsAt): say it the body's way.
          const message = cause.message.replace(/^startsAt and endsAt/, "starts_at and ends_at").replace(/^endsAt/, "ends_at").replace(/startsAt/g, "starts_at");
          throw new HttpError(400, "invalid_body", `body.${message}`);
        }
      },
    }),
    defineRoute({
      method: "DELETE",
      path: "/api/v1/silences/:id",
      summary: "Expires a silence added through the API (it stays listed as expired). Maintenance windows of the configuration are ended by editing it.",
      responses: { 200: "the silence, now expired", 404: "no such silence", 409: "a silence of the configuration" },
      handler({ params }) {
        const id = params.id ?? "";
        const result = stage.expireSilence(id);
        if (result === "unknown") throw new HttpError(404, "not_found", `no silence ${JSON.stringify(id)}; GET /api/v1/silences lists them`);
        if (result === "configured") {
          throw new HttpError(409, "conflict", `silence ${id} is a maintenance window of the configuration (alert.silences); edit the configuration to end it`);
        }
        const silence = stage.engine.silences(clock.wall()).find((s) => s.id === id);
        return json(silence ?? { id, state: "expired" });
      },
    }),
  ];
}
