import type { Labels } from "../contracts/sample.ts";
import type { ChannelType } from "../config/channels.ts";
import type { Finding } from "../contracts/finding.ts";
import type { RemediationNote } from "../contracts/remediation.ts";

/** Where an alert is in its life, as receivers see it (pending alerts are never sent). */
export type AlertStatus = "firing" | "resolved";

/** One alert as a notification carries it. */
export interface AlertNotice {
  /** Stable id of the alert: a hash of its metric, series labels and type. */
  fingerprint: string;
  status: AlertStatus;
  /**
   * `alertname` (the finding type), `metric`, `severity`, `agent`, `environment`, then the series
   * labels: what Alertmanager groups, silences and inhibits on.
   */
  labels: Labels;
  /** `summary` (the finding's message) and `description` (value, threshold, detector). */
  annotations: Readonly<Record<string, string>>;
  /** The finding that raised it (for a resolved alert, the last one seen). */
  finding: Finding;
  /** ISO-8601 time the alert started firing. */
  startsAt: string;
  /** ISO-8601 time it resolved; absent while firing. */
  endsAt?: string;
  /** What remediation tried for it in this episode, newest first (absent when nothing was). */
  remediations?: readonly RemediationNote[];
}

/**
 * What a channel is asked to deliver: one alert, or a burst of alerts grouped into one message.
 * The top-level alert fields describe the lead alert (firing before resolved, critical before warning),
 * so a receiver that reads one alert (the webhook body of DESIGN.md) still reads the most important one;
 * `alerts` holds every alert of the notification, the lead first.
 */
export interface Notification extends AlertNotice {
  /**
   * Same key for every attempt at delivering this notification: derived from the agent, the alerts,
   * the channel, the state and which (re)send it is. Receivers use it to drop duplicates of a retry.
   */
  idempotencyKey: string;
  /** Name of the channel it is for. */
  channel: string;
  agentName: string;
  environment: string;
  /** A test notification (`aiops-agent test-alert`), not a real alert. */
  test: boolean;
  /** ISO-8601 time the engine made it (attempts may come later, from the outbox). */
  createdAt: string;
  /** Every alert of this notification, the lead first; one entry when nothing was grouped. */
  alerts: readonly AlertNotice[];
}

/** The outcome of one delivery attempt: a value, never an exception. */
export type NotifyResult =
  | {
      delivered: true;
      /** HTTP status, or the SMTP reply code for email. */
      status?: number;
    }
  | {
      delivered: false;
      /** Worth trying again (5xx, 429, a time-out, a dropped connection); false gives up. */
      retryable: boolean;
      /** HTTP status, or SMTP reply code, when the peer answered. */
      status?: number;
      /** What went wrong, for the delivery record and `test-alert`: never holds a secret. */
      error: string;
      /** The peer's `Retry-After`, in milliseconds from now. */
      retryAfterMs?: number;
    };

/**
 * One channel. `send` makes one attempt (no retries: the outbox owns retrying, backoff and
 * Retry-After) and never throws. `close` releases connections; it is safe twice and without a send.
 */
export interface Notifier {
  /** The channel's name (from config). */
  readonly name: string;
  readonly type: ChannelType;
  send(notification: Notification, signal?: AbortSignal): Promise<NotifyResult>;
  close(): Promise<void>;
}

/** A delivered result. */
export function delivered(status?: number): NotifyResult {
  return status === undefined ? { delivered: true } : { delivered: true, status };
}

/** A failed result; `retryAfterMs` only when the peer asked for it. */
export function failed(error: string, retryable: boolean, status?: number, retryAfterMs?: number): NotifyResult {
  return {
    delivered: false,
    retryable,
    error,
    ...(status !== undefined ? { status } : {}),
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
  };
}
