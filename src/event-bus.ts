import type { Clock } from "./clock.ts";
import type { AgentEvent, AgentEventBody } from "./contracts/events.ts";

export type EventListener = (event: AgentEvent) => void;

/**
 * In-process publish/subscribe with a bounded replay buffer. A slow or throwing listener never
 * blocks the tick: listeners are called synchronously and their errors are counted, not rethrown.
 * The buffer keeps at most `capacity` events, and of those at most `snapshotCapacity` snapshots: a
 * snapshot is large and the next one supersedes it, so old ones go first, while a finding or an alert
 * change is small and worth replaying to a client that reconnects.
 */
export class EventBus {
  private nextId = 1;
  private readonly recent: AgentEvent[] = [];
  private snapshots = 0;
  /** Id of the newest event dropped that a replay cannot do without (anything but a snapshot). */
  private lostThrough = 0;
  private readonly listeners = new Set<EventListener>();
  /** Listener errors since start (a listener must not break the publisher). */
  listenerErrors = 0;

  private readonly capacity: number;
  private readonly snapshotCapacity: number;

  /** Each event is stamped with the clock's wall time; the buffer holds `capacity` events (1000), `snapshotCapacity` snapshots (30). */
  constructor(
    private readonly clock: Clock,
    options: { capacity?: number; snapshotCapacity?: number } = {},
  ) {
    this.capacity = options.capacity ?? 1000;
    this.snapshotCapacity = options.snapshotCapacity ?? 30;
  }

  publish(body: AgentEventBody): AgentEvent {
    const event = { ...body, id: this.nextId++, time: this.clock.wall().toISOString() } as AgentEvent;
    this.recent.push(event);
    if (event.type === "snapshot" && ++this.snapshots > this.snapshotCapacity) {
      this.recent.splice(this.recent.findIndex((e) => e.type === "snapshot"), 1);
      this.snapshots--;
    }
    if (this.recent.length > this.capacity) {
      const dropped = this.recent.shift()!;
      if (dropped.type === "snapshot") this.snapshots--;
      else this.lostThrough = dropped.id;
    }
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        this.listenerErrors++;
      }
    }
    return event;
  }

  /** Calls `listener` for every later event; returns the function that unsubscribes. */
  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Buffered events with an id above `lastId`. `complete` is false when an event after `lastId` that
   * is not a (superseded) snapshot was dropped, or when `lastId` is one this bus never gave (a client
   * that saw an earlier run of the agent: ids restart).
   */
  since(lastId: number): { events: AgentEvent[]; complete: boolean } {
    if (lastId > this.lastId) return { events: [...this.recent], complete: false };
    return { events: this.recent.filter((e) => e.id > lastId), complete: lastId >= this.lostThrough };
  }

  get lastId(): number {
    return this.nextId - 1;
  }
}
