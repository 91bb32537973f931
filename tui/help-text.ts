/** What each key does, as the help screen lists it. */
export const KEYS: ReadonlyArray<readonly [string, string]> = [
  ["q, Ctrl-C", "quit (in-process: stops the agent as SIGTERM does)"],
  ["p", "pause the screen; data keeps coming and shows on resume"],
  ["tab, →, shift-tab, ←", "next or previous panel (a small terminal shows one at a time)"],
  ["1 2 3 4", "host, anomalies, alerts and deliveries, remediation"],
  ["↑ ↓, k j, PgUp PgDn, Home", "scroll the focused list (remediation: select a run)"],
  ["a, d", "remediation: approve or deny the selected run awaiting approval; y confirms, any other key cancels"],
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
];
