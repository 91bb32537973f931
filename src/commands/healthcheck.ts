/** What `healthcheck` found: `ok` is the exit status (0 when ready), `message` the one line it prints. */
export interface HealthcheckResult {
  ok: boolean;
  message: string;
}

export interface HealthcheckOptions {
  /** Longest wait for the answer, ms: a hung agent is not ready. */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/** How long `healthcheck` waits by default: below Docker's and Nomad's usual 5–10 s check time-outs. */
export const HEALTHCHECK_TIMEOUT_MS = 4000;

/**
 * Asks a running agent's `/readyz` whether it is ready (configuration loaded, first collection done),
 * for container health checks (Docker's exec-form HEALTHCHECK, Compose, Nomad) where there is no shell
 * or curl. Ready is a 200; anything else, no answer or no answer in time is not ready.
 */
export async function healthcheck(url: string, options: HealthcheckOptions = {}): Promise<HealthcheckResult> {
  const base = url.replace(/\/+$/, "").replace(/\/readyz$/, "");
  const target = `${base}/readyz`;
  const timeoutMs = options.timeoutMs ?? HEALTHCHECK_TIMEOUT_MS;
  let response: Response;
  try {
    response = await (options.fetch ?? fetch)(`${target}?verbose`, { signal: AbortSignal.timeout(timeoutMs), headers: { accept: "application/json" } });
  } catch (cause) {
    const error = cause as Error & { code?: string };
    if (error.name === "TimeoutError") return { ok: false, message: `not ready: ${target} did not answer within ${timeoutMs / 1000} s` };
    return { ok: false, message: `not ready: cannot reach ${target} (${error.code ?? error.message})` };
  }
  const detail = describeReadiness(await response.text());
  if (response.status === 200) return { ok: true, message: `ready: ${target} answered 200${detail ? ` (${detail})` : ""}` };
  return { ok: false, message: `not ready: ${target} answered ${response.status}${detail ? ` (${detail})` : ""}` };
}

/** The parts of `/readyz?verbose` that are not ok (`first_collection: pending`), or the reasons it gives. */
function describeReadiness(body: string): string {
  let parsed: { checks?: Record<string, string>; reasons?: string[] };
  try {
    parsed = JSON.parse(body) as typeof parsed;
  } catch {
    // Not the agent's JSON (another server on the port): its first line says what it is.
    return body.trim().split("\n")[0]?.slice(0, 200) ?? "";
  }
  const notOk = Object.entries(parsed.checks ?? {}).filter(([, v]) => v !== "ok").map(([k, v]) => `${k}: ${v}`);
  return [...notOk, ...(parsed.reasons ?? [])].join("; ");
}
