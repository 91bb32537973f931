import { z } from "zod";
import { list, number, oneOf, requiredText, seconds, textMap } from "./fields.ts";

/** Output formats an exec plugin may print. */
export const PLUGIN_FORMATS = ["prometheus", "nagios", "json"] as const;

/**
 * One entry of `collect.plugins`: a program the agent runs on its own interval, off the tick, with no
 * shell, a time-out and an output cap; its output becomes series (and, for Nagios plugins, findings).
 */
export const pluginSchema = () =>
  z
  .strictObject({
    name: requiredText({
      doc: "Name of the plugin: the `plugin` label of its series and its name in the log.",
      pattern: /^[a-z0-9][a-z0-9_-]*$/,
      allowed: "lower-case letters, digits, - and _ (starting with a letter or digit)",
    }),
    command: list({
      doc: "The program (an absolute path) and its arguments, run without a shell.",
      default: [],
      env: false,
      allowed: "a list: an absolute path then its arguments",
    }),
    format: oneOf(PLUGIN_FORMATS, {
      doc: "What it prints: Prometheus text, Nagios plugin output (exit code and performance data), or JSON lines of name, labels and value.",
      default: "prometheus",
      env: false,
    }),
    interval: seconds({ doc: "How often it runs.", default: 60, min: 1, max: 86400, env: false }),
    timeout: seconds({ doc: "Longest one run may take; then its process group is killed.", default: 10, min: 0.1, max: 3600, env: false }),
    max_output_bytes: number({
      doc: "Most output read from one run; more and the run is stopped and its output dropped.",
      default: 65536,
      min: 256,
      max: 16 * 1024 * 1024,
      integer: true,
      unit: "bytes",
      env: false,
    }),
    env: textMap({ doc: "Environment of the program (it gets none of the agent's, which holds secrets; PATH and LANG are set).", secret: true }),
  })
  .superRefine((p, ctx) => {
    if (p.command.length === 0) ctx.addIssue({ code: "custom", path: ["command"], message: "required (a list: an absolute path then its arguments)" });
    else if (!p.command[0]!.startsWith("/")) {
      ctx.addIssue({ code: "custom", path: ["command", 0], message: "expected an absolute path (no shell, no PATH lookup)" });
    }
    if (p.timeout > p.interval) ctx.addIssue({ code: "custom", path: ["timeout"], message: `expected at most the interval (${p.interval}s)` });
  });

/** A configured exec plugin, every default filled. */
export type PluginConfig = z.output<ReturnType<typeof pluginSchema>>;
