/**
 * The daemon's event bus as the dashboard reads it: the control API's `events` method (follow),
 * on the control socket like `slipway events`, each line checked against the API contract. One
 * feed serves every open page; it reconnects when the stream ends, and stops on close().
 */
import { request, type ClientRequest } from 'node:http';
import type { SlipwayEvent } from '../api/event-schemas.js';
import type { ProgressEvent } from '../api/schemas.js';
import { contract } from '../api/contract.js';
import { checkJson } from '../lib/json-check.js';

export class EventFeed {
  readonly #socketPath: string;
  readonly #listeners = new Set<(e: SlipwayEvent) => void>();
  #req: ClientRequest | undefined;
  #retry: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(socketPath: string) {
    this.#socketPath = socketPath;
  }

  subscribe(listener: (e: SlipwayEvent) => void): () => void {
    this.#listeners.add(listener);
    if (!this.#req && !this.#retry) this.#connect();
    return () => {
      this.#listeners.delete(listener);
      if (this.#listeners.size === 0) this.#disconnect();
    };
  }

  close(): void {
    this.#closed = true;
    this.#disconnect();
  }

  #disconnect(): void {
    clearTimeout(this.#retry);
    this.#retry = undefined;
    const req = this.#req;
    this.#req = undefined;
    req?.destroy();
  }

  #connect(): void {
    if (this.#closed) return;
    let buffer = '';
    const again = (): void => {
      if (this.#req !== req) return; // disconnected on purpose
      this.#req = undefined;
      if (!this.#closed && this.#listeners.size > 0) this.#retry = setTimeout(() => ((this.#retry = undefined), this.#connect()), 1000).unref();
    };
    const req = request({ socketPath: this.#socketPath, path: '/v1/events', method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let nl: number;
        while ((nl = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, nl);
          buffer = buffer.slice(nl + 1);
          this.#line(line);
        }
      });
      res.on('end', again);
      res.on('error', () => undefined);
    });
    req.on('error', again);
    req.end(JSON.stringify({ follow: true }));
    this.#req = req;
  }

  #line(line: string): void {
    if (!line.trim()) return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      return;
    }
    if (checkJson(contract.events.response, value)) return;
    const event = value as ProgressEvent;
    if (event.type !== 'event') return;
    for (const listener of [...this.#listeners]) listener(event.event);
  }
}
