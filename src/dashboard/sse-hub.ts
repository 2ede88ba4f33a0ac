/**
 * Server-Sent Events to every open page: `hello` (the daemon's pid and start) when a page
 * connects, `change` (coalesced, at most twice a second) when the event bus says something
 * happened, `tick` every few seconds so pages with live figures (traffic, a canary) refresh.
 * When the daemon restarts the stream breaks; the browser reconnects (retry: 1 s) by itself.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SlipwayEvent } from '../api/event-schemas.js';
import type { EventFeed } from './event-feed.js';

const TICK_MS = 5000;
const COALESCE_MS = 500;

export class SseHub {
  readonly #clients = new Set<ServerResponse>();
  readonly #feed: EventFeed;
  readonly #daemon: { pid: number; startedAt: string };
  #unsubscribe: (() => void) | undefined;
  #tick: NodeJS.Timeout | undefined;
  #pending: { kinds: Set<string>; timer: NodeJS.Timeout } | undefined;

  constructor(feed: EventFeed, daemon: { pid: number; startedAt: string }) {
    this.#feed = feed;
    this.#daemon = daemon;
  }

  attach(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
    res.write(`retry: 1000\nevent: hello\ndata: ${JSON.stringify(this.#daemon)}\n\n`);
    this.#clients.add(res);
    req.on('close', () => this.#detach(res));
    // The feed and the clock run only while a page is open: an idle daemon with no page open pays nothing.
    this.#unsubscribe ??= this.#feed.subscribe((e) => this.#changed(e));
    this.#tick ??= setInterval(() => this.#broadcast('event: tick\ndata: {}\n\n'), TICK_MS);
  }

  close(): void {
    for (const res of this.#clients) res.end();
    this.#clients.clear();
    this.#stop();
  }

  #detach(res: ServerResponse): void {
    this.#clients.delete(res);
    if (this.#clients.size === 0) this.#stop();
  }

  #stop(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    clearInterval(this.#tick);
    this.#tick = undefined;
    if (this.#pending) clearTimeout(this.#pending.timer);
    this.#pending = undefined;
  }

  #changed(e: SlipwayEvent): void {
    if (this.#pending) return void this.#pending.kinds.add(e.kind);
    const kinds = new Set<string>([e.kind]);
    const timer = setTimeout(() => {
      this.#pending = undefined;
      this.#broadcast(`event: change\ndata: ${JSON.stringify({ kinds: [...kinds] })}\n\n`);
    }, COALESCE_MS);
    this.#pending = { kinds, timer };
  }

  #broadcast(frame: string): void {
    for (const res of this.#clients) res.write(frame);
  }
}
