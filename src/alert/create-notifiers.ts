import type { Clock } from "../clock.ts";
import type { ChannelConfig } from "../config/channels.ts";
import { PEM_FILE_LIMIT, readBoundedFile } from "../config/read-bounded-file.ts";
import { channelsOf, repeatSecondsOf } from "../config/resolved-channels.ts";
import { type Config, configSchema } from "../config/schema.ts";
import { secretValues } from "../config/settings.ts";
import { urlCredentialSecrets } from "../config/url-credentials.ts";
import { type HttpClientFactory, createHttpClient } from "./http-client.ts";
import type { Notifier } from "./notifier.ts";
import { createScrubber, secretTexts } from "./scrub.ts";
import { createAlertmanagerNotifier } from "./notifiers/alertmanager.ts";
import { createEmailNotifier } from "./notifiers/email.ts";
import { createPagerDutyNotifier } from "./notifiers/pagerduty.ts";
import { createServiceNowNotifier } from "./notifiers/servicenow.ts";
import { createSlackNotifier } from "./notifiers/slack.ts";
import { createWebhookNotifier } from "./notifiers/webhook.ts";

/** What the notifiers get from outside: the clock, the HTTP client and file reading, so tests control them. */
export interface NotifierDeps {
  clock: Clock;
  /** Makes one HTTP client per channel (each may trust its own CA). */
  http?: HttpClientFactory;
  /** Reads `ca_file`. */
  readFile?: (path: string) => string;
}

/**
 * One notifier per configured channel (the implicit `alert.webhook_url` channel included), by channel name, in
 * configuration order. Throws, naming the key, when a channel's `ca_file` cannot be read: start-up
 * must stop on it rather than every delivery failing later.
 */
export function createNotifiers(config: Config, deps: NotifierDeps): Map<string, Notifier> {
  const out = new Map<string, Notifier>();
  const channels = channelsOf(config);
  const offset = channels.length - config.alert.channels.length;
  channels.forEach((channel, i) => {
    const key = i < offset ? "alert.webhook_url" : `alert.channels[${i - offset}]`;
    out.set(channel.name, createNotifier(channel, config, deps, key));
  });
  return out;
}

/** The notifier of one channel. `key` names the channel in errors (`alert.channels[2]`). */
export function createNotifier(channel: ChannelConfig, config: Config, deps: NotifierDeps, key = channel.name): Notifier {
  return scrubbedOfEverySecret(buildNotifier(channel, config, deps, key), config);
}

/**
 * A notifier whose every error is also struck of every secret of the configuration, in every form
 * (another channel's token, a URL's credentials, the API tokens): what a receiver echoes back is
 * stored, listed by the API and streamed to the TUI, so nothing it echoes may hold one.
 */
function scrubbedOfEverySecret(notifier: Notifier, config: Config): Notifier {
  const scrub = createScrubber(secretTexts([...secretValues(configSchema(), config), ...urlCredentialSecrets(config)]));
  return {
    name: notifier.name,
    type: notifier.type,
    async send(notification, signal) {
      const result = await notifier.send(notification, signal);
      return result.delivered ? result : { ...result, error: scrub(result.error) };
    },
    close: () => notifier.close(),
  };
}

function buildNotifier(channel: ChannelConfig, config: Config, deps: NotifierDeps, key: string): Notifier {
  const { clock } = deps;
  const read = deps.readFile ?? ((path: string) => readBoundedFile(path, PEM_FILE_LIMIT));
  let ca: string | undefined;
  if (channel.ca_file !== undefined) {
    try {
      ca = read(channel.ca_file);
    } catch (cause) {
      throw new Error(`${key}.ca_file: cannot read ${channel.ca_file} (${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message})`, {
        cause,
      });
    }
  }
  const http = () => (deps.http ?? createHttpClient)({ clock, ...(ca !== undefined ? { ca } : {}) });
  switch (channel.type) {
    case "webhook":
      return createWebhookNotifier(channel, { http: http(), clock });
    case "slack":
      return createSlackNotifier(channel, { http: http(), clock });
    case "pagerduty":
      return createPagerDutyNotifier(channel, { http: http(), clock });
    case "alertmanager":
      return createAlertmanagerNotifier(channel, {
        http: http(),
        clock,
        endsAfterMs: 4 * repeatSecondsOf(channel, config) * 1000,
        generatorUrl: channel.generator_url ?? agentUrl(config),
      });
    case "servicenow":
      return createServiceNowNotifier(channel, { http: http(), clock });
    case "email":
      return createEmailNotifier(channel, { clock, ...(ca !== undefined ? { ca } : {}) });
  }
}

/** This agent's own URL as others would reach it: its name and the port it listens on. */
function agentUrl(config: Config): string {
  const port = config.server.listen.replace(/^.*:/, "");
  return `http://${config.agent.name}:${port === "0" ? "8080" : port}`;
}
