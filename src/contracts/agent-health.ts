/** Whether the agent is alive and ready, with the reasons when it is not (for /healthz and /readyz). */
export interface AgentHealth {
  /** The loop ticked within three intervals. */
  live: boolean;
  /** Configuration loaded, first collection done, and every part that reports readiness is ready. */
  ready: boolean;
  reasons: string[];
  ticks: number;
  /** Monotonic time of the last completed tick. */
  lastTickAt?: number;
}
