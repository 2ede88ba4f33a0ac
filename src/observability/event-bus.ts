import type { EventInput, SlipwayEvent } from '../api/event-schemas.js';

export interface EventFilter {
  readonly kinds?: readonly SlipwayEvent['kind'][];
  readonly service?: string;
  readonly deploymentId?: string;
  /** Only events after this sequence number. */
  readonly afterSeq?: number;
}

type Listener = (event: SlipwayEvent) => void;

export function matches(event: SlipwayEvent, filter: EventFilter): boolean {
  if (filter.afterSeq !== undefined && event.seq <= filter.afterSeq) return false;
  if (filter.kinds && !filter.kinds.includes(event.kind)) return false;
  if (filter.service !== undefined && (!('service' in event) || event.service !== filter.service)) return false;
  if (filter.deploymentId !== undefined && (event.kind !== 'deploy' || event.deploymentId !== filter.deploymentId)) return false;
  return true;
}

/**
 * One typed bus per daemon: the engine, the proxy supervisor, certificates, backups and alerts
 * publish; the CLI's follow mode (through the control API), and later the dashboard, subscribe.
 * The last `keep` events stay in memory so a late subscriber (a `deploy --follow` attached to a
 * deploy already running) sees what it missed. A listener that throws is dropped, never the
 * publisher's problem.
 */
export class EventBus {
  readonly #keep: number;
  readonly #recent: SlipwayEvent[] = [];
  readonly #listeners = new Set<{ listener: Listener; filter: EventFilter }>();
  readonly #now: () => number;
  #seq = 0;

  constructor(options: { keep?: number; now?: () => number } = {}) {
    this.#keep = options.keep ?? 2000;
    this.#now = options.now ?? Date.now;
  }

  publish(input: EventInput): SlipwayEvent {
    // Spreading a union loses its discriminant for TypeScript; each member gains exactly seq and at.
    const event = { ...input, seq: ++this.#seq, at: new Date(this.#now()).toISOString() } as SlipwayEvent;
    this.#recent.push(event);
    if (this.#recent.length > this.#keep) this.#recent.splice(0, this.#recent.length - this.#keep);
    for (const entry of [...this.#listeners]) {
      if (!matches(event, entry.filter)) continue;
      try {
        entry.listener(event);
      } catch {
        this.#listeners.delete(entry);
      }
    }
    return event;
  }

  /** Events still held that match, oldest first. */
  recent(filter: EventFilter = {}): SlipwayEvent[] {
    return this.#recent.filter((e) => matches(e, filter));
  }

  /** Calls `listener` for every later matching event until the returned function is called. */
  subscribe(listener: Listener, filter: EventFilter = {}): () => void {
    const entry = { listener, filter };
    this.#listeners.add(entry);
    return () => this.#listeners.delete(entry);
  }

  get lastSeq(): number {
    return this.#seq;
  }
}
