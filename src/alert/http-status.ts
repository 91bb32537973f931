import { type NotifyResult, delivered, failed } from "./notifier.ts";
import { parseRetryAfter } from "./retry-after.ts";

/** What a notifier needs of an HTTP answer to judge it. */
export interface HttpAnswer {
  status: number;
  headers: Readonly<Record<string, string | undefined>>;
  body: string;
}

/** Longest piece of a response body kept in an error: enough to read the peer's reason. */
const BODY_EXCERPT = 300;

/**
 * The one rule for every HTTP channel, as in Alertmanager's notify package: 2xx is delivered; 5xx and
 * 429 are worth retrying (honouring `Retry-After`); anything else gives up, with the status and the
 * peer's own words as the reason. `scrub` strikes secrets from the echoed body.
 */
export function classifyHttp(answer: HttpAnswer, now: Date, scrub: (text: string) => string = (t) => t): NotifyResult {
  const { status } = answer;
  if (status >= 200 && status < 300) return delivered(status);
  // Strike secrets before cutting: a cut through a secret would leave its first half unrecognised.
  const reason = excerpt(scrub(answer.body));
  const error = `HTTP ${status}${reason ? `: ${reason}` : ""}`;
  if (status >= 500 || status === 429) return failed(error, true, status, parseRetryAfter(answer.headers["retry-after"], now));
  return failed(error, false, status);
}

/** The body on one line, cut to a readable length. */
export function excerpt(body: string): string {
  const one = body.replace(/\s+/g, " ").trim();
  return one.length > BODY_EXCERPT ? `${one.slice(0, BODY_EXCERPT)}…` : one;
}
