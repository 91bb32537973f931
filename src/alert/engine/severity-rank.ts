import type { Severity } from "../../contracts/finding.ts";

/** How severities order: a higher rank is worse. Picks the strongest finding and the lead alert of a group. */
export const SEVERITY_RANK: Readonly<Record<Severity, number>> = { warning: 1, critical: 2 };
