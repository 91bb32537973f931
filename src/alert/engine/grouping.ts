import type { AlertNotice, Notification } from "../notifier.ts";
import type { GroupEntry, GroupRecord } from "./engine-state.ts";
import { SEVERITY_RANK } from "./severity-rank.ts";

/** What grouping needs: the window, who sends, and the hash of the grouped idempotency key. */
export interface GroupingSettings {
  agentName: string;
  environment: string;
  /** A channel's group closes this long after its first notice (0: at the end of the tick). */
  groupWaitMs: number;
  hash: (text: string) => string;
}

/**
 * Grouping: a burst of alert changes becomes one notification per channel. A channel's first notice
 * opens its window; every notice until the window closes joins it (the latest word on an alert's
 * episode replaces an earlier one: a repeat, a change of severity, its resolve; the resolve of one
 * episode and the firing of the next both stay); then the channel gets one notification whose lead
 * alert is the most important (firing before resolved, critical before warning, older first).
 */
export interface Grouping {
  /** Adds a notice to its channel's window, opening one at `now` if none is open. */
  add(channel: string, notice: AlertNotice, key: string, now: number): void;
  /** Takes back the notice of an alert's episode (it started firing at `startsAt`) not sent yet: it fired and resolved within the window. */
  retract(channel: string, fingerprint: string, startsAt: string): void;
  /**
   * The notifications of the windows that closed by `now`, one per channel, in the order the windows
   * opened. `sent` is called for each notice that leaves, before its notification is returned.
   */
  flush(now: number, sent: (channel: string, entry: GroupEntry) => void): Notification[];
  /** The open windows, as saved in the engine state. */
  export(): GroupRecord[];
}

/** One channel's open window, held by alert episode (`episodeOf`) so adding or dropping a notice costs O(1). */
interface ChannelGroup {
  channel: string;
  openedAt: number;
  entries: Map<string, GroupEntry>;
}

/**
 * Creates the grouping step, resuming the windows of a saved state; a window of a channel that
 * `channels` no longer has (removed from the configuration) has nowhere to go and is dropped.
 */
export function createGrouping(settings: GroupingSettings, restored: readonly GroupRecord[], channels: ReadonlySet<string>): Grouping {
  const groups = new Map<string, ChannelGroup>();
  for (const b of restored) {
    if (channels.has(b.channel)) groups.set(b.channel, { ...b, entries: new Map(b.entries.map((e) => [episodeOf(e.notice), e])) });
  }

  const notificationOf = (notices: AlertNotice[], keys: string[], channel: string, now: number): Notification => {
    const sorted = [...notices].sort(leadFirst);
    const lead = sorted[0]!;
    const idempotencyKey = keys.length === 1 ? keys[0]! : settings.hash(JSON.stringify([...keys].sort())).slice(0, 32);
    return {
      ...lead,
      status: sorted.some((n) => n.status === "firing") ? "firing" : "resolved",
      idempotencyKey,
      channel,
      agentName: settings.agentName,
      environment: settings.environment,
      test: false,
      createdAt: new Date(now).toISOString(),
      alerts: sorted,
    };
  };

  return {
    add(channel, notice, key, now) {
      let group = groups.get(channel);
      if (!group) {
        group = { channel, openedAt: now, entries: new Map() };
        groups.set(channel, group);
      }
      // The latest word on an alert's episode wins within a window: a repeat, a change of severity or
      // its resolve replaces the notice (a Map keeps the first insertion's place). A new episode is
      // another entry: the resolve of the one before must still go.
      group.entries.set(episodeOf(notice), { notice, key });
    },

    retract(channel, fingerprint, startsAt) {
      const group = groups.get(channel);
      if (!group) return;
      group.entries.delete(episodeOf({ fingerprint, startsAt }));
      if (group.entries.size === 0) groups.delete(channel);
    },

    flush(now, sent) {
      const out: Notification[] = [];
      for (const [channel, group] of groups) {
        if (now - group.openedAt < settings.groupWaitMs) continue;
        groups.delete(channel);
        const entries = [...group.entries.values()];
        if (entries.length === 0) continue;
        for (const e of entries) sent(channel, e);
        out.push(
          notificationOf(
            entries.map((e) => e.notice),
            entries.map((e) => e.key),
            channel,
            now,
          ),
        );
      }
      return out;
    },

    export() {
      return [...groups.values()].map((g) => ({ channel: g.channel, openedAt: g.openedAt, entries: [...g.entries.values()] }));
    },
  };
}

/** One episode of one alert: its fingerprint and when it started firing. */
function episodeOf(notice: Pick<AlertNotice, "fingerprint" | "startsAt">): string {
  return `${notice.fingerprint} ${notice.startsAt}`;
}

/** Firing before resolved, critical before warning, older first: the first is the lead alert. */
function leadFirst(x: AlertNotice, y: AlertNotice): number {
  if (x.status !== y.status) return x.status === "firing" ? -1 : 1;
  const s = SEVERITY_RANK[y.finding.severity] - SEVERITY_RANK[x.finding.severity];
  if (s !== 0) return s;
  return x.startsAt < y.startsAt ? -1 : x.startsAt > y.startsAt ? 1 : x.fingerprint < y.fingerprint ? -1 : 1;
}
