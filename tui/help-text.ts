/** What each key does, as the help screen lists it. */
export const KEYS: ReadonlyArray<readonly [string, string]> = [
  ["q, Ctrl-C", "quit (in-process: stops the agent as SIGTERM does)"],
  ["p", "pause the screen; data keeps coming and shows on resume"],
  ["tab, →, shift-tab, ←", "next or previous panel (a small terminal shows one at a time)"],
  ["1 2 3 4 5", "host, anomalies, alerts and deliveries, remediation, processes"],
  ["↑ ↓, k j, PgUp PgDn, Home", "scroll the focused list (remediation: select a run)"],
  ["a, d", "remediation: approve or deny the selected run awaiting approval; y confirms, any other key cancels"],
  ["c, m, i", "processes: sort by CPU, resident memory or I/O (read and written)"],
  ["/", "processes: type a filter (name, command, user or pid); Enter applies it, Esc clears it"],
  ["?, Esc", "close this help"],
];

/** The paragraphs under the keys: what the colours and marks mean. */
export const HELP_SECTIONS: ReadonlyArray<readonly [string, string]> = [
  [
    "Colours and marks",
    "Percentages are green below the warning level, yellow above it (marked !) and red at or above the critical level (marked !!): thresholds.* of the agent's configuration. Filesystems are listed fullest first; a critical one is always in view. While the connection is down, the values go dim as they age and the header says how old they are.",
  ],
  [
    "Remediation",
    "The runs of remediation.actions, newest first: awaiting approval in yellow (the tab counts them), running and verifying cyan, succeeded green, failed and interrupted red. A decision goes to the agent through its API, with the same token; a refusal (no token, a read-only token, a run no longer waiting) shows in the panel, and the agent records the decision as taken by tui.",
  ],
  [
    "Processes",
    "Every process of the agent's last collection, read again at each tick while the panel is in view, under the host's gauges: pid, user (cut with +), CPU in percent of one CPU (200 is two busy CPUs), resident memory, bytes read and written per second (– where the agent may not read them), threads, state and command. The sorted column is marked ▼. States: R running (green), S sleeping, D waiting on disk (yellow), Z zombie (red), T stopped, I idle; kernel threads are dim.",
  ],
];
