import { z } from "zod";
import {
  boolean,
  instant,
  isHttpUrl,
  list,
  number,
  oneOf,
  optionalSeconds,
  optionalText,
  requiredText,
  secretFile,
  seconds,
  text,
  textMap,
  url,
  urlList,
} from "./fields.ts";
import { parseMatcher } from "./matcher.ts";

/** Channel types, in the order the docs list them. */
export const CHANNEL_TYPES = ["webhook", "slack", "pagerduty", "alertmanager", "servicenow", "email"] as const;
/** One of the channel types. */
export type ChannelType = (typeof CHANNEL_TYPES)[number];

/** Severities a channel can route, as findings name them. */
export const SEVERITIES = ["warning", "critical"] as const;

/** Keys every channel has: its name, what it receives (routing) and how it connects. */
const common = () => ({
  name: requiredText({
    doc: "Name of the channel, used by `test-alert --channel` and in delivery records.",
    pattern: /^[a-z0-9][a-z0-9_-]*$/,
    allowed: "lower-case letters, digits, - and _ (starting with a letter or digit)",
  }),
  severities: list({
    doc: "Severities this channel receives (warning, critical); all when omitted.",
    default: [...SEVERITIES],
    env: false,
    allowed: "a list of warning, critical",
  }),
  types: list({
    doc: "Alert types (finding types such as cpu_high) this channel receives; all when empty.",
    default: [],
    env: false,
  }),
  send_resolved: boolean({ doc: "Also send a notification when an alert resolves.", default: true, env: false }),
  repeat_interval: optionalSeconds({
    doc: "Re-send a still-firing alert this often on this channel (default: alert.repeat_interval).",
    min: 1,
    max: 30 * 86400,
  }),
  timeout: seconds({ doc: "Longest one delivery attempt may take.", default: 10, min: 0.01, max: 300, env: false }),
  ca_file: optionalText({
    doc: "PEM file of extra certificate authorities to trust (a private CA); verification is never turned off.",
    env: false,
    allowed: "a file path",
  }),
});

/** A generic JSON webhook: the DESIGN.md body plus `status`, optionally signed. */
const webhook = () =>
  z
  .strictObject({
    type: z.literal("webhook"),
    ...common(),
    url: url({ doc: "Where to POST the alert.", secret: true, env: false }),
    url_file: secretFile({ doc: "File holding the webhook URL.", of: "url" }),
    secret: optionalText({ doc: "HMAC-SHA256 key: sign each body (X-Aiops-Signature).", secret: true, env: false }),
    secret_file: secretFile({ doc: "File holding the HMAC key.", of: "secret" }),
    headers: textMap({ doc: "Extra HTTP headers (values are treated as secrets).", secret: true }),
  })
  .superRefine((c, ctx) => {
    checkCommon(c, ctx);
    oneOfTheTwo(c, "url", "webhook", ctx);
    exclusive(c, "secret", ctx);
  });

/** A Slack incoming webhook. */
const slack = () =>
  z
  .strictObject({
    type: z.literal("slack"),
    ...common(),
    url: url({ doc: "Slack incoming-webhook URL.", secret: true, env: false }),
    url_file: secretFile({ doc: "File holding the Slack webhook URL.", of: "url" }),
  })
  .superRefine((c, ctx) => {
    checkCommon(c, ctx);
    oneOfTheTwo(c, "url", "slack", ctx);
  });

/** PagerDuty Events API v2. */
const pagerduty = () =>
  z
  .strictObject({
    type: z.literal("pagerduty"),
    ...common(),
    routing_key: optionalText({ doc: "Integration (routing) key of the PagerDuty service.", secret: true, env: false }),
    routing_key_file: secretFile({ doc: "File holding the routing key.", of: "routing_key" }),
    events_url: text({
      doc: "Events API v2 endpoint (change it only for a proxy or a test receiver).",
      default: "https://events.pagerduty.com/v2/enqueue",
      env: false,
      allowed: "an http:// or https:// URL",
    }),
  })
  .superRefine((c, ctx) => {
    checkCommon(c, ctx);
    oneOfTheTwo(c, "routing_key", "pagerduty", ctx);
    if (!isHttpUrl(c.events_url)) ctx.addIssue({ code: "custom", path: ["events_url"], message: "expected an http:// or https:// URL" });
  });

/** Prometheus Alertmanager API v2; every URL receives every alert (each instance of a cluster must). */
const alertmanager = () =>
  z
  .strictObject({
    type: z.literal("alertmanager"),
    ...common(),
    urls: urlList({ doc: "Base URLs of the Alertmanager instances (http://am-0:9093); each receives every alert." }),
    generator_url: optionalText({
      doc: "Base URL of this agent shown as generatorURL (default http://<agent.name>:<server port>).",
      env: false,
      allowed: "an http:// or https:// URL",
    }),
  })
  .superRefine((c, ctx) => {
    checkCommon(c, ctx);
    if (c.urls.length === 0) ctx.addIssue({ code: "custom", path: ["urls"], message: "required for type alertmanager (at least one URL)" });
    if (c.generator_url !== undefined && !isHttpUrl(c.generator_url)) {
      ctx.addIssue({ code: "custom", path: ["generator_url"], message: "expected an http:// or https:// URL" });
    }
  });

/** ServiceNow Event Management: em_event records through /api/global/em/jsonv2. */
const servicenow = () =>
  z
  .strictObject({
    type: z.literal("servicenow"),
    ...common(),
    url: url({ doc: "Instance URL, e.g. https://example.service-now.com.", env: false }),
    username: optionalText({ doc: "User for basic authentication (with password).", env: false }),
    password: optionalText({ doc: "Password for basic authentication.", secret: true, env: false }),
    password_file: secretFile({ doc: "File holding the password.", of: "password" }),
    token: optionalText({ doc: "OAuth bearer token (instead of username and password).", secret: true, env: false }),
    token_file: secretFile({ doc: "File holding the bearer token.", of: "token" }),
    source: text({ doc: "Event source field.", default: "aiops-agent", env: false }),
    event_class: text({ doc: "Event class field.", default: "aiops-agent", env: false }),
  })
  .superRefine((c, ctx) => {
    checkCommon(c, ctx);
    if (c.url === undefined) ctx.addIssue({ code: "custom", path: ["url"], message: "required for type servicenow" });
    exclusive(c, "password", ctx);
    exclusive(c, "token", ctx);
    const basic = c.username !== undefined || c.password !== undefined || c.password_file !== undefined;
    const bearer = c.token !== undefined || c.token_file !== undefined;
    if (basic && bearer) {
      ctx.addIssue({ code: "custom", path: ["token"], message: "set either username and password or token, not both" });
    } else if (!basic && !bearer) {
      ctx.addIssue({ code: "custom", path: ["token"], message: "required for type servicenow (or username and password)" });
    } else if (basic && c.username === undefined) {
      ctx.addIssue({ code: "custom", path: ["username"], message: "required with password" });
    } else if (basic && c.password === undefined && c.password_file === undefined) {
      ctx.addIssue({ code: "custom", path: ["password"], message: "required with username" });
    }
  });

/** Email over SMTP: STARTTLS (required) on the submission port, or TLS from the first byte. */
const email = () =>
  z
  .strictObject({
    type: z.literal("email"),
    ...common(),
    host: optionalText({ doc: "SMTP server host name (its certificate must match it).", env: false }),
    port: number({ doc: "SMTP server port.", default: 587, min: 1, max: 65535, integer: true, env: false }),
    tls: oneOf(["starttls", "implicit"], {
      doc: "starttls: upgrade with STARTTLS and refuse a server without it; implicit: TLS from the start (port 465).",
      default: "starttls",
      env: false,
    }),
    username: optionalText({ doc: "SMTP user (with password).", env: false }),
    password: optionalText({ doc: "SMTP password.", secret: true, env: false }),
    password_file: secretFile({ doc: "File holding the SMTP password.", of: "password" }),
    from: optionalText({ doc: "Sender address.", env: false }),
    to: list({ doc: "Recipient addresses.", default: [], env: false, allowed: "a list of email addresses" }),
  })
  .superRefine((c, ctx) => {
    checkCommon(c, ctx);
    if (c.host === undefined) ctx.addIssue({ code: "custom", path: ["host"], message: "required for type email" });
    if (c.from === undefined) ctx.addIssue({ code: "custom", path: ["from"], message: "required for type email" });
    else if (!isAddress(c.from)) ctx.addIssue({ code: "custom", path: ["from"], message: "expected an email address" });
    if (c.to.length === 0) ctx.addIssue({ code: "custom", path: ["to"], message: "required for type email (at least one address)" });
    c.to.forEach((a, i) => {
      if (!isAddress(a)) ctx.addIssue({ code: "custom", path: ["to", i], message: "expected an email address" });
    });
    exclusive(c, "password", ctx);
    if ((c.password !== undefined || c.password_file !== undefined) && c.username === undefined) {
      ctx.addIssue({ code: "custom", path: ["username"], message: "required with password" });
    }
  });

/**
 * One entry of `alert.channels`, discriminated by `type`: built on each call (see `configSchema`).
 */
export const channelSchema = () =>
  z.discriminatedUnion("type", [webhook(), slack(), pagerduty(), alertmanager(), servicenow(), email()], {
    error: (issue) => (issue.code === "invalid_union" ? `expected one of ${CHANNEL_TYPES.join(", ")}` : undefined),
  });

/** A configured channel, every default filled. Secrets named by `*_file` are already read by the loader. */
export type ChannelConfig = z.output<ReturnType<typeof channelSchema>>;
/** The configuration of one channel type. */
export type ChannelOf<T extends ChannelType> = Extract<ChannelConfig, { type: T }>;

/** Checks every channel shares: `severities` names known severities, `ca_file` is a path. */
function checkCommon(c: { severities: string[] }, ctx: z.RefinementCtx): void {
  c.severities.forEach((s, i) => {
    if (!(SEVERITIES as readonly string[]).includes(s)) {
      ctx.addIssue({ code: "custom", path: ["severities", i], message: `expected one of ${SEVERITIES.join(", ")}` });
    }
  });
  if (c.severities.length === 0) ctx.addIssue({ code: "custom", path: ["severities"], message: "expected at least one severity (omit the key for all)" });
}

function isAddress(v: string): boolean {
  // Either `ops@example.com` or `Ops <ops@example.com>`; the server has the last word.
  return /^[^\s@<>]+@[^\s@<>]+$/.test(v) || /^[^<>]*<[^\s@<>]+@[^\s@<>]+>$/.test(v);
}

/** A secret given inline or through its `_file` key: one is required. */
function oneOfTheTwo(c: Record<string, unknown>, key: string, type: ChannelType, ctx: z.RefinementCtx): void {
  if (c[key] === undefined && c[`${key}_file`] === undefined) {
    ctx.addIssue({ code: "custom", path: [key], message: `required for type ${type} (or ${key}_file)` });
  }
  exclusive(c, key, ctx);
}

/** A secret and its `_file` key are two ways to say one thing: both at once is a mistake. */
function exclusive(c: Record<string, unknown>, key: string, ctx: z.RefinementCtx): void {
  if (c[key] !== undefined && c[`${key}_file`] !== undefined) {
    ctx.addIssue({ code: "custom", path: [`${key}_file`], message: `set only one of ${key} and ${key}_file` });
  }
}

/** A maintenance window: alerts whose labels match every matcher send nothing between starts_at and ends_at. */
export const silenceSchema = () =>
  z
  .strictObject({
    matchers: list({
      doc: "Label matchers, Alertmanager style: name=value, name!=value, name=~regex, name!~regex.",
      default: [],
      env: false,
      allowed: "a list of matchers such as alertname=cpu_high or device=~sd.*",
    }),
    starts_at: instant({ doc: "Start of the window." }),
    ends_at: instant({ doc: "End of the window." }),
    comment: text({ doc: "Why (shown by the API).", default: "", env: false }),
  })
  .superRefine((s, ctx) => {
    if (s.matchers.length === 0) ctx.addIssue({ code: "custom", path: ["matchers"], message: "required (at least one matcher)" });
    s.matchers.forEach((m, i) => {
      const parsed = parseMatcher(m);
      if (typeof parsed === "string") ctx.addIssue({ code: "custom", path: ["matchers", i], message: parsed });
    });
    if (s.ends_at <= s.starts_at) ctx.addIssue({ code: "custom", path: ["ends_at"], message: "expected a time after starts_at" });
  });

/** A maintenance window from the configuration; times are epoch milliseconds. */
export type SilenceConfig = z.output<ReturnType<typeof silenceSchema>>;
