import { createHash } from "node:crypto";
import type { Finding } from "../../contracts/finding.ts";
import type { Labels } from "../../contracts/sample.ts";

/** SHA-256 in hex. */
export function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/**
 * The fingerprint of a finding's alert: a hash of its metric, series labels and type. Severity is not
 * part of it: a warning that becomes critical is the same alert, escalated.
 */
export function fingerprintOf(finding: Pick<Finding, "metric" | "labels" | "type">, hash: (text: string) => string = sha256): string {
  return hash(JSON.stringify([finding.metric, sortedEntries(finding.labels), finding.type])).slice(0, 16);
}

/** The series an alert watches (its metric and labels, not its type): what inhibition compares. */
export function seriesKeyOf(finding: Pick<Finding, "metric" | "labels">): string {
  return JSON.stringify([finding.metric, sortedEntries(finding.labels)]);
}

function sortedEntries(labels: Labels): Array<[string, string]> {
  return Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}
