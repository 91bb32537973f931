import type { AgentHealth } from "../contracts/agent-health.ts";
import { json } from "./http.ts";

function plain(ok: boolean): Response {
  return new Response(ok ? "ok\n" : "unavailable\n", { status: ok ? 200 : 503, headers: { "content-type": "text/plain; charset=utf-8" } });
}

/** `/healthz`: 200 while the loop ticked within three intervals, else 503 (restart me). */
export function healthResponse(health: AgentHealth, verbose: boolean): Response {
  if (!verbose) return plain(health.live);
  return json({ status: health.live ? "ok" : "unavailable", ticks: health.ticks, reasons: health.live ? [] : health.reasons }, health.live ? 200 : 503);
}

/**
 * `/readyz`: 200 once the configuration is loaded and the first collection is done. A degraded part
 * (the store running in memory) does not make the agent unready, but the detail names it.
 */
export function readinessResponse(health: AgentHealth, parts: Record<string, string | undefined>, verbose: boolean): Response {
  if (!verbose) return plain(health.ready);
  const checks: Record<string, string> = {
    config: "ok",
    first_collection: health.ticks > 0 ? "ok" : "pending",
  };
  for (const [name, problem] of Object.entries(parts)) checks[name] = problem ? `degraded: ${problem}` : "ok";
  return json({ status: health.ready ? "ok" : "unavailable", checks, reasons: health.reasons }, health.ready ? 200 : 503);
}
