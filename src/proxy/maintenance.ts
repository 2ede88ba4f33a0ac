import { AddressList } from '../lib/address-list.js';
import type { ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { escapeHtml, prefersJson } from './error-page.js';
import type { ServiceTable } from './protocol.js';
import { noteOf } from './response-policy/access-log.js';

type Maintenance = NonNullable<ServiceTable['maintenance']>;

/** What clients are told to wait before trying again (seconds). */
export const MAINTENANCE_RETRY_AFTER_S = 120;

const DEFAULT_MESSAGE = 'This service is down for maintenance. Please try again shortly.';

/** The allowlist of each committed switch, compiled once (a table is never mutated after its swap). */
const compiled = new WeakMap<Maintenance, AddressList>();

/** True when the service is in maintenance and `client` (the real client address) is not allowed through. */
export function heldByMaintenance(config: ServiceTable, client: string): boolean {
  const m = config.maintenance;
  if (!m) return false;
  if (m.allow.length === 0) return true;
  let list = compiled.get(m);
  if (!list) {
    list = new AddressList(m.allow);
    compiled.set(m, list);
  }
  return !list.has(client);
}

/** The maintenance answer: 503, Retry-After, a small page (HTML, or JSON when preferred) with the escaped message. */
export function sendMaintenancePage(res: ServerResponse, requestId: string, accept: string | undefined, message: string | undefined): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const text = message ?? DEFAULT_MESSAGE;
  const json = prefersJson(accept);
  const body = json ? JSON.stringify({ error: { status: 503, title: 'Service Unavailable', maintenance: true, message: text, requestId } }) : page(text, requestId);
  res.writeHead(503, {
    'content-type': json ? 'application/json; charset=utf-8' : 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    'retry-after': String(MAINTENANCE_RETRY_AFTER_S),
    'x-request-id': requestId,
  });
  res.end(res.req?.method === 'HEAD' ? undefined : body);
}

/** A websocket upgrade during maintenance: the same 503, on the raw socket. */
export function refuseMaintenanceUpgrade(socket: Duplex, requestId: string, message: string | undefined): void {
  if (!socket.writable) return;
  const note = noteOf(socket);
  if (note) note.status = 503;
  const body = `503 Service Unavailable\n${message ?? DEFAULT_MESSAGE}\nRequest id: ${requestId}\n`;
  socket.end(
    'HTTP/1.1 503 Service Unavailable\r\n' +
      `content-type: text/plain; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\n` +
      `retry-after: ${MAINTENANCE_RETRY_AFTER_S}\r\nx-request-id: ${requestId}\r\nconnection: close\r\n\r\n${body}`,
  );
}

function page(message: string, requestId: string): string {
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>Down for maintenance</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#222}code{color:#555}</style>
</head><body><h1>Down for maintenance</h1><p>${escapeHtml(message)}</p>
<p>Request id: <code>${escapeHtml(requestId)}</code></p></body></html>
`;
}
