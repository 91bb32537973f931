import type { Clock } from "../clock.ts";
import type { HttpClient, HttpRequest } from "./http-client.ts";
import { HttpTransportError } from "./http-transport-error.ts";
import { classifyHttp } from "./http-status.ts";
import { type NotifyResult, failed } from "./notifier.ts";

/**
 * One HTTP attempt of a notifier, judged: the answer through `classifyHttp`, a missing answer
 * through the transport error's own retryable flag. Every error text passes through `scrub`.
 */
export async function sendHttp(client: HttpClient, req: HttpRequest, clock: Clock, scrub: (text: string) => string): Promise<NotifyResult> {
  try {
    const answer = await client.send(req);
    return classifyHttp(answer, clock.wall(), scrub);
  } catch (cause) {
    if (cause instanceof HttpTransportError) return failed(scrub(cause.message), cause.retryable);
    return failed(scrub(`request failed: ${(cause as Error)?.message ?? String(cause)}`), true);
  }
}
