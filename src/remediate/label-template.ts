import { LABEL_TEMPLATE } from "../config/remediation.ts";
import type { Labels } from "../contracts/sample.ts";

/**
 * Fills `{{labels.NAME}}` in one argument with the alert's label, after checking the whole value
 * against the action's pattern for that label (anchored at both ends): a label can never smuggle in
 * another argument, an option or a path it was not meant to reach. Returns the reason when a value fails.
 */
export function fillTemplate(text: string, labels: Labels, patterns: Readonly<Record<string, string>>): { value: string } | { refused: string } {
  let refused: string | undefined;
  const value = text.replace(LABEL_TEMPLATE, (_, name: string) => {
    const label = labels[name] ?? "";
    const pattern = patterns[name];
    if (pattern === undefined || !new RegExp(`^(?:${pattern})$`).test(label)) {
      refused ??= `label ${name}=${JSON.stringify(label)} does not match its pattern ${pattern ?? "(none)"}`;
      return "";
    }
    return label;
  });
  return refused !== undefined ? { refused } : { value };
}
